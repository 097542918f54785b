import { describe, expect, it } from 'vitest';

import { mutationMatrix, overallMutationRate } from '../engine/dvi/mutation.js';

const alleles = ['8', '9', '10', '11', '11.3', '12.3'];
const freqs = [0.1, 0.25, 0.3, 0.2, 0.1, 0.05];
const at = (m: Float64Array, i: number, j: number) => m[i * alleles.length + j];

describe('mutation models (Familias / pedmut definitions)', () => {
  it('every row of every model sums to 1 with non-negative entries', () => {
    for (const model of [
      { kind: 'equal', rate: 0.01 },
      { kind: 'proportional', rate: 0.01 },
      { kind: 'stepwise', rate: 0.01, range: 0.5, rate2: 0.001 },
      { kind: 'onestep', rate: 0.01 },
    ] as const) {
      const m = mutationMatrix(alleles, freqs, model);
      for (let i = 0; i < alleles.length; i++) {
        let s = 0;
        for (let j = 0; j < alleles.length; j++) {
          expect(at(m, i, j)).toBeGreaterThanOrEqual(0);
          s += at(m, i, j);
        }
        expect(s).toBeCloseTo(1, 14);
      }
    }
  });

  it('equal: rate / (n - 1) off the diagonal', () => {
    const m = mutationMatrix(alleles, freqs, { kind: 'equal', rate: 0.05 });
    expect(at(m, 0, 3)).toBeCloseTo(0.01, 15);
    expect(at(m, 2, 2)).toBeCloseTo(0.95, 15);
  });

  it('proportional: overall expected rate equals the rate, targets proportional to frequency', () => {
    const m = mutationMatrix(alleles, freqs, { kind: 'proportional', rate: 0.02 });
    expect(overallMutationRate(m, freqs)).toBeCloseTo(0.02, 14);
    expect(at(m, 0, 2) / at(m, 0, 1)).toBeCloseTo(0.3 / 0.25, 12);
  });

  it('stepwise: within a ladder weights fall by range per step, rate2 goes to the other ladder', () => {
    const m = mutationMatrix(alleles, freqs, { kind: 'stepwise', rate: 0.01, range: 0.5, rate2: 0.002 });
    // From 10: ladder neighbours 9 and 11 (1 step), 8 (2 steps).
    expect(at(m, 2, 1) / at(m, 2, 0)).toBeCloseTo(2, 12);
    expect(at(m, 2, 1)).toBeCloseTo(at(m, 2, 3), 15);
    expect(at(m, 2, 0) + at(m, 2, 1) + at(m, 2, 3)).toBeCloseTo(0.01, 15);
    // Microvariants 11.3 and 12.3 share a ladder; integer -> microvariant shares rate2.
    expect(at(m, 2, 4) + at(m, 2, 5)).toBeCloseTo(0.002, 15);
    expect(at(m, 4, 5)).toBeCloseTo(0.01, 15);
    // All-integer alleles: the overall rate is the rate.
    const ints = ['8', '9', '10', '11'];
    const p = [0.1, 0.3, 0.4, 0.2];
    expect(
      overallMutationRate(mutationMatrix(ints, p, { kind: 'stepwise', rate: 0.003, range: 0.1 }), p),
    ).toBeCloseTo(0.003, 14);
  });

  it('refuses stepwise models on non-numeric alleles and rates outside [0, 1]', () => {
    expect(() =>
      mutationMatrix(['A', 'B'], [0.5, 0.5], { kind: 'stepwise', rate: 0.01, range: 0.5 }),
    ).toThrow(/numeric/);
    expect(() => mutationMatrix(['1', '2'], [0.5, 0.5], { kind: 'equal', rate: 1.5 })).toThrow(/\[0, 1\]/);
  });
});
