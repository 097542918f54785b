import { expect } from 'vitest';

/** Asserts that a k-NN result has exactly the reference's ids, in order, and its scores to `digits` decimals. */
export function expectMatches(
  result: { distances: Float32Array; labels: BigInt64Array },
  reference: { ids: number[][]; scores: number[][] },
  k: number,
  digits: number,
) {
  reference.ids.forEach((row, q) => {
    expect(Array.from(result.labels.subarray(q * k, q * k + k), Number)).toEqual(row);
    row.forEach((_, j) => {
      expect(result.distances[q * k + j]).toBeCloseTo(reference.scores[q][j], digits);
    });
  });
}
