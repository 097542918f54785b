/**
 * ANSI/NIST-ITL image records: their resolution, decoding their pixels (WSQ, raw grey or RGB, 1-bit binary,
 * PNG, JPEG incl. lossless, TIFF/G4 signatures), building Type-4 and Type-14 records from a raster, and
 * telling latents from exemplars.
 */
import { IdmError } from '../../errors.js';
import { decodeFingerprintImage } from '../image.js';
import type { GrayImage } from '../types.js';
import {
  describeTaggedFinger,
  describeTaggedImage,
  fail,
  fieldNumber,
  type NistField,
  type NistRecord,
  type NistTransaction,
} from './ansi-nist.js';
import { decodeWsq, encodeWsq } from './wsq.js';

// --- resolution and images

/** Native scanning resolution of binary records from Type-1 NSR/NTR (pixels per millimetre). */
function type1Resolution(tx: NistTransaction, isr: number): number | undefined {
  const ppmm = fieldNumber(tx.records[0], isr === 1 ? 12 : 11);
  return ppmm && ppmm > 0 ? Math.round(ppmm * 25.4 * 100) / 100 : undefined;
}

/** The record's resolution in ppi: its own scale, else the Type-1 NSR/NTR, else 500 (the class of Types 4 and 14). */
export function recordPpi(tx: NistTransaction, record: NistRecord): number {
  if (record.image?.ppi) return record.image.ppi;
  const isr = record.binaryHeader?.ISR;
  if (typeof isr === 'number') {
    const fromType1 = type1Resolution(tx, isr);
    if (fromType1) return fromType1;
  }
  return 500;
}

function unpackBits(data: Uint8Array, width: number, height: number): Uint8Array {
  const rowBytes = Math.ceil(width / 8);
  if (data.length < rowBytes * height)
    fail(`binary image needs ${rowBytes * height} bytes, record holds ${data.length}`);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // A set bit is black (ridge / ink).
      out[y * width + x] = (data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1 ? 0 : 255;
    }
  }
  return out;
}

export interface DecodeNistImageOptions {
  maxPixels?: number;
}

/**
 * Decodes a record's image to 8-bit grey at the record's own resolution (callers that need 500 ppi resample
 * with `resampleGray`). Throws IDM_BAD_IMAGE for records without an image or with an unsupported codec
 * (JPEG 2000, vector signatures).
 */
export async function decodeNistImage(
  tx: NistTransaction,
  record: NistRecord,
  options: DecodeNistImageOptions = {},
): Promise<GrayImage> {
  const info = record.image;
  const data = record.data;
  if (!info || !data)
    throw new IdmError('IDM_BAD_IMAGE', `Type-${record.type} record ${record.idc} holds no image`);
  const ppi = recordPpi(tx, record);
  const maxPixels = options.maxPixels ?? 40_000_000;
  if (info.width * info.height > maxPixels) {
    throw new IdmError(
      'IDM_IMAGE_TOO_LARGE',
      `${info.width}x${info.height} image exceeds the limit of ${maxPixels} pixels`,
    );
  }
  switch (info.compression) {
    case 'wsq': {
      const image = decodeWsq(data, { maxPixels });
      return { ...image, ppi };
    }
    case 'none': {
      const { width, height, bitsPerPixel } = info;
      const channels = bitsPerPixel / 8;
      if (channels !== 1 && channels !== 3) {
        throw new IdmError('IDM_BAD_IMAGE', `uncompressed ${bitsPerPixel}-bit images are not supported`);
      }
      if (data.length < width * height * channels) {
        fail(
          `uncompressed ${width}x${height}x${bitsPerPixel}-bit image needs ${width * height * channels} bytes, record holds ${data.length}`,
        );
      }
      if (channels === 1) return { width, height, ppi, pixels: data.slice(0, width * height) };
      const pixels = new Uint8Array(width * height);
      for (let i = 0; i < pixels.length; i++) {
        // ITU-R BT.601 luma.
        pixels[i] = Math.round(0.299 * data[3 * i] + 0.587 * data[3 * i + 1] + 0.114 * data[3 * i + 2]);
      }
      return { width, height, ppi, pixels };
    }
    case 'binary':
      return {
        width: info.width,
        height: info.height,
        ppi,
        pixels: unpackBits(data, info.width, info.height),
      };
    case 'jpeg-lossless':
    case 'jpeg':
    case 'png':
    case 'tiff':
      // decodeFingerprintImage routes lossless (SOF3) JPEG to this project's decoder, the rest to sharp.
      return decodeFingerprintImage(data, { ppi, maxPixels, keepResolution: true });
    default:
      throw new IdmError(
        'IDM_BAD_IMAGE',
        `Type-${record.type} image compressed as ${info.compressionCode || info.compression} cannot be decoded (JPEG 2000 and vector signatures are not supported)`,
      );
  }
}

// --- building records

export interface FingerprintImageRecordOptions {
  idc: number;
  image: GrayImage;
  /** Finger position codes (up to 6 for Type-4). */
  positions: number[];
  /** Impression type code (default 0, live-scan plain). */
  impressionType?: number;
  /** WSQ (default) or uncompressed 8-bit grey. */
  compression?: 'wsq' | 'none';
  /** WSQ bit rate in bits per pixel (default 0.75). */
  bitrate?: number;
  /** Type-14: source agency (14.004) and capture date YYYYMMDD (14.005). */
  source?: string;
  date?: string;
}

/**
 * A Type-4 (binary header, 500 ppi class, resolution from Type-1 NSR) or Type-14 (tagged, own resolution)
 * fingerprint image record, ready for `writeTransaction`.
 */
export function fingerprintImageRecord(type: 4 | 14, options: FingerprintImageRecordOptions): NistRecord {
  const { image, idc } = options;
  const wsq = (options.compression ?? 'wsq') === 'wsq';
  const data = wsq ? encodeWsq(image, options.bitrate) : image.pixels.slice();
  const impressionType = options.impressionType ?? 0;
  if (options.positions.length === 0) fail('a fingerprint image record needs at least one finger position');
  if (type === 4) {
    if (options.positions.length > 6) fail('a Type-4 record holds at most 6 finger positions');
    // Type-4 images are 500 ppi class (the Type-1 NSR); other resolutions belong in Type-14.
    if (Math.abs(image.ppi - 500) > 5) {
      fail(
        `a Type-4 record needs a 500 ppi image, got ${image.ppi} ppi (resample it or write a Type-14 record)`,
      );
    }
    const FGP = [...options.positions, 255, 255, 255, 255, 255, 255].slice(0, 6);
    return {
      type,
      idc,
      binaryHeader: {
        IMP: impressionType,
        FGP,
        ISR: 0,
        HLL: image.width,
        VLL: image.height,
        GCA: wsq ? 1 : 0,
      },
      data,
      image: {
        compression: wsq ? 'wsq' : 'none',
        compressionCode: wsq ? '1' : '0',
        width: image.width,
        height: image.height,
        bitsPerPixel: 8,
      },
      positions: [...options.positions],
      impressionType,
    };
  }
  const ppi = Math.round(image.ppi);
  const fields: NistField[] = [
    { tag: 2, value: String(idc).padStart(2, '0') },
    { tag: 3, value: String(impressionType) },
    { tag: 4, value: options.source ?? 'IDMATCH' },
    { tag: 5, value: options.date ?? '19700101' },
    { tag: 6, value: String(image.width) },
    { tag: 7, value: String(image.height) },
    { tag: 8, value: '1' },
    { tag: 9, value: String(ppi) },
    { tag: 10, value: String(ppi) },
    { tag: 11, value: wsq ? 'WSQ20' : 'NONE' },
    { tag: 12, value: '8' },
    { tag: 13, value: options.positions.join('\x1e') },
  ];
  const record: NistRecord = { type, idc, fields, data };
  describeTaggedImage(record);
  describeTaggedFinger(record);
  return record;
}

/** Roles of the image records: latents (Type-13, or impression types 4-7) and exemplars (Types 4 and 14). */
export interface FingerImageEntry {
  index: number;
  record: NistRecord;
  role: 'latent' | 'exemplar' | 'palm' | 'other';
  positions: number[];
}

const LATENT_IMPRESSIONS = new Set([4, 5, 6, 7]);

export function fingerImages(tx: NistTransaction): FingerImageEntry[] {
  const out: FingerImageEntry[] = [];
  tx.records.forEach((record, index) => {
    if (!record.image) return;
    const latent =
      record.type === 13 ||
      (record.impressionType !== undefined && LATENT_IMPRESSIONS.has(record.impressionType));
    const role = latent
      ? 'latent'
      : record.type === 4 || record.type === 14 || record.type === 3
        ? 'exemplar'
        : record.type === 15
          ? 'palm'
          : 'other';
    out.push({ index, record, role, positions: record.positions ?? [] });
  });
  return out;
}
