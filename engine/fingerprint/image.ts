/**
 * Plain fingerprint image loading: WSQ, PNG, JPEG, TIFF and BMP bytes in, an 8-bit greyscale raster at
 * 500 ppi out.
 *
 * Order of work, so that hostile input costs little: detect the format from its magic bytes, read the
 * dimensions from the header alone and reject anything above the pixel limit (IDM_IMAGE_TOO_LARGE), and only
 * then decode. sharp decodes PNG, JPEG and TIFF; WSQ, BMP and lossless JPEG use this project's readers.
 *
 * Resolution: the request's `ppi` when given, else the file's own (PNG pHYs, JPEG JFIF density, TIFF
 * XResolution/ResolutionUnit, BMP pixels per metre, WSQ NISTCOM PPI), else 500. File densities under
 * 150 ppi are treated as editor defaults (72 and 96 dpi are written by almost every tool) rather than as a
 * real scan resolution. The raster is resampled to 500 ppi unless `keepResolution` is set.
 */
import sharp from 'sharp';

import { IdmError } from '../errors.js';
import { decodeBmp, isBmp, readBmpHeader } from './formats/bmp.js';
import { decodeLosslessJpeg, isLosslessJpeg } from './formats/jpeg-lossless.js';
import { decodeWsq, isWsq, readWsqHeader } from './formats/wsq.js';
import type { GrayImage } from './types.js';

export type FingerprintImageFormat = 'wsq' | 'png' | 'jpeg' | 'tiff' | 'bmp';

/** The resolution every later stage of the pipeline assumes (ANSI/NIST-ITL and FBI 500 ppi class). */
export const TARGET_PPI = 500;
/** 40 megapixels: a 1000 ppi full palm is about 20 MP; anything far beyond is a decompression bomb. */
export const DEFAULT_MAX_PIXELS = 40_000_000;
/** File densities below this are tool defaults (72, 96 dpi), not scan resolutions. */
const MIN_CREDIBLE_FILE_PPI = 150;
/** Resample only when the resolution differs from the target by more than this fraction. */
const RESAMPLE_TOLERANCE = 0.005;

export interface DecodeImageOptions {
  /** Scan resolution to assume, overriding the file's. */
  ppi?: number;
  /** Largest accepted width x height, checked from the header before decoding. */
  maxPixels?: number;
  /** Return the raster at its own resolution instead of resampling to 500 ppi. */
  keepResolution?: boolean;
}

export function detectImageFormat(bytes: Uint8Array): FingerprintImageFormat | undefined {
  const b = bytes;
  if (isWsq(b)) return 'wsq';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42))
  ) {
    return 'tiff';
  }
  if (isBmp(b)) return 'bmp';
  return undefined;
}

function badImage(message: string, cause?: unknown): never {
  throw new IdmError('IDM_BAD_IMAGE', message, cause instanceof Error ? { cause: cause.message } : undefined);
}

export function checkPixelLimit(width: number, height: number, maxPixels: number, what: string): void {
  if (!(width > 0 && height > 0)) badImage(`${what}: invalid dimensions ${width}x${height}`);
  if (width * height > maxPixels) {
    throw new IdmError(
      'IDM_IMAGE_TOO_LARGE',
      `${what}: ${width}x${height} = ${width * height} pixels exceeds the limit of ${maxPixels}`,
      { width, height, maxPixels },
    );
  }
}

// --- resolution from the file headers

function u32be(b: Uint8Array, at: number): number {
  return b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}

/** PNG pHYs chunk (ISO/IEC 15948 11.3.5.3): pixels per unit, unit 1 = metre. */
function pngPpi(b: Uint8Array): number | undefined {
  let at = 8;
  while (at + 12 <= b.length) {
    const length = u32be(b, at);
    const type = String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
    if (type === 'IDAT' || type === 'IEND') return undefined;
    if (type === 'pHYs' && length >= 9 && at + 17 <= b.length) {
      return b[at + 16] === 1 ? u32be(b, at + 8) * 0.0254 : undefined;
    }
    at += 12 + length;
  }
  return undefined;
}

/**
 * JPEG density: the JFIF APP0 segment (units 1 = dots per inch, 2 = dots per cm, 0 = aspect ratio only), else
 * the EXIF APP1 segment's TIFF XResolution (what sharp and most cameras write).
 */
function jpegPpi(b: Uint8Array): number | undefined {
  let at = 2;
  let exif: number | undefined;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1];
    const length = (b[at + 2] << 8) | b[at + 3];
    if (marker === 0xda || marker === 0xd9) break;
    const id = String.fromCharCode(...b.subarray(at + 4, Math.min(at + 10, b.length)));
    if (marker === 0xe0 && length >= 14 && at + 16 <= b.length && id.startsWith('JFIF\0')) {
      const units = b[at + 11];
      const x = (b[at + 12] << 8) | b[at + 13];
      if (units === 1) return x;
      if (units === 2) return x * 2.54;
    }
    if (marker === 0xe1 && id === 'Exif\0\0' && exif === undefined) {
      exif = tiffPpi(b.subarray(at + 10, Math.min(b.length, at + 2 + length)));
    }
    at += 2 + length;
  }
  return exif;
}

/** TIFF XResolution (tag 282, RATIONAL) with ResolutionUnit (296: 2 inch, the default; 3 centimetre). */
function tiffPpi(b: Uint8Array): number | undefined {
  const little = b[0] === 0x49;
  const u16 = (at: number) => (little ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1]);
  const u32 = (at: number) =>
    little ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0 : u32be(b, at);
  if (b.length < 8) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > b.length) return undefined;
  const count = u16(ifd);
  let resolution: number | undefined;
  let unit = 2;
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > b.length) return undefined;
    const tag = u16(entry);
    if (tag === 282) {
      const at = u32(entry + 8);
      if (at + 8 > b.length) return undefined;
      const denominator = u32(at + 4);
      resolution = denominator > 0 ? u32(at) / denominator : undefined;
    } else if (tag === 296) {
      unit = u16(entry + 8);
    }
  }
  if (resolution === undefined || unit === 1) return undefined;
  return unit === 3 ? resolution * 2.54 : resolution;
}

/** The scan resolution a file declares, if it declares a credible one. */
export function readDeclaredPpi(bytes: Uint8Array): number | undefined {
  const format = detectImageFormat(bytes);
  let ppi: number | undefined;
  try {
    if (format === 'png') ppi = pngPpi(bytes);
    else if (format === 'jpeg') ppi = jpegPpi(bytes);
    else if (format === 'tiff') ppi = tiffPpi(bytes);
    else if (format === 'bmp') ppi = readBmpHeader(bytes).ppi;
    else if (format === 'wsq') ppi = readWsqHeader(bytes).ppi;
  } catch {
    return undefined;
  }
  if (ppi === undefined || !Number.isFinite(ppi) || ppi < MIN_CREDIBLE_FILE_PPI || ppi > 100_000)
    return undefined;
  return Math.round(ppi * 100) / 100;
}

// --- decoding

async function decodeWithSharp(bytes: Uint8Array, maxPixels: number, format: string): Promise<GrayImage> {
  let metadata: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    return badImage(`${format}: cannot read the header`, error);
  }
  checkPixelLimit(metadata.width ?? 0, metadata.height ?? 0, maxPixels, format);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .flatten({ background: '#ffffff' })
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) badImage(`${format}: decoder returned ${info.channels} channels instead of 1`);
    const count = info.width * info.height;
    let pixels: Uint8Array;
    if (data.length === count) {
      pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
    } else if (data.length === 2 * count) {
      // 16-bit images come back as native-endian 16-bit samples: keep the high byte.
      const wide = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
      pixels = new Uint8Array(count);
      for (let i = 0; i < count; i++) pixels[i] = wide[i] >> 8;
    } else {
      return badImage(
        `${format}: decoder returned ${data.length} bytes for ${info.width}x${info.height} pixels`,
      );
    }
    return { width: info.width, height: info.height, ppi: TARGET_PPI, pixels };
  } catch (error) {
    if (error instanceof IdmError) throw error;
    return badImage(`${format}: cannot decode the image data`, error);
  }
}

async function decodeBmpGray(bytes: Uint8Array, maxPixels: number): Promise<GrayImage> {
  const header = readBmpHeader(bytes);
  checkPixelLimit(header.width, header.height, maxPixels, 'bmp');
  const { width, height, rgb } = decodeBmp(bytes);
  // The same colour-to-grey conversion as for PNG and JPEG, so that one scan saved as BMP and PNG agrees.
  const data = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .toColourspace('b-w')
    .raw({ depth: 'uchar' })
    .toBuffer();
  return {
    width,
    height,
    ppi: TARGET_PPI,
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** Resamples a raster from its `ppi` to `targetPpi` (Lanczos, as for any photographic downscale). */
export async function resampleGray(image: GrayImage, targetPpi: number = TARGET_PPI): Promise<GrayImage> {
  const scale = targetPpi / image.ppi;
  if (Math.abs(scale - 1) <= RESAMPLE_TOLERANCE) return { ...image, ppi: targetPpi };
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const data = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 1 } })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .toColourspace('b-w')
    .raw({ depth: 'uchar' })
    .toBuffer();
  return { width, height, ppi: targetPpi, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * Decodes WSQ, PNG, JPEG, TIFF or BMP bytes to 8-bit grey (0 black), resampled to 500 ppi.
 * Throws IDM_BAD_IMAGE for unknown or corrupt data, IDM_IMAGE_TOO_LARGE before decoding oversized images, and
 * IDM_WSQ_FORMAT / IDM_WSQ_HUFFMAN for malformed WSQ streams.
 */
export async function decodeFingerprintImage(
  bytes: Uint8Array,
  options: DecodeImageOptions = {},
): Promise<GrayImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (options.ppi !== undefined && !(options.ppi > 0 && options.ppi < 100_000)) {
    throw new IdmError('IDM_VALIDATION', `ppi must be a positive resolution, got ${options.ppi}`);
  }
  const format = detectImageFormat(bytes);
  let image: GrayImage;
  switch (format) {
    case 'wsq': {
      const header = readWsqHeader(bytes);
      checkPixelLimit(header.width, header.height, maxPixels, 'wsq');
      image = decodeWsq(bytes, { maxPixels });
      break;
    }
    case 'bmp':
      image = await decodeBmpGray(bytes, maxPixels);
      break;
    case 'jpeg':
      // libjpeg (and so sharp) has no lossless mode; ANSI/NIST "JPEGL" images use it.
      image = isLosslessJpeg(bytes)
        ? decodeLosslessJpeg(bytes, maxPixels)
        : await decodeWithSharp(bytes, maxPixels, format);
      break;
    case 'png':
    case 'tiff':
      image = await decodeWithSharp(bytes, maxPixels, format);
      break;
    default:
      return badImage(
        `unrecognised image format (first bytes ${Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ')}); expected WSQ, PNG, JPEG, TIFF or BMP`,
      );
  }
  image.ppi = options.ppi ?? readDeclaredPpi(bytes) ?? TARGET_PPI;
  return options.keepResolution ? image : resampleGray(image, TARGET_PPI);
}

/** Encodes a raster as an 8-bit greyscale PNG carrying its resolution in pHYs. */
export async function encodePng(image: GrayImage): Promise<Uint8Array> {
  if (image.pixels.length !== image.width * image.height) {
    throw new IdmError(
      'IDM_BAD_IMAGE',
      `raster holds ${image.pixels.length} bytes for ${image.width}x${image.height}`,
    );
  }
  const data = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 1 } })
    .withMetadata({ density: image.ppi })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
