/**
 * Windows BMP reader (the sharp build in use has no BMP loader). Handles the BITMAPCOREHEADER (12 bytes),
 * BITMAPINFOHEADER (40) and its V2-V5 extensions, 1/4/8-bit palettes, 16/24/32-bit direct colour (BI_RGB and
 * BI_BITFIELDS), bottom-up and top-down rows. RLE-compressed files are rejected: scanners do not write them.
 * Output is interleaved RGB, 3 bytes per pixel, top row first.
 */
import { IdmError } from '../../errors.js';
import { ByteReader } from './bytes.js';

export interface BmpHeader {
  width: number;
  height: number;
  /** From biXPelsPerMeter when present and non-zero. */
  ppi?: number;
}

interface ParsedHeader extends BmpHeader {
  pixelOffset: number;
  bitsPerPixel: number;
  compression: number;
  topDown: boolean;
  palette: Uint8Array; // RGB triplets
  masks: [number, number, number];
}

function fail(message: string): never {
  throw new IdmError('IDM_BAD_IMAGE', `BMP: ${message}`);
}

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

function readLe(bytes: Uint8Array, at: number, size: 2 | 4): number {
  if (at + size > bytes.length) fail(`truncated header (needs byte ${at + size}, file has ${bytes.length})`);
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + bytes[at + i];
  return value;
}

function signed32(value: number): number {
  return value >= 0x80000000 ? value - 0x100000000 : value;
}

function parseHeader(bytes: Uint8Array): ParsedHeader {
  if (!isBmp(bytes)) fail('missing "BM" signature');
  const pixelOffset = readLe(bytes, 10, 4);
  const infoSize = readLe(bytes, 14, 4);
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = 0;
  let paletteCount = 0;
  let paletteEntrySize = 4;
  let ppi: number | undefined;
  if (infoSize === 12) {
    width = readLe(bytes, 18, 2);
    height = readLe(bytes, 20, 2);
    bitsPerPixel = readLe(bytes, 24, 2);
    paletteEntrySize = 3;
  } else if (infoSize >= 40) {
    width = signed32(readLe(bytes, 18, 4));
    height = signed32(readLe(bytes, 22, 4));
    bitsPerPixel = readLe(bytes, 28, 2);
    compression = readLe(bytes, 30, 4);
    const pelsPerMetre = readLe(bytes, 38, 4);
    if (pelsPerMetre > 0) ppi = Math.round(pelsPerMetre * 0.0254 * 100) / 100;
    paletteCount = readLe(bytes, 46, 4);
  } else {
    return fail(`unsupported info header size ${infoSize}`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0) fail(`invalid dimensions ${width}x${height}`);
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) fail(`unsupported bit depth ${bitsPerPixel}`);
  if (compression !== 0 && compression !== 3)
    fail(`unsupported compression ${compression} (only uncompressed)`);
  let masks: [number, number, number] =
    bitsPerPixel === 16 ? [0x7c00, 0x03e0, 0x001f] : [0x00ff0000, 0x0000ff00, 0x000000ff];
  if (compression === 3) {
    // BI_BITFIELDS: masks follow a 40-byte header, or live inside the V4/V5 header at the same offset.
    masks = [readLe(bytes, 54, 4), readLe(bytes, 58, 4), readLe(bytes, 62, 4)];
    if (masks.some((m) => m === 0)) fail('zero colour mask');
  }
  let palette = new Uint8Array(0);
  if (bitsPerPixel <= 8) {
    const count = paletteCount > 0 ? paletteCount : 1 << bitsPerPixel;
    if (count > 256) fail(`palette of ${count} entries`);
    const start = 14 + infoSize + (compression === 3 && infoSize === 40 ? 12 : 0);
    if (start + count * paletteEntrySize > bytes.length) fail('truncated palette');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < count; i++) {
      const at = start + i * paletteEntrySize;
      palette[i * 3] = bytes[at + 2];
      palette[i * 3 + 1] = bytes[at + 1];
      palette[i * 3 + 2] = bytes[at];
    }
  }
  return { width, height, ppi, pixelOffset, bitsPerPixel, compression, topDown, palette, masks };
}

/** Dimensions and resolution without touching the pixel data (for limits checked before decoding). */
export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  const { width, height, ppi } = parseHeader(bytes);
  return { width, height, ppi };
}

function maskShift(mask: number): { shift: number; max: number } {
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

export function decodeBmp(bytes: Uint8Array): BmpHeader & { rgb: Uint8Array } {
  const h = parseHeader(bytes);
  const rowBytes = Math.ceil((h.width * h.bitsPerPixel) / 32) * 4;
  const reader = new ByteReader(bytes, 'IDM_BAD_IMAGE', 'BMP');
  if (h.pixelOffset + rowBytes * h.height > bytes.length) {
    reader.fail(
      `pixel data truncated (${rowBytes * h.height} bytes expected from offset ${h.pixelOffset}, file has ${bytes.length})`,
    );
  }
  const rgb = new Uint8Array(h.width * h.height * 3);
  const channels = h.masks.map(maskShift);
  for (let row = 0; row < h.height; row++) {
    const src = h.pixelOffset + (h.topDown ? row : h.height - 1 - row) * rowBytes;
    let out = row * h.width * 3;
    for (let x = 0; x < h.width; x++, out += 3) {
      if (h.bitsPerPixel <= 8) {
        const bitOffset = x * h.bitsPerPixel;
        const byte = bytes[src + (bitOffset >> 3)];
        const index = (byte >> (8 - h.bitsPerPixel - (bitOffset & 7))) & ((1 << h.bitsPerPixel) - 1);
        rgb[out] = h.palette[index * 3];
        rgb[out + 1] = h.palette[index * 3 + 1];
        rgb[out + 2] = h.palette[index * 3 + 2];
      } else if (h.bitsPerPixel === 24 && h.compression === 0) {
        const at = src + x * 3;
        rgb[out] = bytes[at + 2];
        rgb[out + 1] = bytes[at + 1];
        rgb[out + 2] = bytes[at];
      } else {
        const at = src + x * (h.bitsPerPixel >> 3);
        const value =
          h.bitsPerPixel === 16
            ? bytes[at] | (bytes[at + 1] << 8)
            : (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
        for (let c = 0; c < 3; c++) {
          const { shift, max } = channels[c];
          rgb[out + c] = Math.round((((value & h.masks[c]) >>> shift) * 255) / max);
        }
      }
    }
  }
  return { width: h.width, height: h.height, ppi: h.ppi, rgb };
}
