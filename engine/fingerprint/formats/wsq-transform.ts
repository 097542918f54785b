/**
 * The WSQ two-channel filter bank: odd-length symmetric (biorthogonal 9/7) filters with whole-sample
 * symmetric extension of the signal, lowpass samples at even positions and highpass samples at odd
 * positions (IAFIS-IC-0110, the symmetric-extension transform).
 *
 * Analysis of x (length N):  a[k] = sum_j h0[j] x[2k + j],      k < ceil(N/2)
 *                            d[k] = sum_j h1[j] x[2k + 1 + j],  k < floor(N/2)
 * Synthesis:                 x[n] = sum_k a[k] g0[n - 2k] + sum_k d[k] g1[n - 2k - 1]
 * with filters indexed from their centre. Extending x symmetrically about its first and last samples makes
 * the subbands symmetric too: a about a[0] (whole-sample), d about -1/2 (half-sample) on the left; on the right
 * a is half-sample and d whole-sample symmetric when N is even, and the other way round when N is odd.
 */
import type { WaveletNode } from './wsq-tree.js';

/** Reflects an index into [0, length) for whole-sample (`half` false) or half-sample symmetry. */
function reflect(index: number, length: number, leftHalf: boolean, rightHalf: boolean): number {
  if (length === 1) return 0;
  let k = index;
  for (;;) {
    if (k < 0) k = leftHalf ? -k - 1 : -k;
    else if (k >= length) k = rightHalf ? 2 * length - 1 - k : 2 * (length - 1) - k;
    else return k;
  }
}

export interface FilterBank {
  /** Analysis lowpass h0 and highpass h1, synthesis lowpass g0 and highpass g1, all odd-length and centred. */
  h0: Float64Array;
  h1: Float64Array;
  g0: Float64Array;
  g1: Float64Array;
}

/**
 * Builds the bank from the two analysis filters as a transform table stores them (centre tap first): the 9-tap
 * lowpass h0 and the 7-tap highpass h1. The synthesis filters are their modulations (alternating signs),
 * which makes the pair biorthogonal: g0[n] = (-1)^n h1[n], g1[n] = (-1)^n h0[n].
 */
export function filterBankFromTable(h0Half: readonly number[], h1Half: readonly number[]): FilterBank {
  const symmetric = (half: readonly number[], modulate: boolean): Float64Array => {
    const centre = half.length - 1;
    const out = new Float64Array(2 * half.length - 1);
    for (let i = 0; i < half.length; i++) {
      const value = modulate && i % 2 === 1 ? -half[i] : half[i];
      out[centre + i] = value;
      out[centre - i] = value;
    }
    return out;
  };
  return {
    h0: symmetric(h0Half, false),
    h1: symmetric(h1Half, false),
    g0: symmetric(h1Half, true),
    g1: symmetric(h0Half, true),
  };
}

/** The standard WSQ analysis filters (IAFIS-IC-0110, the 9/7 biorthogonal pair), centre tap first. */
export const WSQ_H0_HALF = [0.852698679009, 0.377402855613, -0.110624404418, -0.02384946502, 0.037828455507];
export const WSQ_H1_HALF = [0.788485616406, -0.418092273222, -0.040689417609, 0.064538882629];

/**
 * The filter taps of one 1-D pass over `count` samples laid out as [low band | high band] (or the reverse when
 * `invert`): for output n, `coefficients[n]` weigh the input positions `sources[n]`. Symmetric extension is
 * resolved here once, so the passes themselves are plain multiply-adds.
 */
interface Taps {
  sources: Int32Array[];
  coefficients: Float64Array[];
}

function bandPositions(
  count: number,
  invert: boolean,
): { lowStart: number; highStart: number; lowLength: number; highLength: number } {
  const lowLength = Math.ceil(count / 2);
  const highLength = count - lowLength;
  return { lowStart: invert ? highLength : 0, highStart: invert ? 0 : lowLength, lowLength, highLength };
}

function collect(entries: Map<number, number>): { sources: Int32Array; coefficients: Float64Array } {
  const sources = new Int32Array(entries.size);
  const coefficients = new Float64Array(entries.size);
  let i = 0;
  for (const [source, coefficient] of entries) {
    sources[i] = source;
    coefficients[i++] = coefficient;
  }
  return { sources, coefficients };
}

/** Synthesis: x[n] = sum_k a[k] g0[n - 2k] + sum_k d[k] g1[n - 2k - 1], bands extended symmetrically. */
function synthesisTaps(count: number, invert: boolean, bank: FilterBank): Taps {
  const { g0, g1 } = bank;
  const { lowStart, highStart, lowLength, highLength } = bandPositions(count, invert);
  const c0 = (g0.length - 1) >> 1;
  const c1 = (g1.length - 1) >> 1;
  const even = count % 2 === 0;
  const taps: Taps = { sources: [], coefficients: [] };
  for (let n = 0; n < count; n++) {
    const entries = new Map<number, number>();
    for (let k = Math.ceil((n - c0) / 2); k <= (n + c0) >> 1; k++) {
      const source = lowStart + reflect(k, lowLength, false, even);
      entries.set(source, (entries.get(source) ?? 0) + g0[n - 2 * k + c0]);
    }
    if (highLength > 0) {
      for (let k = Math.ceil((n - 1 - c1) / 2); k <= (n - 1 + c1) >> 1; k++) {
        const source = highStart + reflect(k, highLength, true, !even);
        entries.set(source, (entries.get(source) ?? 0) + g1[n - 2 * k - 1 + c1]);
      }
    }
    const { sources, coefficients } = collect(entries);
    taps.sources.push(sources);
    taps.coefficients.push(coefficients);
  }
  return taps;
}

/** Analysis: a[k] = sum_j h0[j] x[2k + j] into the low band, d[k] = sum_j h1[j] x[2k + 1 + j] into the high band. */
function analysisTaps(count: number, invert: boolean, bank: FilterBank): Taps {
  const { h0, h1 } = bank;
  const { lowStart, highStart, lowLength, highLength } = bandPositions(count, invert);
  const c0 = (h0.length - 1) >> 1;
  const c1 = (h1.length - 1) >> 1;
  const taps: Taps = { sources: new Array(count), coefficients: new Array(count) };
  const add = (output: number, centre: number, filter: Float64Array, c: number) => {
    const entries = new Map<number, number>();
    for (let j = -c; j <= c; j++) {
      const source = reflect(centre + j, count, false, false);
      entries.set(source, (entries.get(source) ?? 0) + filter[j + c]);
    }
    const { sources, coefficients } = collect(entries);
    taps.sources[output] = sources;
    taps.coefficients[output] = coefficients;
  };
  for (let k = 0; k < lowLength; k++) add(lowStart + k, 2 * k, h0, c0);
  for (let k = 0; k < highLength; k++) add(highStart + k, 2 * k + 1, h1, c1);
  return taps;
}

/**
 * Applies 1-D taps along x (every row of the rectangle) and then along y (every column), in place. The
 * column pass runs row by row over whole rows so that memory is read sequentially.
 */
function applyPasses(
  data: Float32Array,
  stride: number,
  rect: { x: number; y: number; width: number; height: number },
  order: Array<['x' | 'y', Taps | undefined]>,
): void {
  const { x, y, width, height } = rect;
  const line = new Float64Array(width);
  const block = new Float64Array(width * height);
  for (const [axis, taps] of order) {
    if (!taps) continue;
    if (axis === 'x') {
      for (let row = 0; row < height; row++) {
        const base = (y + row) * stride + x;
        for (let n = 0; n < width; n++) line[n] = data[base + n];
        for (let n = 0; n < width; n++) {
          const sources = taps.sources[n];
          const coefficients = taps.coefficients[n];
          let sum = 0;
          for (let t = 0; t < sources.length; t++) sum += coefficients[t] * line[sources[t]];
          data[base + n] = sum;
        }
      }
    } else {
      block.fill(0);
      for (let n = 0; n < height; n++) {
        const sources = taps.sources[n];
        const coefficients = taps.coefficients[n];
        const out = n * width;
        for (let t = 0; t < sources.length; t++) {
          const c = coefficients[t];
          const src = (y + sources[t]) * stride + x;
          for (let col = 0; col < width; col++) block[out + col] += c * data[src + col];
        }
      }
      for (let row = 0; row < height; row++) {
        const base = (y + row) * stride + x;
        for (let col = 0; col < width; col++) data[base + col] = block[row * width + col];
      }
    }
  }
}

/**
 * Undoes one decomposition node in place on a `stride`-wide raster: columns first (the encoder split rows
 * first), then rows. Band order within the node follows its inversion flags.
 */
export function synthesiseNode(
  data: Float32Array,
  stride: number,
  node: WaveletNode,
  bank: FilterBank,
): void {
  applyPasses(data, stride, node, [
    ['y', node.height >= 2 ? synthesisTaps(node.height, node.invertY, bank) : undefined],
    ['x', node.width >= 2 ? synthesisTaps(node.width, node.invertX, bank) : undefined],
  ]);
}

/** Applies one decomposition node in place: rows first, then columns (the inverse of `synthesiseNode`). */
export function analyseNode(data: Float32Array, stride: number, node: WaveletNode, bank: FilterBank): void {
  applyPasses(data, stride, node, [
    ['x', node.width >= 2 ? analysisTaps(node.width, node.invertX, bank) : undefined],
    ['y', node.height >= 2 ? analysisTaps(node.height, node.invertY, bank) : undefined],
  ]);
}
