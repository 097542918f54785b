import { describe, expect, it } from 'vitest';

import { compileCase, jointPlacedLogLik } from '../engine/dvi/compile.js';
import { parseDviCaseJson, toDviCaseJson } from '../engine/dvi/caseJson.js';
import { simulateIncident } from '../engine/dvi/simulate.js';
import { solveDvi } from '../engine/dvi/solve.js';
import type { DviCase } from '../engine/dvi/types.js';

const oneLocus = { name: 'L', alleles: ['1', '2', '3', '4'], frequencies: [0.1, 0.2, 0.3, 0.4] };

/** Two missing brothers whose mother is typed: their joint placement is not the product of pairwise LRs. */
function brothersCase(): DviCase {
  return {
    id: 'brothers',
    database: { name: 'toy', loci: [oneLocus] },
    victims: [
      { id: 'V1', sex: 'M', profile: { L: ['1', '2'] } },
      { id: 'V2', sex: 'M', profile: { L: ['1', '3'] } },
      { id: 'V3', sex: 'F', profile: { L: ['1', '1'] } },
    ],
    families: [
      {
        id: 'F',
        pedigree: {
          members: [
            { id: 'FA', sex: 'M', father: null, mother: null },
            { id: 'MO', sex: 'F', father: null, mother: null, profile: { L: ['1', '4'] } },
            { id: 'B1', sex: 'M', father: 'FA', mother: 'MO' },
            { id: 'B2', sex: 'M', father: 'FA', mother: 'MO' },
          ],
        },
        missing: ['B1', 'B2'],
      },
    ],
  };
}

describe('DVI solving on small cases', () => {
  it('joint log-likelihoods equal the likelihood of the data placed on the pedigree', () => {
    const c = brothersCase();
    const s = solveDvi(c, { undisputed: false });
    const compiled = compileCase(c);
    const fam = compiled.families[0];
    const [v1, v2, v3] = compiled.victims;
    // Assignment V1=B1, V2=B2, V3 unassigned.
    const row = s.assignments.find((r) => r.V1 === 'B1' && r.V2 === 'B2' && r.V3 === '*')!;
    const expected =
      jointPlacedLogLik(compiled, fam, [
        { member: fam.ped.indexOf.get('B1')!, victim: v1 },
        { member: fam.ped.indexOf.get('B2')!, victim: v2 },
      ]) + v3.logLik;
    expect(row.loglik as number).toBeCloseTo(expected, 12);
    // By hand: FA untyped, MO 1/4. V1 = 1/2 and V2 = 1/3 both got allele 1 from MO (prob 1/2 each),
    // and 2 and 3 from FA, whose genotype must be 2/3: P = 2 p1 p4 * 2 p2 p3 * (1/2)^4.
    const byHand = 2 * 0.1 * 0.4 * (2 * 0.2 * 0.3) * 0.5 ** 4;
    expect(Math.exp(expected - v3.logLik)).toBeCloseTo(byHand, 14);
    // Sex: V3 is female, so never placed on a brother.
    expect(s.assignments.every((r) => r.V3 === '*')).toBe(true);
    expect(s.assignmentsTotal).toBe(7);
  });

  it('the LR column is relative to the best and rows are sorted', () => {
    const s = solveDvi(brothersCase());
    const best = s.assignments[0].loglik as number;
    for (let i = 0; i < s.assignments.length; i++) {
      const r = s.assignments[i];
      if (r.loglik === null) continue;
      expect(r.LR as number).toBeCloseTo(Math.exp(best - (r.loglik as number)), 10);
      if (i > 0 && s.assignments[i - 1].loglik !== null)
        expect(s.assignments[i - 1].loglik as number).toBeGreaterThanOrEqual(r.loglik as number);
    }
  });

  it('a direct reference makes the matching victim undisputed', () => {
    const c = brothersCase();
    c.database.loci = [
      oneLocus,
      ...[2, 3, 4, 5, 6].map((k) => ({
        name: `L${k}`,
        alleles: ['1', '2', '3', '4'],
        frequencies: [0.1, 0.2, 0.3, 0.4],
      })),
    ];
    const profile = {
      L: ['1', '2'],
      L2: ['1', '1'],
      L3: ['2', '1'],
      L4: ['1', '3'],
      L5: ['2', '2'],
      L6: ['1', '4'],
    } as const;
    c.victims[0] = { id: 'V1', sex: 'M', profile: profile as never };
    c.families[0].directReferences = { B1: [profile as never] };
    // With B2 missing too, V1 (identical to B1's reference) is also a strong candidate for the
    // brother B2 (LR ~5e5 against ~3e8): not undisputed by the factor 1e4. Only B1 is missing here.
    c.families[0].missing = ['B1'];
    const s = solveDvi(c);
    expect(s.undisputed.map((u) => `${u.victim}=${u.missing}`)).toContain('V1=B1');
    expect(s.identifications.find((i) => i.victim === 'V1')).toMatchObject({
      missing: 'B1',
      method: 'undisputed',
      conclusive: true,
    });
  });

  it('round-trips our JSON format', () => {
    const { dvi } = simulateIncident({ seed: 3, victims: 4, families: 2, loci: 3 });
    const again = parseDviCaseJson(JSON.stringify(toDviCaseJson(dvi)));
    expect(again.victims).toEqual(dvi.victims);
    expect(again.families.map((f) => f.missing)).toEqual(dvi.families.map((f) => f.missing));
    expect(solveDvi(again).assignments[0]).toEqual(solveDvi(dvi).assignments[0]);
  });

  it('rejects malformed cases with coded errors', () => {
    expect(() => parseDviCaseJson('{')).toThrow(/not valid JSON/);
    expect(() => parseDviCaseJson({ marker: oneLocus, pm: [{ id: 'V', sex: 'X' }], am: [] })).toThrow(/sex/);
    const c = brothersCase();
    c.families[0].missing = ['nobody'];
    expect(() => solveDvi(c)).toThrow(/not a member/);
  });
});

describe('fragments', () => {
  it('PM items identical at enough loci are merged into one body before solving', () => {
    const { dvi, truth } = simulateIncident({
      seed: 9,
      victims: 6,
      families: 3,
      loci: 12,
      relatives: [2, 3],
    });
    const related = dvi.victims.find((v) => truth[v.id] !== null)!;
    // A second fragment of the same body typed at 9 of its loci.
    const partial = Object.fromEntries(Object.entries(related.profile).slice(0, 9));
    const withFragment = {
      ...dvi,
      victims: [...dvi.victims, { id: 'FRAG', sex: 'U' as const, profile: partial }],
    };
    const merged = solveDvi(withFragment, { mergeFragmentsMinLoci: 8 });
    expect(merged.fragments).toEqual([{ id: `${related.id}+FRAG`, items: [related.id, 'FRAG'] }]);
    expect(merged.victims).toHaveLength(dvi.victims.length);
    expect(merged.victims.find((v) => v.id === `${related.id}+FRAG`)?.sex).toBe(related.sex);
    // Kept apart, the fragment is a separate PM item.
    expect(solveDvi(withFragment).victims).toHaveLength(dvi.victims.length + 1);
    // Too few shared loci: not merged.
    expect(solveDvi(withFragment, { mergeFragmentsMinLoci: 10 }).fragments).toEqual([]);
  });
});

describe('DVI solving on a simulated incident (seeded)', () => {
  it('identifies the simulated victims: no conclusive error, most found', () => {
    const { dvi, truth } = simulateIncident({
      seed: 11,
      victims: 24,
      families: 12,
      loci: 15,
      relatives: [2, 4],
    });
    const s = solveDvi(dvi, { maxListed: 20 });
    let correct = 0;
    for (const id of s.identifications) {
      if (id.conclusive) expect(truth[id.victim]).toBe(id.missing);
      if (truth[id.victim] === id.missing) correct++;
    }
    const related = Object.values(truth).filter((m) => m !== null).length;
    expect(related).toBeGreaterThan(10);
    expect(correct / related).toBeGreaterThan(0.7);
    // Families that share no candidate victims are solved separately.
    expect(s.components.length).toBeGreaterThan(1);
  });
});
