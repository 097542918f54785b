/**
 * Mutation fuzzing of the fingerprint format readers: every mutated input must either parse or fail with an
 * IdmError (a coded, precise rejection), never with a TypeError/RangeError, a hang or an unbounded allocation
 * (the pixel limits below keep every decode small).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { isIdmError } from '../engine/errors.js';
import {
  type NistTransaction,
  parseTransaction,
  writeTransaction,
} from '../engine/fingerprint/formats/ansi-nist.js';
import { decodeNistImage, fingerprintImageRecord } from '../engine/fingerprint/formats/ansi-nist-images.js';
import {
  parseMinutiaeRecord,
  writeAnsi378Record,
  writeIsoRecord,
} from '../engine/fingerprint/formats/minutiae-record.js';
import { decodeWsq, encodeWsq } from '../engine/fingerprint/formats/wsq.js';
import { decodeFingerprintImage, encodePng } from '../engine/fingerprint/image.js';
import type { FingerprintTemplate, GrayImage } from '../engine/fingerprint/types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(repoRoot, '../shared/data/fingerprint');

/** Small decodes only: a mutation that inflates the dimensions must be refused, not allocated. */
const MAX_PIXELS = 400_000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One to four random edits: bit flips, byte overwrites (random, 0x00, 0xFF), truncation, deletion, duplication. */
function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
  let out = Uint8Array.from(bytes); // a copy: slice() of a Node Buffer is a view
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const at = Math.floor(random() * out.length);
    switch (Math.floor(random() * 6)) {
      case 0:
        out[at] ^= 1 << Math.floor(random() * 8);
        break;
      case 1:
        out[at] = Math.floor(random() * 256);
        break;
      case 2:
        out.fill(random() < 0.5 ? 0xff : 0x00, at, Math.min(out.length, at + 1 + Math.floor(random() * 4)));
        break;
      case 3:
        out = out.slice(0, at);
        break;
      case 4: {
        const length = 1 + Math.floor(random() * 16);
        out = new Uint8Array([...out.subarray(0, at), ...out.subarray(Math.min(out.length, at + length))]);
        break;
      }
      default: {
        const length = 1 + Math.floor(random() * 16);
        const slice = out.subarray(at, at + length);
        out = new Uint8Array([...out.subarray(0, at), ...slice, ...out.subarray(at)]);
      }
    }
  }
  return out;
}

interface Tally {
  accepted: number;
  rejected: number;
}

/** Runs `read` on `count` mutants of `seed`; any non-IdmError escape fails the test with the mutant's index. */
async function fuzz(
  name: string,
  seed: Uint8Array,
  count: number,
  read: (bytes: Uint8Array) => unknown,
  rngSeed = 1,
): Promise<Tally> {
  const random = mulberry32(rngSeed);
  const tally: Tally = { accepted: 0, rejected: 0 };
  for (let i = 0; i < count; i++) {
    const mutant = mutate(seed, random);
    try {
      await read(mutant);
      tally.accepted++;
    } catch (error) {
      if (!isIdmError(error)) {
        throw new Error(
          `${name} mutant ${i} escaped with ${(error as Error)?.name}: ${(error as Error)?.message}`,
        );
      }
      tally.rejected++;
    }
  }
  return tally;
}

async function readTransactionFully(bytes: Uint8Array): Promise<void> {
  const tx = parseTransaction(bytes);
  for (const record of tx.records) {
    if (record.image) await decodeNistImage(tx, record, { maxPixels: MAX_PIXELS });
  }
}

function ridgeImage(width: number, height: number): GrayImage {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      pixels[y * width + x] = Math.round(128 + 100 * Math.sin((x + 2 * y) / 2.1));
  }
  return { width, height, ppi: 500, pixels };
}

function template(count: number): FingerprintTemplate {
  return {
    width: 256,
    height: 300,
    ppi: 500,
    quality: 70,
    position: 2,
    minutiae: Array.from({ length: count }, (_, i) => ({
      x: (i * 31) % 256,
      y: (i * 47) % 300,
      angleRad: (i * 0.4) % (2 * Math.PI),
      type: i % 2 ? 'ending' : 'bifurcation',
      quality: 60,
    })),
  };
}

describe('fuzzing readers with mutants of inputs built here', () => {
  it('WSQ decoder', async () => {
    const seed = encodeWsq(ridgeImage(96, 80), 1.5);
    const tally = await fuzz('wsq', seed, 250, (b) => decodeWsq(b, { maxPixels: MAX_PIXELS }));
    expect(tally.rejected).toBeGreaterThan(50);
  });

  it('ISO 19794-2 and ANSI 378 readers', async () => {
    const iso = await fuzz('iso', writeIsoRecord([template(30), template(12)]), 400, parseMinutiaeRecord, 2);
    const ansi = await fuzz('ansi', writeAnsi378Record(template(40)), 400, parseMinutiaeRecord, 3);
    expect(iso.rejected).toBeGreaterThan(100);
    expect(ansi.rejected).toBeGreaterThan(100);
  });

  it('ANSI/NIST-ITL reader and image decoding', async () => {
    const tx: NistTransaction = {
      version: '0500',
      warnings: [],
      records: [
        {
          type: 1,
          idc: 0,
          fields: [
            { tag: 2, value: '0500' },
            { tag: 3, value: '' },
            { tag: 11, value: '19.69' },
            { tag: 12, value: '19.69' },
          ],
        },
        { type: 2, idc: 0, fields: [{ tag: 2, value: '00' }] },
        fingerprintImageRecord(4, { idc: 1, image: ridgeImage(64, 64), positions: [1], bitrate: 2 }),
        fingerprintImageRecord(14, {
          idc: 2,
          image: ridgeImage(48, 40),
          positions: [3],
          compression: 'none',
        }),
      ],
    };
    const tally = await fuzz('nist', writeTransaction(tx), 250, readTransactionFully, 4);
    expect(tally.rejected).toBeGreaterThan(50);
  });

  it('plain image loader (PNG, WSQ)', async () => {
    const image = ridgeImage(60, 50);
    const png = await encodePng(image);
    const options = { maxPixels: MAX_PIXELS };
    await fuzz('png', png, 120, (b) => decodeFingerprintImage(b, options), 5);
    await fuzz('wsq-image', encodeWsq(image, 2), 120, (b) => decodeFingerprintImage(b, options), 6);
  });
});

const isoFile = join(dataDir, 'iso19794-2/fvc2002/DB1_B/101_1.iso');
const recordsDir = join(dataDir, 'minutiae-records');
const wsqFile = join(dataDir, 'wsq/libbiomeval-img.wsq');
const nistDir = join(dataDir, 'ansi-nist');

describe.skipIf(!existsSync(dataDir))('fuzzing readers with mutants of the shared files', () => {
  if (!existsSync(dataDir)) console.warn(`skipping: ${dataDir} missing`);

  it.skipIf(!existsSync(isoFile) || !existsSync(recordsDir))('ISO and ANSI minutiae records', async () => {
    let seedNumber = 10;
    for (const file of [
      isoFile,
      ...['fmr.iso2005', 'fmr.ansi2004', 'fmr.ansi2007'].map((f) => join(recordsDir, f)),
    ]) {
      const tally = await fuzz(file, readFileSync(file), 300, parseMinutiaeRecord, seedNumber++);
      expect(tally.rejected).toBeGreaterThan(0);
    }
  });

  it.skipIf(!existsSync(wsqFile))('WSQ', async () => {
    const tally = await fuzz(
      wsqFile,
      readFileSync(wsqFile),
      150,
      (b) => decodeWsq(b, { maxPixels: MAX_PIXELS }),
      20,
    );
    expect(tally.rejected).toBeGreaterThan(20);
  });

  it.skipIf(!existsSync(nistDir))('ANSI/NIST-ITL transactions', async () => {
    // The smaller files, which cover tagged and binary records, raw, binary, TIFF, PNG and WSQ images.
    const files = [
      'rec01_rec02_rec16.nst.an2',
      'libbiomeval-type9-13.an2k',
      'libbiomeval-type9-efs.an2k',
      'type-8-sig-fax.an2',
      'type-8-sig-raw.an2',
      'type-5.an2',
      'type-10-branded-tattoo-mark.an2',
      'type-13-tip-eji-wsq.an2',
    ];
    let seedNumber = 30;
    for (const name of files) {
      const tally = await fuzz(
        name,
        readFileSync(join(nistDir, name)),
        60,
        readTransactionFully,
        seedNumber++,
      );
      expect(tally.accepted + tally.rejected).toBe(60);
    }
  });
});
