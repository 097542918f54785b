import { describe, expect, it } from 'vitest';

import {
  alleleFrequency,
  type FrequencyTable,
  inferAlleleCount,
  minimumAlleleFrequency,
  parseFrequencyCsv,
  selectFrequencyTable,
  shippedFrequencyTable,
} from '../engine/dna/frequencies.js';
import {
  genotypeMatchProbability,
  IBD_COEFFICIENTS,
  kinshipLocusLr,
  kinshipLr,
  randomMatchProbability,
} from '../engine/dna/stats.js';
import { IdmError } from '../engine/errors.js';

const p: Record<string, number> = { a: 0.1, b: 0.2, c: 0.3 };
const freq = (x: string) => p[x];
const ki = (a: string[], b: string[], r: keyof typeof IBD_COEFFICIENTS) =>
  kinshipLocusLr(a, b, IBD_COEFFICIENTS[r], freq);

/** A one-locus table with the frequencies (alleles 1, 2, 3 = a, b, c) and a large N. */
const vectorTable: FrequencyTable = {
  name: 'vectors',
  loci: { TH01: { '1': 0.1, '2': 0.2, '3': 0.3, '4': 0.4 } },
  sampleSize: { TH01: 100_000 },
};

describe('random match probability (NRC II)', () => {
  it('reproduces the issue test vectors with theta 0.01 (eq. 4.10)', () => {
    expect(genotypeMatchProbability(0.1, null, 0.01).toFixed(7)).toBe('0.0149010');
    expect(genotypeMatchProbability(0.1, 0.2, 0.01).toFixed(7)).toBe('0.0440148');
  });

  it('reduces to Hardy-Weinberg (eq. 4.1) with theta 0', () => {
    expect(genotypeMatchProbability(0.1, null, 0)).toBeCloseTo(0.01, 12);
    expect(genotypeMatchProbability(0.1, 0.2, 0)).toBeCloseTo(0.04, 12);
  });

  it('combines loci by the product rule and reports LR = 1/RMP', () => {
    const table: FrequencyTable = {
      name: 't',
      loci: { TH01: { '1': 0.1, '2': 0.2 }, FGA: { '20': 0.5, '21': 0.5 } },
      sampleSize: { TH01: 1000, FGA: 1000 },
    };
    const r = randomMatchProbability({ loci: { TH01: ['1'], FGA: ['20', '21'], AMEL: ['X'] } }, table, 0.01);
    const expected = genotypeMatchProbability(0.1, null, 0.01) * genotypeMatchProbability(0.5, 0.5, 0.01);
    expect(r.rmp).toBeCloseTo(expected, 15);
    expect(r.lr).toBeCloseTo(1 / expected, 6);
    expect(r.loci.map((l) => l.locus)).toEqual(['TH01', 'FGA']);
    expect(r.skipped).toEqual(['AMEL']);
  });

  it('uses 5/2N for unseen and rare alleles', () => {
    const table: FrequencyTable = {
      name: 't',
      loci: { TH01: { '6': 0.001, '7': 0.5 } },
      sampleSize: { TH01: 100 },
    };
    expect(minimumAlleleFrequency(table, 'TH01')).toBeCloseTo(0.025, 12);
    expect(alleleFrequency(table, 'TH01', '99')).toBeCloseTo(0.025, 12);
    expect(alleleFrequency(table, 'TH01', '6')).toBeCloseTo(0.025, 12);
    expect(alleleFrequency(table, 'TH01', '7')).toBe(0.5);
    expect(alleleFrequency(table, 'FGA', '20')).toBeUndefined();
  });

  it('covers the shipped tables', () => {
    const t = shippedFrequencyTable('fbi-expanded', 'African American');
    expect(t.name).toBe('fbi-expanded/African American');
    expect(Object.keys(t.loci)).toHaveLength(23);
    expect(shippedFrequencyTable('nist1036').sampleSize.TH01).toBe(1036);
    expect(shippedFrequencyTable('fbi-extended-2024').sampleSize.FGA).toBe(404);
    for (const name of ['fbi-expanded', 'fbi-extended-2024', 'nist1036']) {
      const table = shippedFrequencyTable(name);
      for (const [locus, alleles] of Object.entries(table.loci)) {
        const sum = Object.values(alleles).reduce((s, f) => s + f, 0);
        expect(Math.abs(sum - 1), `${name} ${locus}`).toBeLessThan(0.02);
      }
    }
    expect(() => shippedFrequencyTable('fbi-expanded', 'Martian')).toThrow(IdmError);
  });
});

describe('frequency files in the long layout', () => {
  it('reads population,locus,allele,frequency and infers N from exact ratios', () => {
    const csv = [
      'population,locus,allele,frequency',
      'X,TH01,6,0.25',
      'X,TH01,9.3,0.75',
      'X,vWA,16,0.125',
      'X,vWA,17,0.875',
      'Y,TH01,6,1',
    ].join('\n');
    const db = parseFrequencyCsv(csv, 'f.csv');
    const x = selectFrequencyTable(db, 'x');
    expect(x.loci.vWA).toEqual({ '16': 0.125, '17': 0.875 });
    expect(x.sampleSize.vWA).toBe(4);
    expect(x.sampleSize.TH01).toBe(4);
    expect(inferAlleleCount([1 / 202, 3 / 202, 198 / 202])).toBe(202);
  });

  it('reports every bad line with its number and imports nothing', () => {
    const csv = [
      'population,locus,allele,frequency',
      'X,TH01,6,0.5',
      'X,D99,6,0.5',
      'X,TH01,zz,0.1',
      'X,FGA,20,1.5',
    ].join('\n');
    try {
      parseFrequencyCsv(csv, 'bad.csv');
      expect.unreachable();
    } catch (error) {
      expect((error as IdmError).code).toBe('IDM_BAD_FREQUENCIES');
      const errors = ((error as IdmError).details as { errors: Array<{ line: number }> }).errors;
      expect(errors.map((e) => e.line)).toEqual([3, 4, 5]);
    }
  });
});

describe('kinship indices (issue test vectors, pa=0.1 pb=0.2 pc=0.3)', () => {
  const cases: Array<
    [string[], string[], Partial<Record<'parent-child' | 'full-sibling' | 'half-sibling', number>>]
  > = [
    [['a'], ['a'], { 'parent-child': 10, 'full-sibling': 30.25, 'half-sibling': 5.5 }],
    [['a', 'b'], ['a', 'b'], { 'parent-child': 3.75, 'full-sibling': 8.375, 'half-sibling': 2.375 }],
    [['a'], ['a', 'b'], { 'parent-child': 5, 'full-sibling': 2.75 }],
    [['a', 'b'], ['a', 'c'], { 'parent-child': 2.5, 'full-sibling': 1.5 }],
    [['a', 'b'], ['c'], { 'parent-child': 0, 'full-sibling': 0.25, 'half-sibling': 0.5 }],
  ];
  for (const [a, b, expected] of cases) {
    it(`${a.join('')}/${b.join('')}`, () => {
      for (const [relation, value] of Object.entries(expected)) {
        expect(ki(a, b, relation as 'parent-child')).toBeCloseTo(value as number, 10);
        // Symmetric without mutation.
        expect(ki(b, a, relation as 'parent-child')).toBeCloseTo(value as number, 10);
      }
      expect(ki(a, b, 'unrelated')).toBe(1);
    });
  }

  it('gives grandparent and avuncular the half-sibling index, cousins a quarter IBD', () => {
    expect(ki(['a'], ['a'], 'grandparent')).toBeCloseTo(5.5, 10);
    expect(ki(['a'], ['a'], 'avuncular')).toBeCloseTo(5.5, 10);
    expect(ki(['a'], ['a'], 'first-cousin')).toBeCloseTo(0.75 + 0.25 * 10, 10);
  });

  it('multiplies loci in kinshipLr and allows a parent-child exclusion to be explained by mutation', () => {
    const a = { loci: { TH01: ['1', '2'] } };
    const b = { loci: { TH01: ['3'] } };
    const none = kinshipLr(a, b, { relationship: 'parent-child', frequencies: vectorTable });
    expect(none.lr).toBe(0);
    for (const kind of ['equal', 'proportional'] as const) {
      const withMutation = kinshipLr(a, b, {
        relationship: 'parent-child',
        frequencies: vectorTable,
        mutation: { kind, rate: 0.002 },
      });
      expect(withMutation.lr).toBeGreaterThan(0);
      expect(withMutation.lr).toBeLessThan(0.01);
    }
    // Stepwise: a one-step mutation (2 -> 3) is far likelier than a two-step one (1 -> 3).
    const step = kinshipLr({ loci: { TH01: ['2'] } }, b, {
      relationship: 'parent-child',
      frequencies: vectorTable,
      mutation: { kind: 'stepwise', rate: 0.002, range: 0.1 },
    });
    const twoSteps = kinshipLr({ loci: { TH01: ['1'] } }, b, {
      relationship: 'parent-child',
      frequencies: vectorTable,
      mutation: { kind: 'stepwise', rate: 0.002, range: 0.1 },
    });
    expect(step.lr).toBeGreaterThan(5 * twoSteps.lr);
  });

  it('equal mutation: PI of ab/cc is (rate/(n-1)) / (2 pc) with mutation from either allele', () => {
    const r = kinshipLr(
      { loci: { TH01: ['1', '2'] } },
      { loci: { TH01: ['3'] } },
      { relationship: 'parent-child', frequencies: vectorTable, mutation: { kind: 'equal', rate: 0.003 } },
    );
    // T(c) = 1/2 (0.001) + 1/2 (0.001) = 0.001; P(B|A) = T(c) pc; PI = T(c) pc / pc^2.
    expect(r.lr).toBeCloseTo(0.001 / 0.3, 10);
  });
});

describe('stepwise mutation with off-ladder alleles', () => {
  it('transmits off-ladder calls without mutation instead of failing', () => {
    const r = kinshipLr(
      { loci: { TH01: ['OL', '2'] } },
      { loci: { TH01: ['OL', '3'] } },
      {
        relationship: 'parent-child',
        frequencies: vectorTable,
        mutation: { kind: 'stepwise', rate: 0.002, range: 0.5 },
      },
    );
    expect(r.lr).toBeGreaterThan(0);
  });
});

describe('kinship indices with subpopulation correction', () => {
  it('theta 0 gives the Hardy-Weinberg indices; theta > 0 follows the sampling formula', () => {
    const kTheta = (a: string[], b: string[], r: keyof typeof IBD_COEFFICIENTS, theta: number) =>
      kinshipLocusLr(a, b, IBD_COEFFICIENTS[r], freq, undefined, theta);
    expect(kTheta(['a'], ['a'], 'parent-child', 0)).toBeCloseTo(10, 10);
    // aa/aa: P(B|A) = [2θ+(1-θ)p]/(1+θ) · [3θ+(1-θ)p]/(1+2θ); one IBD: [2θ+(1-θ)p]/(1+θ).
    const t = 0.01;
    expect(kTheta(['a'], ['a'], 'parent-child', t)).toBeCloseTo((1 + 2 * t) / (3 * t + (1 - t) * 0.1), 10);
    // The unrelated-hypothesis denominator for B = A is the NRC II 4.10 match probability.
    const si = kTheta(['a', 'b'], ['a', 'b'], 'full-sibling', t);
    const p1 = 0.5 * ((t + 0.99 * 0.2) / 1.01) + 0.5 * ((t + 0.99 * 0.1) / 1.01);
    const p0 = genotypeMatchProbability(0.1, 0.2, t);
    expect(si).toBeCloseTo(0.25 + (0.5 * p1) / p0 + 0.25 / p0, 10);
    // Theta makes shared rare alleles less surprising: indices shrink toward 1.
    expect(kTheta(['a'], ['a'], 'full-sibling', 0.03)).toBeLessThan(kTheta(['a'], ['a'], 'full-sibling', 0));
    expect(kTheta(['a', 'b'], ['c'], 'parent-child', t)).toBe(0);
  });
});
