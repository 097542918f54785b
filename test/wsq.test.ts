import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { IdmError } from '../engine/errors.js';
import { decodeWsq, encodeWsq, isWsq, readWsqHeader } from '../engine/fingerprint/formats/wsq.js';
import { buildWsqTree } from '../engine/fingerprint/formats/wsq-tree.js';
import {
  analyseNode,
  filterBankFromTable,
  synthesiseNode,
  WSQ_H0_HALF,
  WSQ_H1_HALF,
} from '../engine/fingerprint/formats/wsq-transform.js';
import type { GrayImage } from '../engine/fingerprint/types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wsqDir = resolve(repoRoot, '../shared/data/fingerprint/wsq');

/** A deterministic fingerprint-like raster: curved ridges of period ~9 px with a little pseudo-random noise. */
function ridgeImage(width: number, height: number, ppi = 500): GrayImage {
  const pixels = new Uint8Array(width * height);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const r = Math.hypot(x - width * 0.45, y - height * 0.6);
      const v = 128 + 90 * Math.sin(r / 1.45 + 0.3 * Math.sin(x / 23)) + ((seed >>> 16) % 15) - 7;
      pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width, height, ppi, pixels };
}

function rmse(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / a.length);
}

function expectCode(run: () => unknown, codes: string[]): IdmError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdmError);
    expect(codes).toContain((error as IdmError).code);
    return error as IdmError;
  }
  throw new Error(`expected one of ${codes.join(', ')}`);
}

describe('WSQ wavelet packet structure', () => {
  it.each([
    [545, 622],
    [256, 256],
    [333, 101],
    [64, 37],
  ])('the 64 subbands of a %ix%i image tile it exactly once', (width, height) => {
    const { subbands, nodes } = buildWsqTree(width, height);
    const cover = new Uint8Array(width * height);
    for (const s of subbands) {
      for (let y = s.y; y < s.y + s.height; y++)
        for (let x = s.x; x < s.x + s.width; x++) cover[y * width + x]++;
    }
    expect(cover.every((c) => c === 1)).toBe(true);
    expect(nodes.length).toBe(20);
    expect(nodes[0]).toMatchObject({ x: 0, y: 0, width, height });
    // Lowest subband is the 1/32-scale approximation.
    expect(subbands[0].width).toBe(
      Math.ceil(Math.ceil(Math.ceil(Math.ceil(Math.ceil(width / 2) / 2) / 2) / 2) / 2),
    );
  });

  it('analysis followed by synthesis reconstructs the signal (biorthogonal 9/7, symmetric extension)', () => {
    const bank = filterBankFromTable(WSQ_H0_HALF, WSQ_H1_HALF);
    for (const [width, height, invertX, invertY] of [
      [16, 16, false, false],
      [17, 13, true, false],
      [9, 10, false, true],
      [7, 2, true, true],
      [3, 5, false, false],
    ] as const) {
      const data = Float32Array.from(
        { length: width * height },
        (_, i) => Math.sin(i * 0.7) * 50 + (i % 7) * 3,
      );
      const original = data.slice();
      const node = { x: 0, y: 0, width, height, invertX, invertY };
      analyseNode(data, width, node, bank);
      expect(data).not.toEqual(original);
      synthesiseNode(data, width, node, bank);
      for (let i = 0; i < data.length; i++) expect(Math.abs(data[i] - original[i])).toBeLessThan(1e-3);
    }
  });
});

describe('WSQ encoder and decoder on images built here', () => {
  const image = ridgeImage(300, 260, 500);

  it('round-trips with a quality that grows with the bit rate', () => {
    const low = encodeWsq(image, 0.75);
    const high = encodeWsq(image, 2.25);
    expect(isWsq(low)).toBe(true);
    expect(high.length).toBeGreaterThan(low.length);
    const decodedLow = decodeWsq(low);
    const decodedHigh = decodeWsq(high);
    expect([decodedLow.width, decodedLow.height, decodedLow.ppi]).toEqual([300, 260, 500]);
    const errorLow = rmse(decodedLow.pixels, image.pixels);
    const errorHigh = rmse(decodedHigh.pixels, image.pixels);
    expect(errorHigh).toBeLessThan(errorLow);
    expect(errorHigh).toBeLessThan(4.5); // measured 3.2 (the added noise alone has an RMS of 4.3)
    expect(errorLow).toBeLessThan(7); // measured 5.0
    // Compressed size is in the neighbourhood of the requested rate.
    expect((low.length * 8) / (300 * 260)).toBeLessThan(1); // measured 0.76 bits per pixel
  });

  it('carries the resolution in the NISTCOM comment', () => {
    const bytes = encodeWsq({ ...image, ppi: 1000 }, 1);
    const header = readWsqHeader(bytes);
    expect(header.ppi).toBe(1000);
    expect(header.nistcom.PIX_WIDTH).toBe('300');
    expect(decodeWsq(bytes).ppi).toBe(1000);
  });

  it('rejects truncated streams with a WSQ error at every cut', () => {
    const bytes = encodeWsq(ridgeImage(64, 48), 1.5);
    for (let cut = 1; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 60))) {
      expectCode(() => decodeWsq(bytes.subarray(0, cut)), ['IDM_WSQ_FORMAT', 'IDM_WSQ_HUFFMAN']);
    }
  });

  it('rejects a missing SOI, an oversized frame and undefined Huffman tables', () => {
    const bytes = encodeWsq(ridgeImage(64, 48), 1.5);
    expect(expectCode(() => decodeWsq(bytes.subarray(2)), ['IDM_WSQ_FORMAT']).message).toMatch(/SOI/);
    // Frame header: width and height are the u16s 4 and 6 bytes after the SOF marker's length field.
    const sof = findMarker(bytes, 0xffa2);
    const huge = bytes.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], sof + 6);
    expect(readWsqHeader(huge).width).toBe(65535);
    expectCode(() => decodeWsq(huge, { maxPixels: 10_000_000 }), ['IDM_IMAGE_TOO_LARGE']);
    // Point the first block at Huffman table 5, which no DHT defines.
    const sob = findMarker(bytes, 0xffa3);
    const wrongTable = bytes.slice();
    wrongTable[sob + 4] = 5;
    expect(expectCode(() => decodeWsq(wrongTable), ['IDM_WSQ_HUFFMAN']).message).toMatch(/table 5/);
    // A DHT whose code-length counts claim more codes of length 1 than exist.
    const dht = findMarker(bytes, 0xffa6);
    const badCounts = bytes.slice();
    badCounts[dht + 5] = 3;
    expectCode(() => decodeWsq(badCounts), ['IDM_WSQ_HUFFMAN', 'IDM_WSQ_FORMAT']);
  });
});

function findMarker(bytes: Uint8Array, marker: number): number {
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === marker >> 8 && bytes[i + 1] === (marker & 0xff)) return i;
  }
  throw new Error(`marker ${marker.toString(16)} not found`);
}

describe.skipIf(!existsSync(wsqDir))('WSQ reference files (shared data)', () => {
  if (!existsSync(wsqDir)) console.warn(`skipping: ${wsqDir} missing`);

  it('reproduces the reference decoding of nist-sample.wsq within +-1 grey level on >= 99.9% of pixels', async () => {
    const decoded = decodeWsq(readFileSync(join(wsqDir, 'nist-sample.wsq')));
    const reference = await sharp(readFileSync(join(wsqDir, 'nist-sample.decoded.png')))
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([decoded.width, decoded.height]).toEqual([reference.info.width, reference.info.height]);
    let within = 0;
    let exact = 0;
    for (let i = 0; i < decoded.pixels.length; i++) {
      const d = Math.abs(decoded.pixels[i] - reference.data[i]);
      if (d <= 1) within++;
      if (d === 0) exact++;
    }
    expect(within / decoded.pixels.length).toBeGreaterThanOrEqual(0.999);
    // Measured: every pixel within 1, 99.997% identical.
    expect(exact / decoded.pixels.length).toBeGreaterThan(0.999);
    expect(decoded.ppi).toBe(500);
  });

  const sourceafisWsq = join(wsqDir, 'sourceafis-original.wsq');
  it.skipIf(!existsSync(sourceafisWsq))(
    'reproduces the reference decoding of sourceafis-original.wsq',
    async () => {
      const decoded = decodeWsq(readFileSync(sourceafisWsq));
      const reference = await sharp(readFileSync(join(wsqDir, 'sourceafis-original.decoded.png')))
        .toColourspace('b-w')
        .raw()
        .toBuffer({ resolveWithObject: true });
      let within = 0;
      for (let i = 0; i < decoded.pixels.length; i++)
        if (Math.abs(decoded.pixels[i] - reference.data[i]) <= 1) within++;
      expect(within / decoded.pixels.length).toBeGreaterThanOrEqual(0.999);
    },
  );
  if (!existsSync(sourceafisWsq))
    console.warn(`skipping: ${sourceafisWsq} missing (only its decoding is present)`);

  it('decodes libbiomeval-img.wsq and survives re-encoding', () => {
    const decoded = decodeWsq(readFileSync(join(wsqDir, 'libbiomeval-img.wsq')));
    expect([decoded.width, decoded.height, decoded.ppi]).toEqual([256, 256, 500]);
    const again = decodeWsq(encodeWsq(decoded, 2.25));
    expect(rmse(again.pixels, decoded.pixels)).toBeLessThan(4);
  });
});
