/**
 * ANSI/NIST-ITL 1-2011 (and the 2000/2007/2008 editions it subsumes) transactions in the traditional
 * encoding: reading every record type, writing them back.
 *
 * A transaction is a Type-1 record followed by the records its CNT field (1.003) lists, in that order.
 * Tagged records (Types 1, 2, 9-99) are text fields "T.NNN:value" separated by GS (0x1D), with subfields
 * separated by RS (0x1E) and information items by US (0x1F); the record ends with FS (0x1C) and its length
 * is field T.001. An image or other binary payload is field T.999, always last, read by length because it
 * may contain separator bytes. Binary records (Types 3-8) have fixed big-endian headers and no tags, which
 * is why the CNT list is needed to find them.
 *
 * Images are located and described here (compression, size, resolution, finger positions); decoding the
 * pixels and building image records is `ansi-nist-images.ts`, Type-9 minutiae are `ansi-nist-minutiae.ts`.
 */
import { IdmError } from '../../errors.js';
import { ByteReader, ByteWriter } from './bytes.js';

const FS = 0x1c;
const GS = 0x1d;
const RS = 0x1e;
const US = 0x1f;

export const SEPARATORS = { FS, GS, RS, US } as const;

/** Binary-header record types (ANSI/NIST-ITL 1-2011 clause 7 and the legacy Types 3, 5, 6, 7). */
const BINARY_TYPES = new Set([3, 4, 5, 6, 7, 8]);

export type NistCompression =
  | 'none'
  | 'wsq'
  | 'jpeg'
  | 'jpeg-lossless'
  | 'jpeg2000'
  | 'jpeg2000-lossless'
  | 'png'
  | 'tiff'
  | 'binary'
  | 'vector'
  | 'unknown';

export interface NistField {
  /** Field number NNN of "T.NNN". */
  tag: number;
  /** Text value; subfields are separated by RS (0x1E), information items by US (0x1F). */
  value: string;
}

export interface NistImageInfo {
  compression: NistCompression;
  /** The record's own code: CGA text (tagged) or GCA/SRT number (binary). */
  compressionCode: string;
  width: number;
  height: number;
  /** Horizontal resolution in pixels per inch, when the record states it. */
  ppi?: number;
  bitsPerPixel: number;
  /** Colour space for Types 10/17 (e.g. SRGB, GRAY), when given. */
  colourSpace?: string;
}

export interface NistRecord {
  type: number;
  /** Information designation character (IDC): links records of one subject. */
  idc: number;
  /** Tagged records: the fields in file order, except the T.999 payload. */
  fields?: NistField[];
  /** Binary records: the header values by their standard mnemonics (LEN excluded, it is recomputed). */
  binaryHeader?: Record<string, number | number[]>;
  /** The image or other binary payload (T.999, or the data after a binary header). */
  data?: Uint8Array;
  image?: NistImageInfo;
  /** Finger (or palm) position codes; 255 padding removed. */
  positions?: number[];
  /** Impression type code (0 live-scan plain, 1 live-scan rolled, 4 latent impression, ...). */
  impressionType?: number;
}

export interface NistTransaction {
  /** VER (1.002), e.g. "0400" for 2007, "0500" for 2011. */
  version: string;
  records: NistRecord[];
  /** Tolerated irregularities found while parsing. */
  warnings: string[];
}

export function fail(message: string, details?: unknown): never {
  throw new IdmError('IDM_NIST_FORMAT', message, details);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** 1-2011 text is UTF-8 (older editions 7-bit ASCII, which UTF-8 covers); fall back to Latin-1. */
function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

export function subfields(value: string): string[][] {
  return value.split('\x1e').map((subfield) => subfield.split('\x1f'));
}

export function getField(record: NistRecord, tag: number): string | undefined {
  return record.fields?.find((f) => f.tag === tag)?.value;
}

export function fieldNumber(record: NistRecord, tag: number): number | undefined {
  const value = getField(record, tag);
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}

// --- tagged records

interface TaggedParse {
  type: number;
  fields: NistField[];
  data?: Uint8Array;
  end: number;
}

function parseTagged(
  bytes: Uint8Array,
  start: number,
  expectedType: number,
  warnings: string[],
  index: number,
): TaggedParse {
  const where = `record ${index} (Type-${expectedType}) at byte ${start}`;
  // Header "T.001:LEN" first, to bound the record.
  let p = start;
  const tagEnd = bytes.indexOf(0x3a, p); // ':'
  if (tagEnd < 0 || tagEnd - p > 12) fail(`${where}: no field tag at the start of the record`);
  const firstTag = latin1.decode(bytes.subarray(p, tagEnd));
  const tagMatch = /^(\d+)\.0*1$/.exec(firstTag);
  if (!tagMatch) fail(`${where}: record does not start with its length field T.001 (found "${firstTag}")`);
  const type = Number(tagMatch[1]);
  if (type !== expectedType) {
    warnings.push(`${where}: CNT lists Type-${expectedType} but the record is tagged Type-${type}`);
  }
  p = tagEnd + 1;
  let lengthEnd = p;
  while (lengthEnd < bytes.length && bytes[lengthEnd] !== GS && bytes[lengthEnd] !== FS && lengthEnd - p < 12)
    lengthEnd++;
  const lengthText = latin1.decode(bytes.subarray(p, lengthEnd)).trim();
  if (!/^\d+$/.test(lengthText)) fail(`${where}: record length "${lengthText}" is not a number`);
  const length = Number(lengthText);
  if (length < tagEnd - start + 2)
    fail(`${where}: record length ${length} is shorter than its own length field`);
  if (start + length > bytes.length) {
    fail(`${where}: record length ${length} runs past the end of the ${bytes.length}-byte transaction`, {
      declared: length,
      available: bytes.length - start,
    });
  }
  const end = start + length;
  if (bytes[end - 1] !== FS) fail(`${where}: record of length ${length} does not end with the FS separator`);

  const fields: NistField[] = [];
  let data: Uint8Array | undefined;
  p = start;
  while (p < end) {
    const colon = bytes.indexOf(0x3a, p);
    if (colon < 0 || colon >= end) fail(`${where}: field without a tag at byte ${p}`);
    const tagText = latin1.decode(bytes.subarray(p, colon));
    const m = /^(\d+)\.(\d+)$/.exec(tagText);
    if (!m) fail(`${where}: malformed field tag "${tagText.slice(0, 20)}" at byte ${p}`);
    if (Number(m[1]) !== type)
      warnings.push(`${where}: field ${tagText} carries another record type's prefix`);
    const tag = Number(m[2]);
    const valueStart = colon + 1;
    if (tag === 999) {
      // The payload runs to the record's final FS.
      data = new Uint8Array(bytes.subarray(valueStart, end - 1));
      p = end;
      break;
    }
    let q = valueStart;
    while (q < end && bytes[q] !== GS && bytes[q] !== FS) q++;
    if (q >= end) fail(`${where}: field ${tagText} is not terminated`);
    fields.push({ tag, value: decodeText(bytes.subarray(valueStart, q)) });
    p = q + 1;
    if (bytes[q] === FS) {
      if (q !== end - 1)
        fail(`${where}: FS separator at byte ${q} before the record's declared end ${end - 1}`);
      break;
    }
  }
  return { type, fields, data, end };
}

// --- binary records

/** Type-3/4/5/6 (and Type-7 in NIST's samples) header: LEN 4, IDC 1, IMP 1, FGP 6, ISR 1, HLL 2, VLL 2, GCA 1. */
const FINGER_HEADER_LENGTH = 18;
/** Type-8 header: LEN 4, IDC 1, SIG 1, SRT 1, ISR 1, HLL 2, VLL 2. */
const SIGNATURE_HEADER_LENGTH = 12;

function parseBinary(
  bytes: Uint8Array,
  start: number,
  type: number,
  index: number,
): { record: NistRecord; end: number } {
  const where = `record ${index} (Type-${type}) at byte ${start}`;
  const reader = new ByteReader(bytes, 'IDM_NIST_FORMAT', where, start);
  const length = reader.u32('record length');
  if (length < 5) fail(`${where}: binary record length ${length} is shorter than its LEN and IDC fields`);
  if (start + length > bytes.length) {
    fail(`${where}: record length ${length} runs past the end of the ${bytes.length}-byte transaction`, {
      declared: length,
      available: bytes.length - start,
    });
  }
  const end = start + length;
  const r = new ByteReader(bytes, 'IDM_NIST_FORMAT', where, start + 4, end);
  const idc = r.u8('IDC');
  const record: NistRecord = { type, idc };
  if (type === 8) {
    if (length < SIGNATURE_HEADER_LENGTH)
      fail(`${where}: Type-8 record length ${length} is shorter than its 12-byte header`);
    const header = {
      SIG: r.u8('SIG'),
      SRT: r.u8('SRT'),
      ISR: r.u8('ISR'),
      HLL: r.u16('HLL'),
      VLL: r.u16('VLL'),
    };
    record.binaryHeader = header;
    record.data = new Uint8Array(bytes.subarray(r.offset, end));
    record.image = {
      compression: header.SRT === 0 ? 'binary' : header.SRT === 1 ? 'tiff' : 'vector',
      compressionCode: String(header.SRT),
      width: header.HLL,
      height: header.VLL,
      bitsPerPixel: 1,
    };
    return { record, end };
  }
  const fingerLayout = type !== 7 || looksLikeFingerHeader(bytes, start, length);
  if (!fingerLayout) {
    record.data = new Uint8Array(bytes.subarray(r.offset, end));
    return { record, end };
  }
  const header = {
    IMP: r.u8('IMP'),
    FGP: Array.from(r.take(6, 'FGP')),
    ISR: r.u8('ISR'),
    HLL: r.u16('HLL'),
    VLL: r.u16('VLL'),
    GCA: r.u8('GCA'),
  };
  record.binaryHeader = header;
  record.data = new Uint8Array(bytes.subarray(r.offset, end));
  record.impressionType = header.IMP;
  record.positions = header.FGP.filter((p) => p !== 255);
  const binary = type === 5 || type === 6;
  record.image = {
    compression: binary ? (header.GCA === 0 ? 'binary' : 'unknown') : binaryGcaCompression(header.GCA),
    compressionCode: String(header.GCA),
    width: header.HLL,
    height: header.VLL,
    bitsPerPixel: binary ? 1 : 8,
  };
  return { record, end };
}

/** NIST's Type-7 samples reuse the Type-4 header; accept it when the sizes agree. */
function looksLikeFingerHeader(bytes: Uint8Array, start: number, length: number): boolean {
  if (length < FINGER_HEADER_LENGTH) return false;
  const width = (bytes[start + 13] << 8) | bytes[start + 14];
  const height = (bytes[start + 15] << 8) | bytes[start + 16];
  const gca = bytes[start + 17];
  const payload = length - FINGER_HEADER_LENGTH;
  return gca === 0 ? width * height === payload : gca < 7 && width > 0 && height > 0;
}

/** GCA codes of Type-4 (1-2011 Table 15, "grayscale compression algorithm"). */
function binaryGcaCompression(code: number): NistCompression {
  return (
    (['none', 'wsq', 'jpeg', 'jpeg-lossless', 'jpeg2000', 'jpeg2000-lossless', 'png'] as const)[code] ??
    'unknown'
  );
}

/** CGA values of the tagged image records (1-2011 Table 15). */
function taggedCompression(cga: string | undefined): NistCompression {
  switch ((cga ?? '').trim().toUpperCase()) {
    case 'NONE':
    case '0':
      return 'none';
    case 'WSQ20':
    case 'WSQ':
    case '1':
      return 'wsq';
    case 'JPEGB':
    case '2':
      return 'jpeg';
    case 'JPEGL':
    case '3':
      return 'jpeg-lossless';
    case 'JP2':
    case '4':
      return 'jpeg2000';
    case 'JP2L':
    case '5':
      return 'jpeg2000-lossless';
    case 'PNG':
    case '6':
      return 'png';
    default:
      return 'unknown';
  }
}

/** SLC 1 = pixels per inch, 2 = pixels per centimetre, 0 = no scale (aspect ratio only). */
function scaleToPpi(slc: number | undefined, scale: number | undefined): number | undefined {
  if (!scale || scale <= 0) return undefined;
  const ppi = slc === 1 ? scale : slc === 2 ? Math.round(scale * 2.54 * 100) / 100 : undefined;
  // Some writers fill THPS with 1 and a scale unit; no scan is below 50 ppi, so read that as "not stated".
  return ppi !== undefined && ppi >= MIN_CREDIBLE_PPI ? ppi : undefined;
}

const MIN_CREDIBLE_PPI = 50;

const IMAGE_TAGGED_TYPES = new Set([10, 13, 14, 15, 16, 17, 20]);

export function describeTaggedImage(record: NistRecord): void {
  if (!record.data || !IMAGE_TAGGED_TYPES.has(record.type)) return;
  const cga = getField(record, 11);
  const colourSpace =
    record.type === 10 ? getField(record, 12) : record.type === 17 ? getField(record, 13) : undefined;
  const bpx = record.type === 10 ? undefined : fieldNumber(record, 12);
  const colour = colourSpace?.trim().toUpperCase();
  record.image = {
    compression: taggedCompression(cga),
    compressionCode: (cga ?? '').trim(),
    width: fieldNumber(record, 6) ?? 0,
    height: fieldNumber(record, 7) ?? 0,
    ppi: scaleToPpi(fieldNumber(record, 8), fieldNumber(record, 9)),
    bitsPerPixel: bpx ?? (colour === 'GRAY' ? 8 : 24),
    ...(colourSpace !== undefined ? { colourSpace: colourSpace.trim() } : {}),
  };
}

export function describeTaggedFinger(record: NistRecord): void {
  if (record.type === 9 || record.type === 13 || record.type === 14 || record.type === 15) {
    const imp = fieldNumber(record, 3);
    if (imp !== undefined) record.impressionType = imp;
  }
  // 9.006 FGP (standard minutiae); 13.013 / 14.013 FGP; 15.013 PLP (palm positions).
  const positionTag =
    record.type === 9 ? 6 : record.type === 13 || record.type === 14 || record.type === 15 ? 13 : 0;
  if (!positionTag) return;
  const value = getField(record, positionTag);
  if (value === undefined) return;
  const positions = subfields(value)
    .map((items) => Number(items[0]))
    .filter((n) => Number.isInteger(n) && n !== 255);
  if (positions.length > 0) record.positions = positions;
}

// --- transaction

/** CNT (1.003): first subfield "1<US>count", then "type<US>IDC" for every record after Type-1. */
function readContents(type1: NistRecord): Array<{ type: number; idc: number }> {
  const cnt = getField(type1, 3);
  if (cnt === undefined) fail('Type-1 record has no CNT field (1.003)');
  const list = subfields(cnt);
  const entries: Array<{ type: number; idc: number }> = [];
  for (const [i, items] of list.entries()) {
    const type = Number(items[0]);
    const idc = Number(items[1] ?? 0);
    if (!Number.isInteger(type) || type < 1 || type > 99)
      fail(`CNT subfield ${i + 1} names record type "${items[0]}"`);
    if (i === 0) continue; // "1<US>number of other records"
    entries.push({ type, idc: Number.isFinite(idc) ? idc : 0 });
  }
  return entries;
}

export function parseTransaction(bytes: Uint8Array): NistTransaction {
  if (bytes.length < 8) fail(`transaction of ${bytes.length} bytes is too short`);
  const head = latin1.decode(bytes.subarray(0, Math.min(8, bytes.length)));
  if (!/^1\.0*1:/.test(head)) fail('not an ANSI/NIST-ITL transaction: it does not start with field 1.001');
  const warnings: string[] = [];
  const first = parseTagged(bytes, 0, 1, warnings, 0);
  const type1: NistRecord = { type: 1, idc: 0, fields: first.fields };
  const records: NistRecord[] = [type1];
  const contents = readContents(type1);
  let offset = first.end;
  for (const [i, entry] of contents.entries()) {
    const index = i + 1;
    if (offset >= bytes.length) {
      fail(`CNT lists ${contents.length} records after Type-1 but the transaction ends after ${i}`, {
        listed: contents.length,
        found: i,
      });
    }
    if (BINARY_TYPES.has(entry.type)) {
      const { record, end } = parseBinary(bytes, offset, entry.type, index);
      if (record.idc !== entry.idc)
        warnings.push(`record ${index}: IDC ${record.idc} differs from CNT's ${entry.idc}`);
      records.push(record);
      offset = end;
    } else {
      const tagged = parseTagged(bytes, offset, entry.type, warnings, index);
      const record: NistRecord = { type: tagged.type, idc: 0, fields: tagged.fields };
      if (tagged.data) record.data = tagged.data;
      const idc = fieldNumber(record, 2);
      record.idc = idc ?? entry.idc;
      describeTaggedImage(record);
      describeTaggedFinger(record);
      records.push(record);
      offset = tagged.end;
    }
  }
  if (offset < bytes.length)
    warnings.push(`${bytes.length - offset} byte(s) after the last record listed in CNT; ignored`);
  return { version: getField(type1, 2)?.trim() ?? '', records, warnings };
}

// --- writing

const encoder = new TextEncoder();

function fieldBytes(type: number, tag: number, value: string): Uint8Array {
  const tagText = tag < 10 ? `00${tag}` : tag < 100 ? `0${tag}` : `${tag}`;
  return encoder.encode(`${type}.${tagText}:${value}`);
}

/** Serialises a tagged record; LEN (T.001) is computed so that it counts itself. */
function writeTagged(record: NistRecord, overrides: Map<number, string>): Uint8Array {
  const fields = (record.fields ?? [])
    .filter((f) => f.tag !== 1 && f.tag !== 999)
    .map((f) => ({ tag: f.tag, value: overrides.get(f.tag) ?? f.value }));
  for (const [tag, value] of overrides) {
    if (fields.some((f) => f.tag === tag)) continue;
    const at = fields.findIndex((f) => f.tag > tag);
    fields.splice(at < 0 ? fields.length : at, 0, { tag, value });
  }
  const body = new ByteWriter();
  for (const f of fields) body.u8(GS).bytes(fieldBytes(record.type, f.tag, f.value));
  if (record.data)
    body
      .u8(GS)
      .bytes(encoder.encode(`${record.type}.999:`))
      .bytes(record.data);
  body.u8(FS);
  const prefix = `${record.type}.001:`.length;
  let digits = 1;
  while (String(prefix + digits + body.length).length !== digits) digits++;
  const out = new ByteWriter();
  out.bytes(fieldBytes(record.type, 1, String(prefix + digits + body.length)));
  out.bytes(body.toBytes());
  return out.toBytes();
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function headerNumber(record: NistRecord, key: string): number {
  const value = record.binaryHeader?.[key];
  if (typeof value !== 'number') fail(`Type-${record.type} record needs a numeric ${key} header value`);
  return value;
}

function writeBinary(record: NistRecord): Uint8Array {
  const data = record.data ?? new Uint8Array(0);
  const out = new ByteWriter();
  out.u32(0).u8(record.idc);
  if (record.binaryHeader) {
    if (record.type === 8) {
      out.u8(headerNumber(record, 'SIG')).u8(headerNumber(record, 'SRT')).u8(headerNumber(record, 'ISR'));
      out.u16(headerNumber(record, 'HLL')).u16(headerNumber(record, 'VLL'));
    } else {
      const fgp = record.binaryHeader.FGP;
      const positions = Array.isArray(fgp) ? fgp : [];
      out.u8(headerNumber(record, 'IMP'));
      for (let i = 0; i < 6; i++) out.u8(positions[i] ?? 255);
      out.u8(headerNumber(record, 'ISR'));
      out.u16(headerNumber(record, 'HLL')).u16(headerNumber(record, 'VLL'));
      out.u8(headerNumber(record, 'GCA'));
    }
  }
  out.bytes(data);
  out.patchU32(0, out.length);
  return out.toBytes();
}

/**
 * Serialises a transaction. LEN fields are recomputed, as is the Type-1 CNT (1.003) from the records that
 * follow; IDC (T.002) of tagged records is written from `record.idc`. Every record type the parser reads can
 * be written; Types 1, 2, 4, 9 and 14 are the ones the round-trip tests cover.
 */
export function writeTransaction(tx: NistTransaction): Uint8Array {
  const [type1, ...rest] = tx.records;
  if (type1?.type !== 1) fail('a transaction must start with a Type-1 record');
  const cnt = [
    `1\x1f${rest.length}`,
    ...rest.map((r) => `${r.type}\x1f${String(r.idc).padStart(2, '0')}`),
  ].join('\x1e');
  const chunks: Uint8Array[] = [writeTagged(type1, new Map([[3, cnt]]))];
  for (const record of rest) {
    if (record.type === 1) fail('only the first record may be Type-1');
    if (BINARY_TYPES.has(record.type)) {
      chunks.push(writeBinary(record));
    } else {
      const idcText = getField(record, 2);
      const idc =
        idcText !== undefined && Number(idcText) === record.idc
          ? idcText
          : String(record.idc).padStart(2, '0');
      chunks.push(writeTagged(record, new Map([[2, idc]])));
    }
  }
  return concat(chunks);
}
