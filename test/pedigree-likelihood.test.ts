import { describe, expect, it } from 'vitest';

import { type CompiledLocus, compileLoci } from '../engine/dvi/frequencies.js';
import {
  type MarkerEvidence,
  markerLikelihood,
  memberGenotypeLikelihoods,
} from '../engine/dvi/likelihood.js';
import type { SexMutationModels } from '../engine/dvi/mutation.js';
import { type CompiledPedigree, compilePedigree } from '../engine/dvi/pedigree.js';
import { seededRandom } from '../engine/dvi/simulate.js';
import type { Pedigree, PedigreeMember } from '../engine/dvi/types.js';

/**
 * Reference likelihood by brute force: every ordered genotype (paternal, maternal allele) of every
 * member, the probability of the whole configuration by the founder and transmission rules, summed
 * where it agrees with the typed genotypes. Written independently of the engine's elimination.
 */
function bruteForce(ped: CompiledPedigree, locus: CompiledLocus, evidence: MarkerEvidence): number {
  const n = locus.alleles.length;
  const m = ped.ids.length;
  const slots = new Int32Array(2 * m);
  const trans = (matrix: Float64Array | null, from: number, to: number) =>
    matrix ? matrix[from * n + to] : from === to ? 1 : 0;
  let total = 0;
  const visit = (k: number) => {
    if (k === 2 * m) {
      let p = 1;
      for (let i = 0; i < m && p > 0; i++) {
        const a = slots[2 * i];
        const b = slots[2 * i + 1];
        const obs = evidence[i];
        if (obs) for (const [x, y] of obs) if (!((x === a && y === b) || (x === b && y === a))) p = 0;
        const f = ped.father[i];
        const mo = ped.mother[i];
        p *=
          f < 0
            ? locus.frequencies[a]
            : 0.5 *
              (trans(locus.mutation.male, slots[2 * f], a) + trans(locus.mutation.male, slots[2 * f + 1], a));
        p *=
          mo < 0
            ? locus.frequencies[b]
            : 0.5 *
              (trans(locus.mutation.female, slots[2 * mo], b) +
                trans(locus.mutation.female, slots[2 * mo + 1], b));
      }
      total += p;
      return;
    }
    for (let a = 0; a < n; a++) {
      slots[k] = a;
      visit(k + 1);
    }
  };
  visit(0);
  return total;
}

const member = (
  id: string,
  sex: 'M' | 'F',
  father: string | null = null,
  mother: string | null = null,
): PedigreeMember => ({
  id,
  sex,
  father,
  mother,
});

/** Small pedigrees of the kinds DVI meets, including two with loops. */
const pedigrees: Record<string, Pedigree> = {
  trio: { members: [member('F', 'M'), member('M', 'F'), member('C', 'M', 'F', 'M')] },
  halfSibs: {
    members: [
      member('F', 'M'),
      member('M1', 'F'),
      member('M2', 'F'),
      member('A', 'F', 'F', 'M1'),
      member('B', 'M', 'F', 'M2'),
    ],
  },
  grandparent: {
    members: [
      member('GF', 'M'),
      member('GM', 'F'),
      member('P', 'F', 'GF', 'GM'),
      member('S', 'M'),
      member('C', 'M', 'S', 'P'),
    ],
  },
  // Child of half-siblings: a marriage loop.
  inbredLoop: {
    members: [
      member('F', 'M'),
      member('M1', 'F'),
      member('M2', 'F'),
      member('A', 'M', 'F', 'M1'),
      member('B', 'F', 'F', 'M2'),
      member('C', 'F', 'A', 'B'),
    ],
  },
  // Two brothers marrying two sisters: double first cousins (loop through two couples).
  doubleCousins: {
    members: [
      member('GF1', 'M'),
      member('GM1', 'F'),
      member('GF2', 'M'),
      member('GM2', 'F'),
      member('B1', 'M', 'GF1', 'GM1'),
      member('B2', 'M', 'GF1', 'GM1'),
      member('S1', 'F', 'GF2', 'GM2'),
      member('S2', 'F', 'GF2', 'GM2'),
      member('C1', 'M', 'B1', 'S1'),
      member('C2', 'F', 'B2', 'S2'),
    ],
  },
};

const models: Record<string, SexMutationModels | undefined> = {
  none: undefined,
  equal: { female: { kind: 'equal', rate: 0.05 }, male: { kind: 'equal', rate: 0.1 } },
  proportional: { female: { kind: 'proportional', rate: 0.08 }, male: { kind: 'proportional', rate: 0.03 } },
  stepwise: {
    female: { kind: 'stepwise', rate: 0.05, range: 0.5, rate2: 0.01 },
    male: { kind: 'stepwise', rate: 0.12, range: 0.3, rate2: 0.02 },
  },
};

/** Three alleles (one microvariant), or two for the larger pedigrees (brute force is n^(2m)). */
function locusWith(mutation: SexMutationModels | undefined, alleles = 3): CompiledLocus {
  const locus =
    alleles === 3
      ? { name: 'L', alleles: ['9', '9.3', '10'], frequencies: [0.5, 0.2, 0.3], mutation }
      : { name: 'L', alleles: ['9', '11'], frequencies: [0.35, 0.65], mutation };
  return compileLoci({ name: 'test', loci: [locus] }, new Map()).loci[0];
}

describe('pedigree likelihood against brute-force enumeration', () => {
  const rand = seededRandom(2024);
  for (const [pedName, pedigree] of Object.entries(pedigrees)) {
    const ped = compilePedigree(pedigree);
    // Brute force is n^(2m): keep the big ones to three alleles and few draws.
    for (const [modelName, mutation] of Object.entries(models)) {
      const nAlleles = ped.ids.length > 6 ? 2 : 3;
      const locus = locusWith(mutation, nAlleles);
      it(`${pedName}, ${modelName} mutation: random typings`, () => {
        for (let d = 0; d < 3; d++) {
          const evidence: MarkerEvidence = ped.ids.map(() => {
            if (rand() < 0.45) return undefined;
            return [[Math.floor(rand() * nAlleles), Math.floor(rand() * nAlleles)] as const];
          });
          const expected = bruteForce(ped, locus, evidence);
          const got = markerLikelihood(ped, locus, evidence);
          expect(got).toBeGreaterThanOrEqual(0);
          if (expected === 0) expect(got).toBe(0);
          else expect(Math.abs(got - expected) / expected).toBeLessThan(1e-10);
        }
      });
    }
  }

  it('many alleles (transmissions split by segregation indicators) still match brute force', () => {
    const locus = compileLoci(
      {
        name: 'test',
        loci: [
          {
            name: 'L',
            alleles: ['8', '9', '10', '11', '11.2'],
            frequencies: [0.1, 0.3, 0.25, 0.2, 0.15],
            mutation: models.stepwise,
          },
        ],
      },
      new Map(),
    ).loci[0];
    const sibs = compilePedigree({
      members: [member('F', 'M'), member('M', 'F'), member('C1', 'M', 'F', 'M'), member('C2', 'F', 'F', 'M')],
    });
    for (let d = 0; d < 4; d++) {
      const evidence: MarkerEvidence = sibs.ids.map((_, i) =>
        i < 2 && d % 2 === 0 ? undefined : [[Math.floor(rand() * 5), Math.floor(rand() * 5)] as const],
      );
      const expected = bruteForce(sibs, locus, evidence);
      expect(Math.abs(markerLikelihood(sibs, locus, evidence) - expected) / expected).toBeLessThan(1e-10);
      const table = memberGenotypeLikelihoods(sibs, locus, [undefined, undefined, evidence[2], undefined], 3);
      const withC2 = [undefined, undefined, evidence[2], [[1, 4] as const]];
      expect(table[1 * 5 + 4]).toBeCloseTo(bruteForce(sibs, locus, withC2), 15);
    }
  });

  it('a member genotype table equals the likelihood with that genotype typed', () => {
    const locus = locusWith(models.stepwise);
    const ped = compilePedigree(pedigrees.grandparent);
    const evidence: MarkerEvidence = [undefined, [[0, 1]], undefined, [[2, 2]], undefined];
    const target = ped.indexOf.get('C')!;
    const table = memberGenotypeLikelihoods(ped, locus, evidence, target);
    let total = 0;
    for (let a = 0; a < 3; a++) {
      for (let b = a; b < 3; b++) {
        const withC = evidence.map((e, i) => (i === target ? [[a, b] as const] : e));
        const expected = bruteForce(ped, locus, withC);
        expect(table[a * 3 + b]).toBeCloseTo(expected, 14);
        expect(table[b * 3 + a]).toBe(table[a * 3 + b]);
        total += table[a * 3 + b];
      }
    }
    expect(total).toBeCloseTo(bruteForce(ped, locus, evidence), 14);
  });

  it('an impossible typing without mutation has likelihood 0, and positive with mutation', () => {
    const ped = compilePedigree(pedigrees.trio);
    const evidence: MarkerEvidence = [[[0, 0]], [[0, 0]], [[1, 1]]];
    expect(markerLikelihood(ped, locusWith(undefined), evidence)).toBe(0);
    expect(markerLikelihood(ped, locusWith(models.equal), evidence)).toBeGreaterThan(0);
  });

  it('refuses, with IDM_PEDIGREE_LOOP, a computation whose tables exceed the limit', () => {
    const ped = compilePedigree(pedigrees.inbredLoop);
    const locus = locusWith(models.equal);
    const evidence: MarkerEvidence = [undefined, undefined, undefined, undefined, undefined, [[0, 1]]];
    expect(() => markerLikelihood(ped, locus, evidence, { maxFactorEntries: 8 })).toThrow(
      expect.objectContaining({ code: 'IDM_PEDIGREE_LOOP' }),
    );
    expect(markerLikelihood(ped, locus, evidence)).toBeCloseTo(bruteForce(ped, locus, evidence), 14);
  });

  it('contradictory observations of one member give 0', () => {
    const ped = compilePedigree(pedigrees.trio);
    expect(
      markerLikelihood(ped, locusWith(undefined), [
        undefined,
        undefined,
        [
          [0, 1],
          [0, 2],
        ],
      ]),
    ).toBe(0);
  });
});

describe('pedigree validation', () => {
  it('refuses a member who is their own ancestor', () => {
    expect(() =>
      compilePedigree({
        members: [member('A', 'M', 'B', 'X'), member('B', 'M', 'A', 'X'), member('X', 'F')],
      }),
    ).toThrow(/own ancestor/);
  });
  it('refuses a father recorded as female and unknown parents', () => {
    expect(() =>
      compilePedigree({ members: [member('F', 'F'), member('M', 'F'), member('C', 'M', 'F', 'M')] }),
    ).toThrow(/sex F/);
    expect(() => compilePedigree({ members: [member('C', 'M', 'nobody', null)] })).toThrow(/not a member/);
  });
  it('adds the missing parent when only one is given', () => {
    const ped = compilePedigree({ members: [member('F', 'M'), member('C', 'M', 'F', null)] });
    expect(ped.ids).toHaveLength(3);
    expect(ped.mother[1]).toBe(2);
  });
});
