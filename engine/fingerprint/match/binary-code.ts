/**
 * Fixed-length binary code of a template for the 1:N candidate stage (a FAISS binary index or LSH over
 * Hamming distance holds it; the full matcher then re-ranks the shortlist).
 *
 * Each neighbour edge of the prepared template (length, reference angle, neighbour angle: the same
 * rotation- and translation-invariant shape the matcher pairs on) sets the bit of its cell in a
 * lengthBins x angleBins x angleBins grid. Two impressions of one finger share most local edge shapes,
 * so their codes share set bits wherever they overlap, with no alignment needed; codes of different
 * fingers share only the bits that common ridge flow makes likely. Similarity is measured by
 * `codeSimilarity` (shared set bits over the geometric mean of set bits: a cosine on bit vectors,
 * which is a monotone function of Hamming distance once the bit counts are known).
 */
import { IdmError } from '../../errors.js';
import type { PreparedTemplate } from './prepare.js';

const TWO_PI = 2 * Math.PI;

export interface BinaryCodeOptions {
  /** Edge-length bins (cells are lengthBinPx wide). */
  lengthBins?: number;
  lengthBinPx?: number;
  /** Bins of each relative angle. */
  angleBins?: number;
}

const DEFAULTS = { lengthBins: 16, lengthBinPx: 15, angleBins: 8 } as const;

/** Bits of a code with these options (a multiple of 8, as FAISS binary indexes require). */
export function binaryCodeBits(options: BinaryCodeOptions = {}): number {
  const { lengthBins, angleBins } = { ...DEFAULTS, ...options };
  return lengthBins * angleBins * angleBins;
}

/** The template's binary code: binaryCodeBits()/8 bytes, bit i of byte k is cell 8k + i. */
export function templateBinaryCode(t: PreparedTemplate, options: BinaryCodeOptions = {}): Uint8Array {
  const { lengthBins, lengthBinPx, angleBins } = { ...DEFAULTS, ...options };
  const bits = lengthBins * angleBins * angleBins;
  if (bits % 8 !== 0)
    throw new IdmError('IDM_VALIDATION', `binary code of ${bits} bits is not a whole number of bytes`);
  const code = new Uint8Array(bits / 8);
  const angleBin = TWO_PI / angleBins;
  for (let a = 0; a < t.count; a++) {
    for (let s = 0; s < t.edgeCount[a]; s++) {
      const slot = a * t.stride + s;
      const l = Math.floor(t.edgeLength[slot] / lengthBinPx);
      if (l >= lengthBins) continue;
      const r = Math.floor(t.edgeRefAngle[slot] / angleBin) % angleBins;
      const q = Math.floor(t.edgeNbrAngle[slot] / angleBin) % angleBins;
      const cell = (l * angleBins + r) * angleBins + q;
      code[cell >> 3] |= 1 << (cell & 7);
    }
  }
  return code;
}

function popcount8(x: number): number {
  x -= (x >> 1) & 0x55;
  x = (x & 0x33) + ((x >> 2) & 0x33);
  return (x + (x >> 4)) & 0x0f;
}

/** Hamming distance of two codes of equal length. */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length)
    throw new IdmError('IDM_VALIDATION', `codes differ in length (${a.length} and ${b.length} bytes)`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += popcount8(a[i] ^ b[i]);
  return d;
}

/** Shared set bits over the geometric mean of set bits (0..1); 0 when either code is empty. */
export function codeSimilarity(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length)
    throw new IdmError('IDM_VALIDATION', `codes differ in length (${a.length} and ${b.length} bytes)`);
  let both = 0;
  let ca = 0;
  let cb = 0;
  for (let i = 0; i < a.length; i++) {
    both += popcount8(a[i] & b[i]);
    ca += popcount8(a[i]);
    cb += popcount8(b[i]);
  }
  return ca > 0 && cb > 0 ? both / Math.sqrt(ca * cb) : 0;
}
