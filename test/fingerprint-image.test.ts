import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { IdmError } from '../engine/errors.js';
import { encodeWsq } from '../engine/fingerprint/formats/wsq.js';
import {
  decodeFingerprintImage,
  detectImageFormat,
  encodePng,
  readDeclaredPpi,
  resampleGray,
} from '../engine/fingerprint/image.js';
import type { GrayImage } from '../engine/fingerprint/types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(repoRoot, '../shared/data/fingerprint');
const tripletDir = join(dataDir, 'sourceafis-triplet');
const fvcDir = join(dataDir, 'fvc2002');

function gradient(width: number, height: number, ppi = 500): GrayImage {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) pixels[y * width + x] = (x * 7 + y * 3) % 256;
  return { width, height, ppi, pixels };
}

async function expectCode(run: () => Promise<unknown>, code: string): Promise<IdmError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdmError);
    expect((error as IdmError).code).toBe(code);
    return error as IdmError;
  }
  throw new Error(`expected ${code}`);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A BMP file built by hand: 8-bit palette (grey ramp) or 24-bit, bottom-up unless `topDown`. */
function bmp(image: GrayImage, bits: 8 | 24, topDown = false, ppi = 0): Uint8Array {
  const rowBytes = Math.ceil((image.width * bits) / 32) * 4;
  const paletteBytes = bits === 8 ? 1024 : 0;
  const offset = 54 + paletteBytes;
  const out = new Uint8Array(offset + rowBytes * image.height);
  const view = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  view.setUint32(2, out.length, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, image.width, true);
  view.setInt32(22, topDown ? -image.height : image.height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bits, true);
  view.setUint32(38, Math.round(ppi / 0.0254), true);
  view.setUint32(42, Math.round(ppi / 0.0254), true);
  if (bits === 8) for (let i = 0; i < 256; i++) out.set([i, i, i, 0], 54 + i * 4);
  for (let y = 0; y < image.height; y++) {
    const row = offset + (topDown ? y : image.height - 1 - y) * rowBytes;
    for (let x = 0; x < image.width; x++) {
      const v = image.pixels[y * image.width + x];
      if (bits === 8) out[row + x] = v;
      else out.set([v, v, v], row + x * 3);
    }
  }
  return out;
}

describe('fingerprint image loading (images built here)', () => {
  const image = gradient(120, 90, 500);

  it('detects formats by their magic bytes', async () => {
    const png = await encodePng(image);
    const jpeg = await sharp(image.pixels, { raw: { width: 120, height: 90, channels: 1 } })
      .jpeg()
      .toBuffer();
    const tiff = await sharp(image.pixels, { raw: { width: 120, height: 90, channels: 1 } })
      .tiff()
      .toBuffer();
    expect(detectImageFormat(png)).toBe('png');
    expect(detectImageFormat(jpeg)).toBe('jpeg');
    expect(detectImageFormat(tiff)).toBe('tiff');
    expect(detectImageFormat(bmp(image, 8))).toBe('bmp');
    expect(detectImageFormat(encodeWsq(image))).toBe('wsq');
    expect(detectImageFormat(new TextEncoder().encode('hello world'))).toBeUndefined();
  });

  it('round-trips PNG losslessly with the resolution in pHYs', async () => {
    const png = await encodePng({ ...image, ppi: 500 });
    expect(readDeclaredPpi(png)).toBeCloseTo(500, 0);
    const back = await decodeFingerprintImage(png);
    expect([back.width, back.height, back.ppi]).toEqual([120, 90, 500]);
    expect(back.pixels).toEqual(image.pixels);
  });

  it('resamples to 500 ppi using the file resolution, unless the request states another', async () => {
    const png = await encodePng({ ...image, ppi: 1000 });
    const normalised = await decodeFingerprintImage(png);
    expect([normalised.width, normalised.height, normalised.ppi]).toEqual([60, 45, 500]);
    const native = await decodeFingerprintImage(png, { keepResolution: true });
    expect([native.width, native.ppi]).toEqual([120, 1000]);
    const overridden = await decodeFingerprintImage(png, { ppi: 250 });
    expect([overridden.width, overridden.height]).toEqual([240, 180]);
    const same = await resampleGray({ ...image, ppi: 501 });
    expect(same.pixels).toBe(image.pixels); // within 0.5%: no resampling
  });

  it('ignores editor-default densities such as 72 dpi', async () => {
    const png = await sharp(image.pixels, { raw: { width: 120, height: 90, channels: 1 } })
      .withMetadata({ density: 72 })
      .png()
      .toBuffer();
    expect(readDeclaredPpi(png)).toBeUndefined();
    expect((await decodeFingerprintImage(png)).width).toBe(120);
  });

  it('reads JPEG density, TIFF resolution and BMP pixels per metre', async () => {
    const raw = { raw: { width: 120, height: 90, channels: 1 as const } };
    const jpeg = await sharp(image.pixels, raw)
      .withMetadata({ density: 1000 })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect(readDeclaredPpi(jpeg)).toBe(1000);
    const tiff = await sharp(image.pixels, raw)
      .withMetadata({ density: 1000 })
      .tiff({ compression: 'lzw' })
      .toBuffer();
    expect(readDeclaredPpi(tiff)).toBeCloseTo(1000, 0);
    expect(readDeclaredPpi(bmp(image, 8, false, 1000))).toBeCloseTo(1000, 0);
    const decodedTiff = await decodeFingerprintImage(tiff, { keepResolution: true });
    expect(decodedTiff.pixels).toEqual(image.pixels);
    const decodedJpeg = await decodeFingerprintImage(jpeg, { keepResolution: true });
    let diff = 0;
    for (let i = 0; i < image.pixels.length; i++) diff += Math.abs(decodedJpeg.pixels[i] - image.pixels[i]);
    expect(diff / image.pixels.length).toBeLessThan(4);
  });

  it('reduces 16-bit and RGBA images to 8-bit grey (alpha over white)', async () => {
    const png16 = await sharp(image.pixels, { raw: { width: 120, height: 90, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    expect(png16[24]).toBe(16); // IHDR bit depth
    expect((await decodeFingerprintImage(png16, { keepResolution: true })).pixels).toEqual(image.pixels);
    const halfRed = await sharp({
      create: { width: 4, height: 3, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const grey = await decodeFingerprintImage(halfRed, { keepResolution: true });
    expect(grey.pixels.length).toBe(12);
    expect(grey.pixels[0]).toBeGreaterThan(140); // (255, 128, 128) after flattening, not black
    expect(grey.pixels[0]).toBeLessThan(200);
  });

  it('decodes 8-bit palette and 24-bit BMP, bottom-up and top-down', async () => {
    for (const [bits, topDown] of [
      [8, false],
      [8, true],
      [24, false],
    ] as const) {
      const decoded = await decodeFingerprintImage(bmp(image, bits, topDown), { keepResolution: true });
      expect(decoded.pixels).toEqual(image.pixels);
    }
  });

  it('decodes WSQ with the resolution from its comment', async () => {
    const decoded = await decodeFingerprintImage(encodeWsq({ ...image, ppi: 1000 }, 2), {
      keepResolution: true,
    });
    expect([decoded.width, decoded.height, decoded.ppi]).toEqual([120, 90, 1000]);
  });

  it('rejects zip-bomb dimensions from the header, before decoding', async () => {
    const png = new Uint8Array(await encodePng(image));
    // IHDR data starts at byte 16: width, height; its CRC covers the type and data (bytes 12-28).
    const view = new DataView(png.buffer, png.byteOffset);
    view.setUint32(16, 100_000);
    view.setUint32(20, 100_000);
    view.setUint32(29, crc32(png.subarray(12, 29)));
    const error = await expectCode(() => decodeFingerprintImage(png), 'IDM_IMAGE_TOO_LARGE');
    expect(error.message).toMatch(/100000x100000/);
    const hugeBmp = bmp(image, 8);
    new DataView(hugeBmp.buffer).setInt32(18, 70_000, true);
    new DataView(hugeBmp.buffer).setInt32(22, 70_000, true);
    await expectCode(() => decodeFingerprintImage(hugeBmp), 'IDM_IMAGE_TOO_LARGE');
    const small = await encodePng(image);
    await expectCode(() => decodeFingerprintImage(small, { maxPixels: 1000 }), 'IDM_IMAGE_TOO_LARGE');
  });

  it('rejects unknown, truncated and corrupt data with IDM_BAD_IMAGE', async () => {
    await expectCode(
      () => decodeFingerprintImage(new TextEncoder().encode('not an image at all')),
      'IDM_BAD_IMAGE',
    );
    const png = await encodePng(image);
    await expectCode(() => decodeFingerprintImage(png.subarray(0, 60)), 'IDM_BAD_IMAGE');
    await expectCode(() => decodeFingerprintImage(bmp(image, 24).subarray(0, 500)), 'IDM_BAD_IMAGE');
    await expectCode(() => decodeFingerprintImage(png, { ppi: -3 }), 'IDM_VALIDATION');
  });
});

describe.skipIf(!existsSync(tripletDir))('shared fingerprint images', () => {
  if (!existsSync(tripletDir)) console.warn(`skipping: ${tripletDir} missing`);

  it('decodes the probe as PNG, BMP and JPEG to the same 388x374 raster', async () => {
    const png = await decodeFingerprintImage(readFileSync(join(tripletDir, 'probe.png')));
    const bmpImage = await decodeFingerprintImage(readFileSync(join(tripletDir, 'probe.bmp')));
    const jpeg = await decodeFingerprintImage(readFileSync(join(tripletDir, 'probe.jpeg')));
    for (const image of [png, bmpImage, jpeg])
      expect([image.width, image.height, image.ppi]).toEqual([388, 374, 500]);
    expect(bmpImage.pixels).toEqual(png.pixels);
    let diff = 0;
    for (let i = 0; i < png.pixels.length; i++) diff += Math.abs(jpeg.pixels[i] - png.pixels[i]);
    expect(diff / png.pixels.length).toBeLessThan(6);
  });

  it.skipIf(!existsSync(fvcDir))(
    'decodes FVC2002 TIFFs and resamples the 569 ppi sensor to 500 ppi',
    async () => {
      const db1 = await decodeFingerprintImage(readFileSync(join(fvcDir, 'DB1_B/101_1.tif')));
      expect([db1.width, db1.height]).toEqual([388, 374]);
      const db2 = await decodeFingerprintImage(readFileSync(join(fvcDir, 'DB2_B/101_1.tif')), { ppi: 569 });
      expect([db2.width, db2.height, db2.ppi]).toEqual([
        Math.round((296 * 500) / 569),
        Math.round((560 * 500) / 569),
        500,
      ]);
    },
  );
});

/**
 * A lossless JPEG (T.81 process 14) written here: every difference category 0-11 gets a 4-bit code, the
 * chosen predictor, optional restart interval (in samples, a multiple of the width).
 */
function losslessJpeg(image: GrayImage, predictor: number, restartRows = 0): Uint8Array {
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) =>
    out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  const { width, height, pixels } = image;
  segment(0xc3, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  const counts = new Array(16).fill(0);
  counts[3] = 12; // 12 codes of length 4: category k has code k
  segment(0xc4, [0x00, ...counts, ...Array.from({ length: 12 }, (_, k) => k)]);
  if (restartRows) segment(0xdd, [(restartRows * width) >> 8, (restartRows * width) & 0xff]);
  segment(0xda, [1, 1, 0x00, predictor, 0, 0]);
  let buffer = 0;
  let filled = 0;
  const put = (value: number, bits: number) => {
    for (let i = bits - 1; i >= 0; i--) {
      buffer = (buffer << 1) | ((value >> i) & 1);
      if (++filled === 8) {
        out.push(buffer);
        if (buffer === 0xff) out.push(0);
        buffer = 0;
        filled = 0;
      }
    }
  };
  const flush = () => {
    if (filled) put(0xff, 8 - filled);
  };
  let intervalRow = 0;
  let restart = 0;
  for (let y = 0; y < height; y++) {
    if (restartRows && y > 0 && y % restartRows === 0) {
      flush();
      out.push(0xff, 0xd0 + (restart++ % 8));
      intervalRow = y;
    }
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const a = pixels[i - 1];
      const b = pixels[i - width];
      const c = pixels[i - width - 1];
      const modes = [0, a, b, c, a + b - c, a + ((b - c) >> 1), b + ((a - c) >> 1), (a + b) >> 1];
      const prediction =
        y === intervalRow && x === 0 ? 128 : y === intervalRow ? a : x === 0 ? b : modes[predictor];
      let diff = (pixels[i] - prediction) % 65536;
      if (diff > 32767) diff -= 65536;
      if (diff < -32768) diff += 65536;
      const category = diff === 0 ? 0 : 32 - Math.clz32(Math.abs(diff));
      put(category, 4);
      if (category > 0) put(diff > 0 ? diff : diff + (1 << category) - 1, category);
    }
  }
  flush();
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}

describe('lossless JPEG (SOF3), which sharp cannot read', () => {
  const image = gradient(37, 23);
  for (let i = 0; i < image.pixels.length; i += 7) image.pixels[i] = 255 - image.pixels[i];

  it.each([1, 2, 3, 4, 5, 6, 7])('decodes predictor %i exactly', async (predictor) => {
    const decoded = await decodeFingerprintImage(losslessJpeg(image, predictor), { keepResolution: true });
    expect([decoded.width, decoded.height]).toEqual([37, 23]);
    expect(decoded.pixels).toEqual(image.pixels);
  });

  it('handles restart intervals', async () => {
    const decoded = await decodeFingerprintImage(losslessJpeg(image, 4, 5), { keepResolution: true });
    expect(decoded.pixels).toEqual(image.pixels);
  });

  it('rejects truncation with IDM_BAD_IMAGE', async () => {
    const bytes = losslessJpeg(image, 4);
    for (let cut = 4; cut < bytes.length - 2; cut += 9) {
      await expectCode(() => decodeFingerprintImage(bytes.subarray(0, cut)), 'IDM_BAD_IMAGE');
    }
  });
});
