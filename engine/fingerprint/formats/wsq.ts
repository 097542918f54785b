/**
 * WSQ (Wavelet Scalar Quantization) grey-scale fingerprint image decoding, after the FBI specification
 * IAFIS-IC-0110 (v3): markers and tables, Huffman-coded quantised wavelet coefficients in up to eight blocks,
 * dequantisation, inverse wavelet packet transform, and conversion to 8 bits with the frame's shift and scale.
 *
 * Stream layout: SOI, then tables (DTT transform, DQT quantisation, DHT Huffman, COM comments) in any order,
 * SOF (frame header), then for each block optional tables, SOB and the entropy-coded segment; finally EOI.
 * Entropy-coded data stuffs a 0x00 after every 0xFF byte, as in JPEG.
 */
import { IdmError, type ProblemCode } from '../../errors.js';
import type { GrayImage } from '../types.js';
import { ByteReader } from './bytes.js';
import { encodeWsqImage } from './wsq-encoder.js';
import { buildWsqTree, CODED_SUBBANDS, type Rect } from './wsq-tree.js';
import { type FilterBank, filterBankFromTable, synthesiseNode } from './wsq-transform.js';

export const WSQ_MARKERS = {
  SOI: 0xffa0,
  EOI: 0xffa1,
  SOF: 0xffa2,
  SOB: 0xffa3,
  DTT: 0xffa4,
  DQT: 0xffa5,
  DHT: 0xffa6,
  DRT: 0xffa7,
  COM: 0xffa8,
} as const;

/** Largest image the decoder allocates for unless told otherwise (matches image.ts's default limit). */
const DEFAULT_MAX_PIXELS = 40_000_000;
const MAX_HUFFMAN_TABLES = 8;
const MAX_CODE_LENGTH = 16;

export interface WsqFrame {
  width: number;
  height: number;
  black: number;
  white: number;
  /** Pixel = coefficient * rScale + mShift (the encoder subtracted the mean and divided by the scale). */
  mShift: number;
  rScale: number;
  encoder: number;
  software: number;
}

export interface WsqHeader extends WsqFrame {
  /** From the NISTCOM comment's PPI field, when present and positive. */
  ppi?: number;
  /** Every NISTCOM key/value pair found in COM segments. */
  nistcom: Record<string, string>;
  comments: string[];
}

export interface QuantisationTable {
  binCentre: number;
  /** Quantiser bin width Q and zero-bin width Z per subband (0 = subband not coded). */
  q: Float64Array;
  z: Float64Array;
}

interface HuffmanTable {
  /** For each code length 1..16: smallest and largest code, and index of the first value of that length. */
  minCode: Int32Array;
  maxCode: Int32Array;
  valuePointer: Int32Array;
  values: Uint8Array;
}

export function isWsq(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0xff &&
    bytes[1] === 0xa0 &&
    bytes[2] === 0xff &&
    bytes[3] >= 0xa2 &&
    bytes[3] <= 0xa8
  );
}

function fail(message: string, code: ProblemCode = 'IDM_WSQ_FORMAT'): never {
  throw new IdmError(code, `WSQ: ${message}`);
}

/** Decimal-scaled fields: value / 10^scale (the spec's "scale, value" pairs). */
function scaled(value: number, scale: number): number {
  let out = value;
  for (let i = 0; i < scale; i++) out /= 10;
  return out;
}

function readMarker(reader: ByteReader): number {
  const marker = reader.u16('marker');
  if ((marker & 0xff00) !== 0xff00)
    fail(`expected a marker at byte ${reader.offset - 2}, found 0x${marker.toString(16)}`);
  return marker;
}

/** A segment's length field counts itself; returns a reader over the segment's body. */
function segment(reader: ByteReader, name: string): ByteReader {
  const length = reader.u16(`${name} length`);
  if (length < 2) fail(`${name} segment length ${length} is impossible`);
  reader.need(length - 2, `${name} segment`);
  const body = new ByteReader(
    reader.bytes,
    'IDM_WSQ_FORMAT',
    `WSQ ${name}`,
    reader.offset,
    reader.offset + length - 2,
  );
  reader.offset += length - 2;
  return body;
}

function readTransformTable(body: ByteReader): FilterBank {
  const lowLength = body.u8('lowpass filter length');
  const highLength = body.u8('highpass filter length');
  if (lowLength % 2 !== 1 || highLength % 2 !== 1 || lowLength > 31 || highLength > 31) {
    fail(`unsupported filter lengths ${lowLength}/${highLength} (odd lengths up to 31 are supported)`);
  }
  const readHalf = (count: number): number[] => {
    const half: number[] = [];
    for (let i = 0; i < count; i++) {
      const sign = body.u8('filter coefficient sign');
      const scale = body.u8('filter coefficient scale');
      const value = scaled(body.u32('filter coefficient'), scale);
      half.push(sign ? -value : value);
    }
    return half;
  };
  const h0 = readHalf((lowLength + 1) / 2);
  const h1 = readHalf((highLength + 1) / 2);
  return filterBankFromTable(h0, h1);
}

function readQuantisationTable(body: ByteReader): QuantisationTable {
  const centreScale = body.u8('bin centre scale');
  const binCentre = scaled(body.u16('bin centre'), centreScale);
  const q = new Float64Array(64);
  const z = new Float64Array(64);
  for (let i = 0; i < 64; i++) {
    const qScale = body.u8('bin width scale');
    q[i] = scaled(body.u16('bin width'), qScale);
    const zScale = body.u8('zero bin scale');
    z[i] = scaled(body.u16('zero bin width'), zScale);
  }
  return { binCentre, q, z };
}

/** Builds canonical Huffman codes from the 16 code-length counts (as in JPEG, ITU T.81 Annex C). */
function buildHuffmanTable(counts: Uint8Array, values: Uint8Array, id: number): HuffmanTable {
  const minCode = new Int32Array(MAX_CODE_LENGTH + 1);
  const maxCode = new Int32Array(MAX_CODE_LENGTH + 1).fill(-1);
  const valuePointer = new Int32Array(MAX_CODE_LENGTH + 1);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= MAX_CODE_LENGTH; length++) {
    const n = counts[length - 1];
    if (n > 0) {
      valuePointer[length] = index;
      minCode[length] = code;
      code += n;
      maxCode[length] = code - 1;
      index += n;
      // A complete prefix code never needs more codes of a length than that length can hold.
      if (code > 1 << length)
        fail(`Huffman table ${id} defines more codes of length ${length} than exist`, 'IDM_WSQ_HUFFMAN');
    }
    code <<= 1;
  }
  return { minCode, maxCode, valuePointer, values };
}

function readHuffmanTables(body: ByteReader, tables: Array<HuffmanTable | undefined>): void {
  do {
    const id = body.u8('Huffman table id');
    if (id >= MAX_HUFFMAN_TABLES) fail(`Huffman table id ${id} out of range (0-7)`, 'IDM_WSQ_HUFFMAN');
    const counts = body.take(MAX_CODE_LENGTH, 'Huffman code length counts');
    let total = 0;
    for (const n of counts) total += n;
    if (total === 0) fail(`Huffman table ${id} has no codes`, 'IDM_WSQ_HUFFMAN');
    if (total > 256) fail(`Huffman table ${id} declares ${total} values (at most 256)`, 'IDM_WSQ_HUFFMAN');
    const values = body.take(total, 'Huffman values').slice();
    tables[id] = buildHuffmanTable(counts, values, id);
  } while (body.remaining > 0);
}

function readFrame(body: ByteReader): WsqFrame {
  const black = body.u8('black');
  const white = body.u8('white');
  const height = body.u16('height');
  const width = body.u16('width');
  const mShiftScale = body.u8('mean shift scale');
  const mShift = scaled(body.u16('mean shift'), mShiftScale);
  const rScaleScale = body.u8('rescale scale');
  const rScale = scaled(body.u16('rescale'), rScaleScale);
  const encoder = body.u8('encoder');
  const software = body.u16('software');
  if (width === 0 || height === 0) fail(`frame has zero dimension ${width}x${height}`);
  if (!(rScale > 0)) fail(`frame rescale factor ${rScale} is not positive`);
  return { width, height, black, white, mShift, rScale, encoder, software };
}

/** NISTCOM comments are "KEY value" lines starting with NIST_COM. */
function parseNistcom(text: string, into: Record<string, string>): void {
  if (!text.startsWith('NIST_COM')) return;
  for (const line of text.split(/\r?\n/)) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (match) into[match[1]] = match[2].trim();
  }
}

function readComment(
  body: ByteReader,
  header: { nistcom: Record<string, string>; comments: string[] },
): void {
  const text = new TextDecoder('latin1').decode(body.take(body.remaining, 'comment'));
  header.comments.push(text);
  parseNistcom(text, header.nistcom);
}

function ppiFromNistcom(nistcom: Record<string, string>): number | undefined {
  const ppi = Number(nistcom.PPI);
  return Number.isFinite(ppi) && ppi > 0 ? ppi : undefined;
}

/** Reads the stream up to and including the frame header, without decoding any coefficient. */
export function readWsqHeader(bytes: Uint8Array): WsqHeader {
  const reader = new ByteReader(bytes, 'IDM_WSQ_FORMAT', 'WSQ');
  if (readMarker(reader) !== WSQ_MARKERS.SOI) fail('missing SOI marker (0xFFA0)');
  const info = { nistcom: {} as Record<string, string>, comments: [] as string[] };
  for (;;) {
    const marker = readMarker(reader);
    if (marker === WSQ_MARKERS.SOF) {
      const frame = readFrame(segment(reader, 'SOF'));
      return { ...frame, ...info, ppi: ppiFromNistcom(info.nistcom) };
    }
    const body = segment(reader, `0x${marker.toString(16)}`);
    if (marker === WSQ_MARKERS.COM) readComment(body, info);
    else if (marker < WSQ_MARKERS.DTT || marker > WSQ_MARKERS.COM) {
      fail(`unexpected marker 0x${marker.toString(16)} before the frame header`);
    }
  }
}

/**
 * Bit reader over an entropy-coded segment. A 0xFF byte is followed by a stuffed 0x00; a 0xFF followed by
 * anything else is the marker that ends the segment.
 */
class EntropyReader {
  private byte = 0;
  private bitsLeft = 0;
  /** Set when a marker has been reached; the reader's offset is then at the marker. */
  atMarker = false;

  constructor(private readonly reader: ByteReader) {}

  private nextByte(): boolean {
    const r = this.reader;
    if (r.remaining < 1) fail('entropy-coded data runs to the end of the stream without an EOI marker');
    const value = r.bytes[r.offset];
    if (value === 0xff) {
      if (r.remaining < 2) fail('entropy-coded data ends inside a 0xFF escape');
      const next = r.bytes[r.offset + 1];
      if (next !== 0x00) {
        this.atMarker = true;
        return false;
      }
      r.offset += 2;
    } else {
      r.offset += 1;
    }
    this.byte = value;
    this.bitsLeft = 8;
    return true;
  }

  /** One bit, or -1 at a marker. */
  bit(): number {
    if (this.bitsLeft === 0 && !this.nextByte()) return -1;
    this.bitsLeft--;
    return (this.byte >> this.bitsLeft) & 1;
  }

  /** `count` bits (at most 16), most significant first; a marker inside is an error. */
  bits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const b = this.bit();
      if (b < 0) fail('marker inside an escaped coefficient or run length');
      value = (value << 1) | b;
    }
    return value;
  }

  /** Starts a new segment: drop the padding bits of the last byte. */
  reset(): void {
    this.bitsLeft = 0;
    this.atMarker = false;
  }
}

/** Decodes one Huffman symbol, or returns -1 at a marker (the padding at a segment's end). */
function decodeSymbol(bits: EntropyReader, table: HuffmanTable): number {
  let code = bits.bit();
  if (code < 0) return -1;
  let length = 1;
  while (code > table.maxCode[length]) {
    if (length === MAX_CODE_LENGTH) fail('invalid Huffman code (longer than 16 bits)', 'IDM_WSQ_HUFFMAN');
    const b = bits.bit();
    if (b < 0) return -1;
    code = (code << 1) | b;
    length++;
  }
  return table.values[table.valuePointer[length] + code - table.minCode[length]];
}

/**
 * Decodes every block into the quantised coefficients of the coded subbands, in subband order.
 * Symbols (IAFIS-IC-0110 Huffman coding): 1-100 a run of that many zeros; 101/102 a positive/negative 8-bit
 * value follows; 103/104 a positive/negative 16-bit value; 105/106 an 8/16-bit zero-run length; 107-254 the
 * coefficient (symbol - 180).
 */
function decodeCoefficients(
  reader: ByteReader,
  count: number,
  tables: Array<HuffmanTable | undefined>,
  onTable: (marker: number, body: ByteReader) => void,
): Int32Array {
  const out = new Int32Array(count);
  let index = 0;
  const bits = new EntropyReader(reader);
  let table: HuffmanTable | undefined;
  let marker = readMarker(reader);
  const put = (value: number) => {
    if (index >= count) fail(`more coefficients than the ${count} the coded subbands hold`);
    out[index++] = value;
  };
  const zeros = (run: number) => {
    if (index + run > count)
      fail(`zero run of ${run} overruns the ${count} coefficients of the coded subbands`);
    index += run; // the array is zero-initialised
  };
  for (;;) {
    if (marker === WSQ_MARKERS.EOI) break;
    if (marker === WSQ_MARKERS.SOB) {
      const body = segment(reader, 'SOB');
      const id = body.u8('block Huffman table id');
      table = id < MAX_HUFFMAN_TABLES ? tables[id] : undefined;
      if (!table) fail(`block uses Huffman table ${id}, which is not defined`, 'IDM_WSQ_HUFFMAN');
      bits.reset();
      for (;;) {
        const symbol = decodeSymbol(bits, table);
        if (symbol < 0) break;
        if (symbol >= 1 && symbol <= 100) zeros(symbol);
        else if (symbol >= 107 && symbol <= 254) put(symbol - 180);
        else if (symbol === 101) put(bits.bits(8));
        else if (symbol === 102) put(-bits.bits(8));
        else if (symbol === 103) put(bits.bits(16));
        else if (symbol === 104) put(-bits.bits(16));
        else if (symbol === 105) zeros(bits.bits(8));
        else if (symbol === 106) zeros(bits.bits(16));
        else fail(`invalid Huffman symbol ${symbol}`, 'IDM_WSQ_HUFFMAN');
      }
      marker = readMarker(reader);
      continue;
    }
    if (marker >= WSQ_MARKERS.DTT && marker <= WSQ_MARKERS.COM) {
      onTable(marker, segment(reader, `0x${marker.toString(16)}`));
      marker = readMarker(reader);
      continue;
    }
    fail(`unexpected marker 0x${marker.toString(16)} at byte ${reader.offset - 2}`);
  }
  return out;
}

export interface DecodeWsqOptions {
  /** Refuse frames larger than this (width x height) before allocating. */
  maxPixels?: number;
}

/** Decodes a WSQ stream to 8-bit grey; ppi from the NISTCOM PPI field when present, else 500. */
export function decodeWsq(bytes: Uint8Array, options: DecodeWsqOptions = {}): GrayImage {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const reader = new ByteReader(bytes, 'IDM_WSQ_FORMAT', 'WSQ');
  if (readMarker(reader) !== WSQ_MARKERS.SOI) fail('missing SOI marker (0xFFA0)');
  const tables: Array<HuffmanTable | undefined> = new Array(MAX_HUFFMAN_TABLES);
  let bank: FilterBank | undefined;
  let quant: QuantisationTable | undefined;
  const info = { nistcom: {} as Record<string, string>, comments: [] as string[] };
  const onTable = (marker: number, body: ByteReader) => {
    switch (marker) {
      case WSQ_MARKERS.DTT:
        bank = readTransformTable(body);
        break;
      case WSQ_MARKERS.DQT:
        quant = readQuantisationTable(body);
        break;
      case WSQ_MARKERS.DHT:
        readHuffmanTables(body, tables);
        break;
      case WSQ_MARKERS.COM:
        readComment(body, info);
        break;
      default:
        // DRT (restart interval) and reserved markers carry nothing this decoder needs.
        break;
    }
  };
  let frame: WsqFrame | undefined;
  while (!frame) {
    const marker = readMarker(reader);
    if (marker === WSQ_MARKERS.SOF) frame = readFrame(segment(reader, 'SOF'));
    else if (marker >= WSQ_MARKERS.DTT && marker <= WSQ_MARKERS.COM)
      onTable(marker, segment(reader, `0x${marker.toString(16)}`));
    else fail(`unexpected marker 0x${marker.toString(16)} before the frame header`);
  }
  const { width, height } = frame;
  if (width * height > maxPixels) {
    throw new IdmError(
      'IDM_IMAGE_TOO_LARGE',
      `WSQ: ${width}x${height} exceeds the limit of ${maxPixels} pixels`,
      {
        width,
        height,
        maxPixels,
      },
    );
  }
  const tree = buildWsqTree(width, height);
  // The coefficient count depends on the quantisation table, which may arrive after the frame header:
  // read ahead over tables until the first block to know it.
  const save = reader.offset;
  for (;;) {
    const marker = readMarker(reader);
    if (marker === WSQ_MARKERS.SOB || marker === WSQ_MARKERS.EOI) break;
    if (marker < WSQ_MARKERS.DTT || marker > WSQ_MARKERS.COM)
      fail(`unexpected marker 0x${marker.toString(16)} before the first block`);
    onTable(marker, segment(reader, `0x${marker.toString(16)}`));
  }
  reader.offset = save;
  if (!quant) fail('no quantisation table (DQT) before the first block');
  if (!bank) fail('no transform table (DTT) before the first block');
  const q = quant;
  const coded: Rect[] = [];
  let count = 0;
  for (let s = 0; s < CODED_SUBBANDS; s++) {
    if (q.q[s] !== 0) {
      coded.push(tree.subbands[s]);
      count += tree.subbands[s].width * tree.subbands[s].height;
    }
  }
  const quantised = decodeCoefficients(reader, count, tables, onTable);

  // Dequantise (IAFIS-IC-0110: a nonzero index p maps to Q * (p -/+ C) +/- Z/2, C the bin centre).
  const data = new Float32Array(width * height);
  let index = 0;
  let band = 0;
  for (let s = 0; s < CODED_SUBBANDS; s++) {
    const binWidth = q.q[s];
    if (binWidth === 0) continue;
    const halfZero = q.z[s] / 2;
    const rect = coded[band++];
    for (let row = 0; row < rect.height; row++) {
      let at = (rect.y + row) * width + rect.x;
      for (let col = 0; col < rect.width; col++, at++) {
        const p = quantised[index++];
        if (p > 0) data[at] = binWidth * (p - q.binCentre) + halfZero;
        else if (p < 0) data[at] = binWidth * (p + q.binCentre) - halfZero;
      }
    }
  }
  const filters = bank;
  for (let node = tree.nodes.length - 1; node >= 0; node--)
    synthesiseNode(data, width, tree.nodes[node], filters);

  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const value = Math.floor(data[i] * frame.rScale + frame.mShift + 0.5);
    pixels[i] = Math.max(0, Math.min(255, value));
  }
  return { width, height, ppi: ppiFromNistcom(info.nistcom) ?? 500, pixels };
}

/** Encodes an 8-bit grey raster as WSQ at `bitrate` bits per pixel (default 0.75, the FBI's 15:1). */
export function encodeWsq(image: GrayImage, bitrate?: number): Uint8Array {
  return encodeWsqImage(image, bitrate);
}
