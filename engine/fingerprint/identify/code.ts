/**
 * The candidate stage's code: which fine edge-shape cells a template's neighbour edges fall in, hashed
 * into a fixed-length bit vector.
 *
 * It is the matcher's binary-code idea (binary-code.ts: every neighbour edge, described by length,
 * reference angle and neighbour angle, sets the bit of its cell) with much finer cells, 8 px x 22.5 deg
 * x 22.5 deg instead of 15 px x 45 deg x 45 deg, folded into `codeBits` by a multiplicative hash. The
 * matcher's 1,024 coarse cells fill to ~20% on a 50-minutia template and most fingers share the cells
 * that common ridge flow makes likely: on 440 generator fingers the mate of a probe ranked as low as
 * 68th by code (p90 14th), far too weak for 10^5-10^6 galleries. The fine cells are rarely shared by
 * chance, and hashing them (rather than coarsening) spreads collisions at random instead of along the
 * ridge-flow structure. On the same 440 fingers the worst mate rank was 3rd with 4,096 bits (7th with
 * 2,048). On 20,000 synthetic minutiae sets, 4,096 bits put 38 of 40 mates in the code top 200 (2,048
 * bits: 33; p90 rank 109 against 433), so we pay 512 bytes per finger and 128 words per scanned code.
 * Widening the probe's cells to their neighbours (multi-probing) was tried and ruined the ranking: the
 * probe then covers so many bits that chance overlaps swamp the shared ones.
 */
import type { PreparedTemplate } from '../match/index.js';
import { identifyParameters as P } from './parameters.js';

const TWO_PI = 2 * Math.PI;

/** 32-bit words of an identification code. */
export const CODE_WORDS = P.codeBits / 32;

/** The template's identification code (P.codeBits bits as 32-bit words). */
export function identificationCode(t: PreparedTemplate): Uint32Array {
  const code = new Uint32Array(CODE_WORDS);
  const angleBins = P.codeAngleBins;
  const angleBin = TWO_PI / angleBins;
  for (let a = 0; a < t.count; a++) {
    for (let s = 0; s < t.edgeCount[a]; s++) {
      const slot = a * t.stride + s;
      const l = Math.floor(t.edgeLength[slot] / P.codeLengthBinPx);
      if (l >= P.codeLengthBins) continue;
      const r = Math.floor(t.edgeRefAngle[slot] / angleBin) % angleBins;
      const q = Math.floor(t.edgeNbrAngle[slot] / angleBin) % angleBins;
      const cell = (l * angleBins + r) * angleBins + q;
      // Fibonacci hashing of the cell index onto the code's bits.
      const bit = (Math.imul(cell + 1, 0x9e3779b1) >>> 0) % P.codeBits;
      code[bit >>> 5] |= 1 << (bit & 31);
    }
  }
  return code;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Shared set bits of the code at `base` in `codes` and the probe (both `words` long, a multiple of 4):
 * four words at a time, summing partial SWAR counts before the final multiply (Hacker's Delight 5-1).
 */
export function sharedBits(codes: Uint32Array, base: number, probe: Uint32Array, words: number): number {
  let both = 0;
  for (let k = 0; k < words; k += 4) {
    let x = codes[base + k] & probe[k];
    let y = codes[base + k + 1] & probe[k + 1];
    let z = codes[base + k + 2] & probe[k + 2];
    let w = codes[base + k + 3] & probe[k + 3];
    x -= (x >>> 1) & 0x55555555;
    y -= (y >>> 1) & 0x55555555;
    z -= (z >>> 1) & 0x55555555;
    w -= (w >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    y = (y & 0x33333333) + ((y >>> 2) & 0x33333333);
    z = (z & 0x33333333) + ((z >>> 2) & 0x33333333);
    w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
    // Nibbles hold at most 4 each; two summed fit a nibble, then bytes hold at most 16 each.
    let xy = x + y;
    let zw = z + w;
    xy = (xy & 0x0f0f0f0f) + ((xy >>> 4) & 0x0f0f0f0f);
    zw = (zw & 0x0f0f0f0f) + ((zw >>> 4) & 0x0f0f0f0f);
    both += Math.imul(xy + zw, 0x01010101) >>> 24;
  }
  return both;
}

/** Set bits of a code. */
export function codePopcount(words: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < words.length; i++) n += popcount32(words[i]);
  return n;
}

