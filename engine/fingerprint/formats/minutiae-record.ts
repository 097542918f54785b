/**
 * Finger minutiae records: ISO/IEC 19794-2 (2005 and 2011) and ANSI INCITS 378 (2004 and 2009; NIST calls the
 * "030" edition 2007 after its draft year), import and export.
 *
 * Layouts (all big-endian):
 * - ISO 19794-2:2005 clause 7: "FMR\0" " 20\0", record length u32, capture equipment u16 (4-bit compliance,
 *   12-bit ID), width u16, height u16, x/y resolution u16 (pixels per cm), view count u8, reserved u8 (24 bytes);
 *   per view: position u8, view number (high nibble) and impression type (low nibble) u8, finger quality u8,
 *   minutia count u8, then 6-byte minutiae, then extended-data length u16 and the blocks.
 * - ANSI INCITS 378-2004 clause 6.4: same, but the record length is u16 (or 0x0000 followed by u32 when the
 *   record exceeds 65535 bytes) and a 4-byte CBEFF product identifier precedes the capture equipment (26 bytes).
 * - ANSI INCITS 378-2009 ("030"): u32 length, CBEFF product ID, equipment, view count, reserved; each view has
 *   position, view number, impression type, quality (1 byte each), quality vendor and algorithm (u16 each) and
 *   its own width, height and resolution, then minutiae and extended data.
 * - ISO 19794-2:2011 ("030"): a 15-byte general header (u32 length, u16 representation count, certification
 *   flag) and per representation the ISO 19794-1:2011 sample header (u32 length, capture date-time, sensor
 *   technology, vendor, device ID, quality and certification blocks) followed by the finger data.
 *
 * Minutia: type (2 high bits: 01 ridge ending, 10 bifurcation, 00 other) and x (14 bits), 2 reserved bits and
 * y (14 bits), angle u8, quality u8. Angles are counter-clockwise from the x axis in both standards: ISO units
 * are 360/256 degrees, ANSI units are 2 degrees.
 */
import { IdmError } from '../../errors.js';
import type { FingerprintTemplate, Minutia, MinutiaType } from '../types.js';
import { ByteReader, ByteWriter } from './bytes.js';

export type MinutiaeRecordFormat = 'iso19794-2:2005' | 'iso19794-2:2011' | 'ansi378:2004' | 'ansi378:2009';

/** One finger view of a record, with the header fields a template does not carry. */
export interface MinutiaeRecordView extends FingerprintTemplate {
  position: number;
  viewNumber: number;
  /** 0 live-scan plain, 1 live-scan rolled, 2 non-live plain, 3 non-live rolled, 8 swipe, ... */
  impressionType: number;
  /** Extended data blocks (ridge counts, cores and deltas, vendor data), undecoded; type -1 marks an unparseable rest. */
  extendedData: Array<{ type: number; data: Uint8Array }>;
}

export interface MinutiaeRecord {
  format: MinutiaeRecordFormat;
  /** Capture equipment ID (12 bits in 2004/2005, the sensor ID in the 2009/2011 editions). */
  equipmentId: number;
  views: MinutiaeRecordView[];
  /** Tolerated irregularities (for example an extended data block whose length disagrees with its content). */
  warnings: string[];
}

const ISO_ANGLE_UNIT = (2 * Math.PI) / 256;
const ANSI_ANGLE_UNIT = (2 * Math.PI) / 180;
const MAGIC = [0x46, 0x4d, 0x52, 0x00]; // "FMR\0"

/** Pixels per centimetre (the records' unit) to pixels per inch. */
function ppiFromPixelsPerCm(pixelsPerCm: number): number {
  return Math.round(pixelsPerCm * 2.54 * 100) / 100;
}

function pixelsPerCmFromPpi(ppi: number): number {
  return Math.round(ppi / 2.54);
}

function minutiaTypeFromCode(code: number): MinutiaType {
  return code === 1 ? 'ending' : code === 2 ? 'bifurcation' : 'other';
}

function minutiaTypeCode(type: MinutiaType): number {
  return type === 'ending' ? 1 : type === 'bifurcation' ? 2 : 0;
}

/** Record qualities are 0-100; 254 ("not reported") and 255 ("failed") carry no information. */
function qualityFromRecord(value: number): number {
  return value > 100 ? 0 : value;
}

function fail(message: string, details?: unknown): never {
  throw new IdmError('IDM_TEMPLATE_FORMAT', message, details);
}

function versionOf(bytes: Uint8Array): string {
  if (bytes.length < 8)
    fail(`not a finger minutiae record: ${bytes.length} bytes is shorter than the 8-byte identifier`);
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) fail('not a finger minutiae record: format identifier is not "FMR\\0"');
  }
  if (bytes[7] !== 0) fail('not a finger minutiae record: version string is not NUL-terminated');
  return String.fromCharCode(bytes[4], bytes[5], bytes[6]);
}

/** Detects the standard and edition from the identifier and the length fields. */
export function detectMinutiaeRecordFormat(bytes: Uint8Array): MinutiaeRecordFormat {
  const version = versionOf(bytes);
  if (version === ' 20') {
    if (bytes.length < 14) fail(`record truncated: ${bytes.length} bytes is shorter than any record header`);
    const isoLength = ((bytes[8] << 24) >>> 0) + ((bytes[9] << 16) | (bytes[10] << 8) | bytes[11]);
    const ansiShort = (bytes[8] << 8) | bytes[9];
    const ansiLength =
      ansiShort !== 0
        ? ansiShort
        : ((bytes[10] << 24) >>> 0) + ((bytes[11] << 16) | (bytes[12] << 8) | bytes[13]);
    if (isoLength === bytes.length) return 'iso19794-2:2005';
    if (ansiLength === bytes.length) return 'ansi378:2004';
    // Neither length matches: an ISO record below 64 KiB has two zero bytes here, an ANSI one its length.
    return ansiShort === 0 ? 'iso19794-2:2005' : 'ansi378:2004';
  }
  if (version === '030' || version === '035') {
    return looksLikeIso2011(bytes) ? 'iso19794-2:2011' : 'ansi378:2009';
  }
  return fail(`unsupported finger minutiae record version "${version.trim()}" (supported: " 20", "030")`);
}

/** ISO 2011 and ANSI 2009 share "030": the ISO general header's representation lengths must add up. */
function looksLikeIso2011(bytes: Uint8Array): boolean {
  if (bytes.length < 15) return false;
  const reader = new ByteReader(bytes, 'IDM_TEMPLATE_FORMAT', 'probe', 8);
  const total = reader.u32('length');
  const count = reader.u16('count');
  reader.offset = 15;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    if (reader.remaining < 4) return false;
    const length = reader.u32('representation length');
    if (length < 34 || length - 4 > reader.remaining) return false;
    sum += length;
    reader.offset += length - 4;
  }
  return count > 0 && total === 15 + sum;
}

/** Parses any supported record into one template per finger view. */
export function parseMinutiaeRecord(bytes: Uint8Array): FingerprintTemplate[] {
  return parseMinutiaeRecordDetailed(bytes).views.map((view) => ({
    width: view.width,
    height: view.height,
    ppi: view.ppi,
    quality: view.quality,
    minutiae: view.minutiae,
    position: view.position,
  }));
}

export function parseMinutiaeRecordDetailed(bytes: Uint8Array): MinutiaeRecord {
  const format = detectMinutiaeRecordFormat(bytes);
  switch (format) {
    case 'iso19794-2:2005':
    case 'ansi378:2004':
      return parseEdition2004(bytes, format);
    case 'ansi378:2009':
      return parseAnsi2009(bytes);
    case 'iso19794-2:2011':
      return parseIso2011(bytes);
  }
}

/** Opens a reader over exactly the declared record length, rejecting truncation precisely. */
function recordReader(bytes: Uint8Array, declared: number, headerSize: number, name: string): ByteReader {
  if (declared > bytes.length) {
    fail(
      `${name} record truncated: record length field says ${declared} bytes but only ${bytes.length} are present`,
      {
        declared,
        actual: bytes.length,
      },
    );
  }
  if (declared < headerSize)
    fail(`${name} record length ${declared} is shorter than its ${headerSize}-byte header`);
  return new ByteReader(bytes, 'IDM_TEMPLATE_FORMAT', `${name} record`, 0, declared);
}

function readMinutiae(
  reader: ByteReader,
  count: number,
  angleUnit: number,
  withQuality: boolean,
  viewIndex: number,
): Minutia[] {
  reader.need(count * (withQuality ? 6 : 5), `the ${count} minutiae of view ${viewIndex}`);
  const minutiae: Minutia[] = [];
  for (let i = 0; i < count; i++) {
    const xWord = reader.u16('minutia x');
    const yWord = reader.u16('minutia y');
    const angleCode = reader.u8('minutia angle');
    const quality = withQuality ? reader.u8('minutia quality') : 0;
    if (angleUnit === ANSI_ANGLE_UNIT && angleCode >= 180) {
      reader.fail(`view ${viewIndex} minutia ${i}: angle code ${angleCode} exceeds 179 (2-degree units)`);
    }
    minutiae.push({
      x: xWord & 0x3fff,
      y: yWord & 0x3fff,
      angleRad: angleCode * angleUnit,
      type: minutiaTypeFromCode(xWord >> 14),
      quality: qualityFromRecord(quality),
    });
  }
  return minutiae;
}

/**
 * Extended data: a u16 total length, then blocks of type u16, length u16 (counting its own 4-byte header) and
 * data. Some published records (NIST's own fmr.* samples among them) declare core/delta blocks a byte or two
 * longer or shorter than their content; the minutiae are intact, so such an area is kept undecoded with a
 * warning instead of rejecting the record. An extended data area running past the record end is still clamped
 * to the record, never read beyond it.
 */
function readExtendedData(
  reader: ByteReader,
  viewIndex: number,
  warnings: string[],
): Array<{ type: number; data: Uint8Array }> {
  const declared = reader.u16('extended data length');
  let total = declared;
  if (total > reader.remaining) {
    warnings.push(
      `view ${viewIndex}: extended data length ${declared} runs ${declared - reader.remaining} byte(s) past the record end; clamped`,
    );
    total = reader.remaining;
  }
  const end = reader.offset + total;
  const blocks: Array<{ type: number; data: Uint8Array }> = [];
  while (reader.offset < end) {
    const blockStart = reader.offset;
    const type = end - blockStart >= 4 ? reader.u16('extended data block type') : -1;
    const length = type >= 0 ? reader.u16('extended data block length') : 0;
    if (type < 0 || length < 4 || blockStart + length > end) {
      warnings.push(
        `view ${viewIndex}: extended data block at byte ${blockStart} (type ${type}, length ${length}) does not fit the ${declared}-byte area; kept undecoded`,
      );
      reader.offset = blockStart;
      blocks.push({ type: -1, data: reader.take(end - blockStart, 'extended data') });
      break;
    }
    blocks.push({ type, data: reader.take(length - 4, 'extended data block') });
  }
  return blocks;
}

function checkMinutiaeInside(view: MinutiaeRecordView, index: number, name: string): void {
  // Zero width/height means "unknown" in some writers; only check against a declared size.
  for (const [i, m] of view.minutiae.entries()) {
    if ((view.width > 0 && m.x >= view.width) || (view.height > 0 && m.y >= view.height)) {
      fail(
        `${name} view ${index} minutia ${i} at (${m.x}, ${m.y}) lies outside the ${view.width}x${view.height} image`,
      );
    }
  }
}

function parseEdition2004(bytes: Uint8Array, format: 'iso19794-2:2005' | 'ansi378:2004'): MinutiaeRecord {
  const iso = format === 'iso19794-2:2005';
  const name = iso ? 'ISO 19794-2:2005' : 'ANSI INCITS 378-2004';
  let declared: number;
  let headerSize: number;
  if (iso) {
    if (bytes.length < 12) fail(`${name} record truncated inside the record length field`);
    declared = ((bytes[8] << 24) >>> 0) + ((bytes[9] << 16) | (bytes[10] << 8) | bytes[11]);
    headerSize = 24;
  } else {
    const short = (bytes[8] << 8) | bytes[9];
    declared =
      short !== 0 ? short : ((bytes[10] << 24) >>> 0) + ((bytes[11] << 16) | (bytes[12] << 8) | bytes[13]);
    headerSize = short !== 0 ? 26 : 30;
  }
  const reader = recordReader(bytes, declared, headerSize, name);
  reader.offset = headerSize - (iso ? 12 : 16);
  if (!iso) reader.skip(4, 'CBEFF product identifier');
  const equipment = reader.u16('capture equipment');
  const width = reader.u16('image width');
  const height = reader.u16('image height');
  const xResolution = reader.u16('x resolution');
  const yResolution = reader.u16('y resolution');
  const viewCount = reader.u8('finger view count');
  reader.u8('reserved byte');
  if (xResolution === 0 || yResolution === 0) reader.fail('image resolution is zero');
  const views: MinutiaeRecordView[] = [];
  const warnings: string[] = [];
  for (let v = 0; v < viewCount; v++) {
    const position = reader.u8(`finger position of view ${v}`);
    const viewImpression = reader.u8(`view number and impression type of view ${v}`);
    const quality = reader.u8(`finger quality of view ${v}`);
    const count = reader.u8(`minutia count of view ${v}`);
    const minutiae = readMinutiae(reader, count, iso ? ISO_ANGLE_UNIT : ANSI_ANGLE_UNIT, true, v);
    const extendedData = readExtendedData(reader, v, warnings);
    const view: MinutiaeRecordView = {
      width,
      height,
      ppi: ppiFromPixelsPerCm(xResolution),
      quality: qualityFromRecord(quality),
      minutiae,
      position,
      viewNumber: viewImpression >> 4,
      impressionType: viewImpression & 0x0f,
      extendedData,
    };
    checkMinutiaeInside(view, v, name);
    views.push(view);
  }
  if (reader.remaining !== 0) {
    warnings.push(
      `${reader.remaining} byte(s) after the last of ${viewCount} finger views (record length ${declared}); ignored`,
    );
  }
  return { format, equipmentId: equipment & 0x0fff, views, warnings };
}

function parseAnsi2009(bytes: Uint8Array): MinutiaeRecord {
  const name = 'ANSI INCITS 378-2009';
  if (bytes.length < 12) fail(`${name} record truncated inside the record length field`);
  const declared = ((bytes[8] << 24) >>> 0) + ((bytes[9] << 16) | (bytes[10] << 8) | bytes[11]);
  // The published 2009 header is 21 bytes (1-byte certification flag, 2-byte sensor ID); NIST's "2007" samples use
  // the 20-byte draft layout (2-byte compliance/ID). Accept whichever ends exactly at the record length.
  let firstError: unknown;
  for (const headerSize of [20, 21]) {
    try {
      return parseAnsi2009WithHeader(bytes, declared, headerSize, name);
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}

function parseAnsi2009WithHeader(
  bytes: Uint8Array,
  declared: number,
  headerSize: number,
  name: string,
): MinutiaeRecord {
  const reader = recordReader(bytes, declared, headerSize, name);
  reader.offset = 16;
  let equipmentId: number;
  if (headerSize === 20) {
    equipmentId = reader.u16('capture equipment') & 0x0fff;
  } else {
    reader.u8('certification flag');
    equipmentId = reader.u16('sensor ID');
  }
  const viewCount = reader.u8('finger view count');
  reader.u8('reserved byte');
  const views: MinutiaeRecordView[] = [];
  const warnings: string[] = [];
  for (let v = 0; v < viewCount; v++) {
    const position = reader.u8(`finger position of view ${v}`);
    const viewNumber = reader.u8(`view number of view ${v}`);
    const impressionType = reader.u8(`impression type of view ${v}`);
    const quality = reader.u8(`finger quality of view ${v}`);
    reader.skip(4, 'quality algorithm vendor and ID');
    const width = reader.u16('image width');
    const height = reader.u16('image height');
    const xResolution = reader.u16('x resolution');
    reader.u16('y resolution');
    if (xResolution === 0) reader.fail(`view ${v} resolution is zero`);
    const count = reader.u8(`minutia count of view ${v}`);
    const minutiae = readMinutiae(reader, count, ANSI_ANGLE_UNIT, true, v);
    const extendedData = readExtendedData(reader, v, warnings);
    const view: MinutiaeRecordView = {
      width,
      height,
      ppi: ppiFromPixelsPerCm(xResolution),
      quality: qualityFromRecord(quality),
      minutiae,
      position,
      viewNumber,
      impressionType,
      extendedData,
    };
    checkMinutiaeInside(view, v, name);
    views.push(view);
  }
  if (reader.remaining !== 0) {
    warnings.push(
      `${reader.remaining} byte(s) after the last of ${viewCount} finger views (record length ${declared}); ignored`,
    );
  }
  return { format: 'ansi378:2009', equipmentId, views, warnings };
}

function parseIso2011(bytes: Uint8Array): MinutiaeRecord {
  const name = 'ISO 19794-2:2011';
  const declared = ((bytes[8] << 24) >>> 0) + ((bytes[9] << 16) | (bytes[10] << 8) | bytes[11]);
  const reader = recordReader(bytes, declared, 15, name);
  reader.offset = 12;
  const count = reader.u16('representation count');
  const certified = reader.u8('certification flag') !== 0;
  const views: MinutiaeRecordView[] = [];
  const warnings: string[] = [];
  let equipmentId = 0;
  for (let v = 0; v < count; v++) {
    const start = reader.offset;
    const length = reader.u32(`length of representation ${v}`);
    reader.need(length - 4, `representation ${v}`);
    const rep = new ByteReader(
      bytes,
      'IDM_TEMPLATE_FORMAT',
      `${name} representation ${v}`,
      reader.offset,
      start + length,
    );
    rep.skip(9, 'capture date and time');
    rep.u8('capture device technology');
    rep.u16('capture device vendor');
    equipmentId = rep.u16('capture device type');
    const qualityBlocks = rep.u8('quality block count');
    let quality = 0;
    for (let q = 0; q < qualityBlocks; q++) {
      const score = rep.u8('quality score');
      rep.skip(4, 'quality algorithm vendor and ID');
      if (q === 0) quality = qualityFromRecord(score);
    }
    if (certified) rep.skip(3 * rep.u8('certification block count'), 'certification blocks');
    const position = rep.u8('finger position');
    const viewNumber = rep.u8('representation number');
    const xResolution = rep.u16('x resolution');
    rep.u16('y resolution');
    if (xResolution === 0) rep.fail('resolution is zero');
    const impressionType = rep.u8('impression type');
    const width = rep.u16('image width');
    const height = rep.u16('image height');
    const sizes = rep.u8('minutia field length and ridge ending type');
    const minutiaBytes = sizes >> 4;
    if (minutiaBytes !== 5 && minutiaBytes !== 6)
      rep.fail(`minutia field length ${minutiaBytes} is neither 5 nor 6`);
    const minutiaCount = rep.u8('minutia count');
    const minutiae = readMinutiae(rep, minutiaCount, ISO_ANGLE_UNIT, minutiaBytes === 6, v);
    const extendedData = readExtendedData(rep, v, warnings);
    if (rep.remaining !== 0) rep.fail(`${rep.remaining} byte(s) left over inside the representation`);
    reader.offset = start + length;
    const view: MinutiaeRecordView = {
      width,
      height,
      ppi: ppiFromPixelsPerCm(xResolution),
      quality,
      minutiae,
      position,
      viewNumber,
      impressionType,
      extendedData,
    };
    checkMinutiaeInside(view, v, name);
    views.push(view);
  }
  if (reader.remaining !== 0)
    warnings.push(`${reader.remaining} byte(s) after the last representation; ignored`);
  return { format: 'iso19794-2:2011', equipmentId, views, warnings };
}

// --- writers

interface WriteOptions {
  /** Impression type code for every view (default 0, live-scan plain). */
  impressionType?: number;
}

function asList(templates: FingerprintTemplate | FingerprintTemplate[]): FingerprintTemplate[] {
  const list = Array.isArray(templates) ? templates : [templates];
  if (list.length === 0) fail('cannot write a minutiae record without any finger view');
  if (list.length > 255) fail(`cannot write ${list.length} finger views: a record holds at most 255`);
  for (const [i, t] of list.entries()) {
    if (t.minutiae.length > 255) {
      fail(`view ${i} has ${t.minutiae.length} minutiae: a finger view holds at most 255`);
    }
    if (!(t.width > 0 && t.width < 0x4000 && t.height > 0 && t.height < 0x4000)) {
      fail(`view ${i} image size ${t.width}x${t.height} does not fit the 14-bit coordinate fields`);
    }
    if (!(t.ppi > 0)) fail(`view ${i} resolution ${t.ppi} ppi is not positive`);
  }
  return list;
}

/** View numbers count the views of the same finger position, in order. */
function viewNumbers(list: FingerprintTemplate[]): number[] {
  const seen = new Map<number, number>();
  return list.map((t) => {
    const position = t.position ?? 0;
    const n = seen.get(position) ?? 0;
    seen.set(position, n + 1);
    return n & 0x0f;
  });
}

function clampCoordinate(value: number, size: number): number {
  return Math.min(size - 1, Math.max(0, Math.round(value)));
}

function angleCode(angleRad: number, unit: number, modulus: number): number {
  const code = Math.round(angleRad / unit) % modulus;
  return code < 0 ? code + modulus : code;
}

function writeMinutiae(out: ByteWriter, t: FingerprintTemplate, unit: number, modulus: number): void {
  for (const m of t.minutiae) {
    out.u16((minutiaTypeCode(m.type) << 14) | clampCoordinate(m.x, t.width));
    out.u16(clampCoordinate(m.y, t.height));
    out.u8(angleCode(m.angleRad, unit, modulus));
    out.u8(Math.min(100, Math.max(0, Math.round(m.quality))));
  }
}

function clampQuality(q: number): number {
  return Math.min(100, Math.max(0, Math.round(q)));
}

/**
 * What the ISO 2005 and ANSI 378-2004 records share after their headers: image size, resolution, the
 * finger views with their minutiae (in the record's angle unit), no extended data. The image size and
 * resolution come from the first template.
 */
function writeImageAndViews(
  out: ByteWriter,
  list: FingerprintTemplate[],
  options: WriteOptions,
  angleUnit: number,
  angleModulus: number,
): void {
  const first = list[0];
  const numbers = viewNumbers(list);
  out.u16(first.width).u16(first.height);
  const resolution = pixelsPerCmFromPpi(first.ppi);
  out.u16(resolution).u16(resolution);
  out.u8(list.length).u8(0);
  for (const [i, t] of list.entries()) {
    out.u8(t.position ?? 0);
    out.u8((numbers[i] << 4) | ((options.impressionType ?? 0) & 0x0f));
    out.u8(clampQuality(t.quality));
    out.u8(t.minutiae.length);
    writeMinutiae(out, { ...t, width: first.width, height: first.height }, angleUnit, angleModulus);
    out.u16(0); // no extended data
  }
}

/**
 * ISO/IEC 19794-2:2005 record. Several templates become several finger views; the general header's image
 * size and resolution come from the first.
 */
export function writeIsoRecord(
  templates: FingerprintTemplate | FingerprintTemplate[],
  options: WriteOptions = {},
): Uint8Array {
  const out = new ByteWriter();
  out.ascii('FMR\0 20\0');
  out.u32(0); // patched below
  out.u16(0); // capture equipment: no compliance claimed, ID unreported
  writeImageAndViews(out, asList(templates), options, ISO_ANGLE_UNIT, 256);
  out.patchU32(8, out.length);
  return out.toBytes();
}

/** ANSI INCITS 378-2004 record (2-byte record length, or the 6-byte form above 65535 bytes). */
export function writeAnsi378Record(
  templates: FingerprintTemplate | FingerprintTemplate[],
  options: WriteOptions = {},
): Uint8Array {
  const body = new ByteWriter();
  body.u16(0x0000).u16(0x0000); // CBEFF product identifier: owner and type unreported
  body.u16(0); // capture equipment: no compliance claimed, ID unreported
  writeImageAndViews(body, asList(templates), options, ANSI_ANGLE_UNIT, 180);
  const out = new ByteWriter();
  out.ascii('FMR\0 20\0');
  const shortTotal = 10 + body.length;
  if (shortTotal <= 0xffff) {
    out.u16(shortTotal);
  } else {
    out.u16(0).u32(14 + body.length);
  }
  out.bytes(body.toBytes());
  return out.toBytes();
}
