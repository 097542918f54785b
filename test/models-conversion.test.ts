/**
 * Proof of the tfjs -> ONNX conversion: on real photos shipped with @vladmandic/face-api (demo/) and on
 * a synthetic image, the ONNX models give the same outputs as the original networks running on
 * @tensorflow/tfjs (WASM backend), within 1e-4 (the detector's boxes once decoded with the anchors of
 * engine/face/ssd-anchors.ts, which must equal face-api's own); and the build is reproducible (SHA-256
 * pinned).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { decodeSsdBox, ssdAnchors } from '../engine/face/ssd-anchors.js';
import { conversions, convertAll, convertOne, faceApiModelDir, sha256 } from '../models/convert.js';
import { faceApiRawOutputs, loadFaceApi } from '../models/faceapi-tfjs.js';
import { readFaceApiWeights, take } from '../models/faceapi-weights.js';
import { findModel, readManifest } from '../models/manifest.js';

const demoDir = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'demo',
);
const TOLERANCE = 1e-4;

/** NHWC float32 pixels (0..255) of a region of a demo photo, resized to size x size. */
async function pixels(
  file: string,
  size: number,
  region?: { left: number; top: number; width: number; height: number },
): Promise<Float32Array> {
  let image = sharp(readFileSync(join(demoDir, file)));
  if (region) image = image.extract(region);
  const raw = await image.resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  return Float32Array.from(raw);
}

/** Deterministic pseudo-random pixels: an input no photo would produce. */
function noise(size: number, seed: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s >>> 8) % 256;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Face regions of the demo photos (square, around a face) for the landmark and recognition nets.
const faceRegions = [
  { file: 'sample2.jpg', region: { left: 880, top: 240, width: 200, height: 200 } },
  { file: 'sample3.jpg', region: { left: 570, top: 340, width: 240, height: 240 } },
];

describe('tfjs -> ONNX conversion of the face-api nets', () => {
  let sessions: Record<string, ort.InferenceSession>;
  let faceapi: Awaited<ReturnType<typeof loadFaceApi>>;

  beforeAll(async () => {
    convertAll(); // idempotent: builds models/onnx/ if missing, verifies the pinned SHA-256
    const manifest = readManifest();
    sessions = {};
    for (const role of ['detector', 'landmarker', 'recogniser'] as const) {
      sessions[role] = await ort.InferenceSession.create(findModel(manifest, role).file);
    }
    faceapi = await loadFaceApi('wasm');
  });

  async function compare(
    role: 'detector' | 'landmarker' | 'recogniser',
    size: number,
    input: Float32Array,
  ): Promise<number[]> {
    const reference = await faceApiRawOutputs(faceapi, role, input, size);
    const session = sessions[role];
    const out = await session.run({ image: new ort.Tensor('float32', input, [1, size, size, 3]) });
    if (role === 'detector') {
      return [
        maxAbsDiff(decodedBoxes(out.box_encodings.data as Float32Array, size), reference[0]),
        maxAbsDiff(out.scores.data as Float32Array, reference[1]),
      ];
    }
    return session.outputNames.map((name, i) => maxAbsDiff(out[name].data as Float32Array, reference[i]));
  }

  /** The detector's boxes as face-api outputs them: (top, left, bottom, right) relative to the square input. */
  function decodedBoxes(encodings: Float32Array, size: number): Float32Array {
    const anchors = ssdAnchors(size, size);
    const boxes = new Float32Array(4 * anchors.count);
    for (let i = 0; i < anchors.count; i++) {
      const b = decodeSsdBox(encodings, i, anchors);
      boxes.set([b.top / size, b.left / size, b.bottom / size, b.right / size], 4 * i);
    }
    return boxes;
  }

  it("detector anchors: ssd-anchors.ts at 512x512 gives face-api's own (Output/extra_dim)", () => {
    const weights = readFaceApiWeights(
      join(faceApiModelDir(), 'ssd_mobilenetv1_model-weights_manifest.json'),
    );
    const extraDim = take(weights, 'Output/extra_dim', 3).data;
    const anchors = ssdAnchors(512, 512);
    const ours = new Float32Array(4 * anchors.count);
    for (let i = 0; i < anchors.count; i++) {
      const [cy, cx, h, w] = [anchors.centreY[i], anchors.centreX[i], anchors.sizeY[i], anchors.sizeX[i]];
      ours.set([(cy - h / 2) / 512, (cx - w / 2) / 512, (cy + h / 2) / 512, (cx + w / 2) / 512], 4 * i);
    }
    expect(anchors.count).toBe(5118);
    expect(maxAbsDiff(ours, extraDim)).toBeLessThan(1e-6);
  });

  it('detector: boxes and scores equal tfjs on a group photo and on noise', async () => {
    for (const input of [await pixels('sample1.jpg', 512), noise(512, 7)]) {
      const [boxes, scores] = await compare('detector', 512, input);
      expect(boxes).toBeLessThan(TOLERANCE);
      expect(scores).toBeLessThan(TOLERANCE);
    }
  });

  it('landmark net: 136 outputs equal tfjs on face crops and on noise', async () => {
    for (const f of faceRegions)
      expect((await compare('landmarker', 112, await pixels(f.file, 112, f.region)))[0]).toBeLessThan(
        TOLERANCE,
      );
    expect((await compare('landmarker', 112, noise(112, 3)))[0]).toBeLessThan(TOLERANCE);
  });

  it('recogniser: 128-d descriptors equal tfjs on face crops and on noise', async () => {
    for (const f of faceRegions)
      expect((await compare('recogniser', 150, await pixels(f.file, 150, f.region)))[0]).toBeLessThan(
        TOLERANCE,
      );
    expect((await compare('recogniser', 150, noise(150, 5)))[0]).toBeLessThan(TOLERANCE);
  });

  it('detector finds the demo faces with a high score (the outputs are not trivially equal)', async () => {
    const out = await sessions.detector.run({
      image: new ort.Tensor('float32', await pixels('sample1.jpg', 512), [1, 512, 512, 3]),
    });
    const scores = out.scores.data as Float32Array;
    expect(scores.filter((s) => s > 0.5).length).toBeGreaterThanOrEqual(3);
  });

  it('detector takes inputs of any size, with one score per anchor of that size', async () => {
    for (const [width, height] of [
      [512, 384],
      [384, 512],
      [512, 288],
      [448, 512],
      [300, 200],
    ]) {
      const out = await sessions.detector.run({
        image: new ort.Tensor('float32', new Float32Array(width * height * 3), [1, height, width, 3]),
      });
      const count = ssdAnchors(width, height).count;
      expect(out.scores.dims).toEqual([1, count]);
      expect(out.box_encodings.dims).toEqual([1, count, 4]);
    }
  });

  it('conversion is reproducible: rebuilding gives the checksum pinned in the manifest', () => {
    const manifest = readManifest();
    const landmark = conversions.find((c) => c.name === 'faceapi-landmark68');
    if (!landmark) throw new Error('landmark conversion missing');
    expect(sha256(convertOne(landmark))).toBe(findModel(manifest, 'landmarker').sha256);
    for (const r of convertAll()) expect(r.status).toBe('unchanged');
  });
});
