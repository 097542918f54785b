/**
 * WSQ encoding (FBI IAFIS-IC-0110): shift and scale the image, the 20-node wavelet packet analysis, scalar
 * quantisation of subbands 0-59 with widths from the subband variances, and Huffman coding in three blocks.
 *
 * Bit allocation follows the specification's form: subbands with variance below 1.01 are dropped; the relative
 * bin width is 1 for subbands 0-3 and 10 / (A_k ln var_k) above, with A_k = 1.32, 1.08, 1.42, 1.08, 1.32, 1.42
 * for subbands 52-57 and 1 otherwise; zero bins are 1.2 bin widths. The global factor is found by bisection so
 * that the entropy estimate of the quantised coefficients meets the requested bit rate (bits per pixel).
 */
import { IdmError } from '../../errors.js';
import type { GrayImage } from '../types.js';
import { ByteWriter } from './bytes.js';
import { buildWsqTree, CODED_SUBBANDS, type Rect } from './wsq-tree.js';
import { analyseNode, filterBankFromTable, WSQ_H0_HALF, WSQ_H1_HALF } from './wsq-transform.js';

/** 0.75 bits per pixel is the FBI's 15:1 operating point for 500 ppi fingerprints. */
export const DEFAULT_WSQ_BITRATE = 0.75;
const BIN_CENTRE = 0.44;
const ZERO_BIN_RATIO = 1.2;
const MIN_VARIANCE = 1.01;
/** Subband groups coded with their own block (and, for the first, their own Huffman table). */
const BLOCKS: Array<[first: number, last: number, table: number]> = [
  [0, 18, 0],
  [19, 51, 1],
  [52, 59, 1],
];

function weight(subband: number): number {
  return (
    ({ 52: 1.32, 53: 1.08, 54: 1.42, 55: 1.08, 56: 1.32, 57: 1.42 } as Record<number, number>)[subband] ?? 1
  );
}

function quantise(value: number, q: number, halfZero: number): number {
  if (value > halfZero) return Math.floor((value - halfZero) / q) + 1;
  if (value < -halfZero) return Math.ceil((value + halfZero) / q) - 1;
  return 0;
}

function subbandValues(data: Float32Array, stride: number, rect: Rect): Float64Array {
  const out = new Float64Array(rect.width * rect.height);
  let i = 0;
  for (let row = 0; row < rect.height; row++) {
    const base = (rect.y + row) * stride + rect.x;
    for (let col = 0; col < rect.width; col++) out[i++] = data[base + col];
  }
  return out;
}

function variance(values: Float64Array): number {
  if (values.length < 2) return 0;
  let sum = 0;
  let sumSq = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  return (sumSq - (sum * sum) / values.length) / (values.length - 1);
}

const HISTOGRAM_RANGE = 2048;
const valueHistogram = new Int32Array(2 * HISTOGRAM_RANGE + 1);
const runHistogram = new Int32Array(101);

/** Zeroth-order entropy (bits) of the quantised subband, each zero run (up to 100) counted as one symbol. */
function estimateBits(values: Float64Array, q: number, halfZero: number): number {
  valueHistogram.fill(0);
  runHistogram.fill(0);
  const rare = new Map<number, number>();
  let symbols = 0;
  let run = 0;
  const endRun = () => {
    while (run > 0) {
      const n = Math.min(run, 100);
      runHistogram[n]++;
      symbols++;
      run -= n;
    }
  };
  for (const v of values) {
    const p = quantise(v, q, halfZero);
    if (p === 0) {
      run++;
      continue;
    }
    endRun();
    if (p >= -HISTOGRAM_RANGE && p <= HISTOGRAM_RANGE) valueHistogram[p + HISTOGRAM_RANGE]++;
    else rare.set(p, (rare.get(p) ?? 0) + 1);
    symbols++;
  }
  endRun();
  let bits = 0;
  const add = (n: number) => {
    if (n > 0) bits -= n * Math.log2(n / symbols);
  };
  for (const n of valueHistogram) add(n);
  for (const n of runHistogram) add(n);
  for (const n of rare.values()) add(n + 16); // escaped values carry 8-16 extra bits
  return bits;
}

// --- Huffman coding

/** Symbols of IAFIS-IC-0110's coefficient coding (see the decoder). */
function symbolise(indices: Int32Array): {
  symbols: number[];
  extra: Array<[bits: number, value: number] | undefined>;
} {
  const symbols: number[] = [];
  const extra: Array<[number, number] | undefined> = [];
  let run = 0;
  const flushRun = () => {
    while (run > 0) {
      const n = Math.min(run, 0xffff);
      if (n <= 100) {
        symbols.push(n);
        extra.push(undefined);
      } else if (n <= 0xff) {
        symbols.push(105);
        extra.push([8, n]);
      } else {
        symbols.push(106);
        extra.push([16, n]);
      }
      run -= n;
    }
  };
  for (const p of indices) {
    if (p === 0) {
      run++;
      continue;
    }
    flushRun();
    if (p >= -73 && p <= 74) {
      symbols.push(p + 180);
      extra.push(undefined);
    } else {
      const magnitude = Math.min(Math.abs(p), 0xffff);
      if (magnitude <= 0xff) {
        symbols.push(p > 0 ? 101 : 102);
        extra.push([8, magnitude]);
      } else {
        symbols.push(p > 0 ? 103 : 104);
        extra.push([16, magnitude]);
      }
    }
  }
  flushRun();
  return { symbols, extra };
}

/**
 * Code lengths for the symbol frequencies, limited to 16 bits (ITU T.81 Annex K.2: Huffman's procedure,
 * then moving over-long codes up the tree). A reserved extra symbol keeps the all-ones code unused.
 */
function codeLengths(frequencies: Float64Array): Uint8Array {
  const size = frequencies.length + 1;
  const freq = new Float64Array(size);
  freq.set(frequencies);
  freq[size - 1] = 1; // reserved
  const codesize = new Int32Array(size);
  const others = new Int32Array(size).fill(-1);
  for (;;) {
    let v1 = -1;
    let v2 = -1;
    for (let i = 0; i < size; i++) {
      if (freq[i] <= 0) continue;
      if (v1 < 0 || freq[i] <= freq[v1]) {
        v2 = v1;
        v1 = i;
      } else if (v2 < 0 || freq[i] <= freq[v2]) {
        v2 = i;
      }
    }
    if (v2 < 0) break;
    freq[v1] += freq[v2];
    freq[v2] = 0;
    codesize[v1]++;
    let i = v1;
    while (others[i] >= 0) {
      i = others[i];
      codesize[i]++;
    }
    others[i] = v2;
    codesize[v2]++;
    i = v2;
    while (others[i] >= 0) {
      i = others[i];
      codesize[i]++;
    }
  }
  const bits = new Int32Array(64);
  for (let i = 0; i < size; i++) if (codesize[i] > 0) bits[codesize[i]]++;
  for (let i = 63; i > 16; i--) {
    while (bits[i] > 0) {
      let j = i - 2;
      while (bits[j] === 0) j--;
      bits[i] -= 2;
      bits[i - 1]++;
      bits[j + 1] += 2;
      bits[j]--;
    }
  }
  // Drop the reserved symbol from the longest length.
  let longest = 16;
  while (longest > 0 && bits[longest] === 0) longest--;
  bits[longest]--;
  // Reassign lengths by frequency order (shortest codes to the most frequent symbols).
  const order = Array.from(frequencies.keys())
    .filter((s) => frequencies[s] > 0)
    .sort((a, b) => frequencies[b] - frequencies[a] || a - b);
  const lengths = new Uint8Array(frequencies.length);
  let at = 0;
  for (let length = 1; length <= 16; length++) {
    for (let n = 0; n < bits[length]; n++) lengths[order[at++]] = length;
  }
  return lengths;
}

interface Code {
  counts: Uint8Array;
  values: Uint8Array;
  code: Int32Array;
  length: Uint8Array;
}

function canonicalCode(frequencies: Float64Array): Code {
  const lengths = codeLengths(frequencies);
  const counts = new Uint8Array(16);
  const values: number[] = [];
  for (let length = 1; length <= 16; length++) {
    for (let s = 0; s < lengths.length; s++) {
      if (lengths[s] === length) {
        counts[length - 1]++;
        values.push(s);
      }
    }
  }
  const code = new Int32Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let index = 0;
  for (let l = 1; l <= 16; l++) {
    for (let n = 0; n < counts[l - 1]; n++) {
      code[values[index]] = next++;
      length[values[index]] = l;
      index++;
    }
    next <<= 1;
  }
  return { counts, values: Uint8Array.from(values), code, length };
}

class BitWriter {
  private current = 0;
  private filled = 0;

  constructor(private readonly out: ByteWriter) {}

  write(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.current = (this.current << 1) | ((value >> i) & 1);
      if (++this.filled === 8) this.flushByte();
    }
  }

  private flushByte(): void {
    this.out.u8(this.current);
    if (this.current === 0xff) this.out.u8(0x00); // byte stuffing
    this.current = 0;
    this.filled = 0;
  }

  /** Pads the last byte with 1 bits. */
  finish(): void {
    if (this.filled > 0) this.write(0xff, 8 - this.filled);
  }
}

// --- table serialisation

/** A non-negative number as (scale, integer) with integer < limit, as precise as the field allows. */
function toScaled(value: number, limit: number): [number, number] {
  let scale = 0;
  while (scale < 12 && Math.round(Math.abs(value) * 10 ** (scale + 1)) < limit) scale++;
  return [scale, Math.round(Math.abs(value) * 10 ** scale)];
}

function segmentHeader(out: ByteWriter, marker: number, body: ByteWriter): void {
  out
    .u16(marker)
    .u16(body.length + 2)
    .bytes(body.toBytes());
}

export function encodeWsqImage(image: GrayImage, bitrate: number = DEFAULT_WSQ_BITRATE): Uint8Array {
  const { width, height, pixels } = image;
  if (!(width >= 1 && height >= 1 && width <= 0xffff && height <= 0xffff)) {
    throw new IdmError('IDM_BAD_IMAGE', `WSQ cannot hold a ${width}x${height} image (1-65535 per side)`);
  }
  if (pixels.length !== width * height) {
    throw new IdmError('IDM_BAD_IMAGE', `raster holds ${pixels.length} bytes for ${width}x${height}`);
  }
  if (!(bitrate > 0 && bitrate <= 8))
    throw new IdmError('IDM_VALIDATION', `WSQ bit rate ${bitrate} is outside (0, 8]`);

  // Shift to zero mean and scale to about [-128, 128] (the frame's M and R).
  let sum = 0;
  let min = 255;
  let max = 0;
  for (const p of pixels) {
    sum += p;
    if (p < min) min = p;
    if (p > max) max = p;
  }
  const [shiftScale, shiftValue] = toScaled(sum / pixels.length, 0x10000);
  const mShift = shiftValue / 10 ** shiftScale;
  const [rScaleScale, rScaleValue] = toScaled(Math.max(max - mShift, mShift - min, 1) / 128, 0x10000);
  const rScale = rScaleValue / 10 ** rScaleScale;
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (pixels[i] - mShift) / rScale;

  const bank = filterBankFromTable(WSQ_H0_HALF, WSQ_H1_HALF);
  const tree = buildWsqTree(width, height);
  for (const node of tree.nodes) analyseNode(data, width, node, bank);

  // Bit allocation.
  const values: Float64Array[] = [];
  const relative = new Float64Array(CODED_SUBBANDS);
  for (let k = 0; k < CODED_SUBBANDS; k++) {
    values.push(subbandValues(data, width, tree.subbands[k]));
    const v = variance(values[k]);
    relative[k] = v < MIN_VARIANCE || values[k].length === 0 ? 0 : k < 4 ? 1 : 10 / (weight(k) * Math.log(v));
  }
  const targetBits = bitrate * width * height;
  const bitsFor = (factor: number) => {
    let bits = 0;
    for (let k = 0; k < CODED_SUBBANDS; k++) {
      if (relative[k] === 0) continue;
      const q = relative[k] / factor;
      bits += estimateBits(values[k], q, (ZERO_BIN_RATIO * q) / 2);
    }
    return bits;
  };
  // Bits grow with the factor; bisect its logarithm, keeping every index within the 16-bit escape.
  let largestFactor = 1e4;
  for (let k = 0; k < CODED_SUBBANDS; k++) {
    if (relative[k] === 0) continue;
    let peak = 0;
    for (const v of values[k]) peak = Math.max(peak, Math.abs(v));
    if (peak > 0) largestFactor = Math.min(largestFactor, (relative[k] * 60_000) / peak);
  }
  let lo = Math.log(Math.min(1e-4, largestFactor));
  let hi = Math.log(largestFactor);
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    // The zeroth-order estimate ignores Huffman and table overhead; aim 25% lower.
    if (bitsFor(Math.exp(mid)) > 0.75 * targetBits) hi = mid;
    else lo = mid;
  }
  const factor = Math.exp(lo);
  const qTable = new Float64Array(64);
  const zTable = new Float64Array(64);
  const qFields: Array<[number, number]> = [];
  const zFields: Array<[number, number]> = [];
  for (let k = 0; k < 64; k++) {
    const q = k < CODED_SUBBANDS && relative[k] > 0 ? relative[k] / factor : 0;
    const qf = toScaled(q, 0x10000);
    const zf = toScaled(ZERO_BIN_RATIO * q, 0x10000);
    qFields.push(qf);
    zFields.push(zf);
    // Quantise with the values the decoder will read back, not the unrounded ones.
    qTable[k] = qf[1] / 10 ** qf[0];
    zTable[k] = zf[1] / 10 ** zf[0];
  }

  // Quantise and symbolise each block.
  const blockSymbols = BLOCKS.map(([first, last]) => {
    let count = 0;
    for (let k = first; k <= last; k++) if (qTable[k] > 0) count += values[k].length;
    const indices = new Int32Array(count);
    let i = 0;
    for (let k = first; k <= last; k++) {
      if (qTable[k] === 0) continue;
      for (const v of values[k]) indices[i++] = quantise(v, qTable[k], zTable[k] / 2);
    }
    return symbolise(indices);
  });
  const codes = [0, 1].map((table) => {
    const frequencies = new Float64Array(256);
    BLOCKS.forEach(([, , t], b) => {
      if (t === table) for (const s of blockSymbols[b].symbols) frequencies[s]++;
    });
    if (frequencies.every((f) => f === 0)) frequencies[1] = 1; // an empty table is not allowed
    return canonicalCode(frequencies);
  });

  const out = new ByteWriter();
  out.u16(0xffa0);
  const comment = new ByteWriter().ascii(
    `NIST_COM 9\nPIX_WIDTH ${width}\nPIX_HEIGHT ${height}\nPIX_DEPTH 8\nPPI ${Math.round(image.ppi)}\nLOSSY 1\nCOLORSPACE GRAY\nCOMPRESSION WSQ\nWSQ_BITRATE ${bitrate.toFixed(6)}`,
  );
  segmentHeader(out, 0xffa8, comment);

  const dtt = new ByteWriter().u8(WSQ_H0_HALF.length * 2 - 1).u8(WSQ_H1_HALF.length * 2 - 1);
  for (const c of [...WSQ_H0_HALF, ...WSQ_H1_HALF]) {
    const [scale, value] = toScaled(c, 0x100000000);
    dtt
      .u8(c < 0 ? 1 : 0)
      .u8(scale)
      .u32(value);
  }
  segmentHeader(out, 0xffa4, dtt);

  const dqt = new ByteWriter();
  const [centreScale, centreValue] = toScaled(BIN_CENTRE, 0x10000);
  dqt.u8(centreScale).u16(centreValue);
  for (let k = 0; k < 64; k++) dqt.u8(qFields[k][0]).u16(qFields[k][1]).u8(zFields[k][0]).u16(zFields[k][1]);
  segmentHeader(out, 0xffa5, dqt);

  const sof = new ByteWriter().u8(0).u8(255).u16(height).u16(width);
  sof.u8(shiftScale).u16(shiftValue).u8(rScaleScale).u16(rScaleValue).u8(2).u16(0);
  segmentHeader(out, 0xffa2, sof);

  const dht = new ByteWriter();
  codes.forEach((code, id) => {
    dht.u8(id).bytes(code.counts).bytes(code.values);
  });
  segmentHeader(out, 0xffa6, dht);

  BLOCKS.forEach(([, , table], b) => {
    segmentHeader(out, 0xffa3, new ByteWriter().u8(table));
    const bits = new BitWriter(out);
    const { symbols, extra } = blockSymbols[b];
    const code = codes[table];
    for (let i = 0; i < symbols.length; i++) {
      bits.write(code.code[symbols[i]], code.length[symbols[i]]);
      const e = extra[i];
      if (e) bits.write(e[1], e[0]);
    }
    bits.finish();
  });
  out.u16(0xffa1);
  return out.toBytes();
}
