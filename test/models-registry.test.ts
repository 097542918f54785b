/**
 * A lab's own models through the manifest: a small ArcFace-style recogniser (112x112, NCHW, BGR,
 * (x - 127.5) / 128, five-point alignment) that this test builds as ONNX, registered next to the default
 * detector and landmark net; and the manifest's refusals (checksum, missing file, bad entries).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isIdmError } from '../engine/errors.js';
import { alignmentTransform, similarityTransform } from '../engine/face/align.js';
import { decodeImage } from '../engine/face/decode.js';
import { fivePoints } from '../engine/face/landmarks.js';
import type { LoadedModels } from '../engine/face/models.js';
import { faceParameters } from '../engine/face/parameters.js';
import { createFacePipeline } from '../engine/face/pipeline.js';
import { applyAffine } from '../engine/face/warp.js';
import { convertAll, sha256 } from '../models/convert.js';
import { loadModels } from '../models/load.js';
import { findModel, type ModelManifest, readManifest } from '../models/manifest.js';
import { GraphBuilder } from '../models/onnx.js';
import { demoPhoto } from './face-fixtures.js';

const POOL = 16; // 112 / 16 = 7
const DIM = 16;

/** Deterministic projection weights of the toy recogniser. */
function weights(): Float32Array {
  const w = new Float32Array(3 * 7 * 7 * DIM);
  let s = 12345;
  for (let i = 0; i < w.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    w[i] = ((s >>> 8) % 2001) / 1000 - 1;
  }
  return w;
}

/** data [N, 3, 112, 112] -> AveragePool 16x16 -> [N, 147] -> MatMul [147, 16]: an "embedding" of the chip's layout. */
function toyArcFace(): Uint8Array {
  const g = new GraphBuilder('toy_arcface');
  g.input('data', ['N', 3, 112, 112]);
  const pooled = g.op('AveragePool', ['data'], {
    kernel_shape: [POOL, POOL],
    strides: [POOL, POOL],
    pads: [0, 0, 0, 0],
  });
  const flat = g.op('Flatten', [pooled], { axis: 1 });
  const out = g.op('MatMul', [flat, g.constFloat('w', [147, DIM], weights())]);
  g.identity(out, 'fc1');
  g.output('fc1', ['N', DIM]);
  return g.encode({ docString: 'toy ArcFace-layout recogniser for tests', metadata: {} });
}

/** The toy model computed in plain JS on an RGB chip, L2-normalised: BGR, (x - 127.5) / 128, NCHW. */
function reference(chip: { data: Uint8Array }): Float32Array {
  const features = new Float32Array(147);
  for (let c = 0; c < 3; c++) {
    const rgb = 2 - c; // BGR order
    for (let by = 0; by < 7; by++)
      for (let bx = 0; bx < 7; bx++) {
        let sum = 0;
        for (let y = 0; y < POOL; y++)
          for (let x = 0; x < POOL; x++)
            sum += (chip.data[((by * POOL + y) * 112 + bx * POOL + x) * 3 + rgb] - 127.5) / 128;
        features[c * 49 + by * 7 + bx] = sum / (POOL * POOL);
      }
  }
  const w = weights();
  const out = new Float32Array(DIM);
  for (let j = 0; j < DIM; j++) for (let i = 0; i < 147; i++) out[j] += features[i] * w[i * DIM + j];
  const n = Math.hypot(...out);
  return out.map((v) => v / n);
}

async function idmCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isIdmError(error) ? `${error.code}: ${error.message}` : `untyped: ${(error as Error).message}`;
  }
}

describe('registering a lab model (ArcFace layout) through a manifest', () => {
  let dir: string;
  let manifestPath: string;
  let models: LoadedModels;

  beforeAll(async () => {
    convertAll();
    dir = mkdtempSync(join(tmpdir(), 'idmatch-models-'));
    const bytes = toyArcFace();
    writeFileSync(join(dir, 'toy-arcface.onnx'), bytes);
    const defaults = readManifest();
    const manifest: ModelManifest = {
      version: 1,
      defaults: {
        detector: defaults.defaults.detector,
        landmarker: defaults.defaults.landmarker,
        recogniser: 'lab-arcface-toy',
      },
      models: [
        findModel(defaults, 'detector'),
        findModel(defaults, 'landmarker'),
        {
          name: 'lab-arcface-toy',
          role: 'recogniser',
          file: 'toy-arcface.onnx',
          sha256: sha256(bytes),
          input: {
            name: 'data',
            width: 112,
            height: 112,
            layout: 'NCHW',
            colour: 'BGR',
            mean: [127.5, 127.5, 127.5],
            std: [128, 128, 128],
          },
          alignment: 'arcface-5point',
          embeddingSize: DIM,
          licence: 'test only',
          origin: 'built by test/models-registry.test.ts',
        },
      ],
    };
    manifestPath = join(dir, 'manifest.json');
    writeFileSync(manifestPath, JSON.stringify(manifest));
    models = await loadModels({ manifestPath });
  });

  afterAll(async () => {
    await models?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('embeds every face with the lab model: input layout, colour order and normalisation as declared', async () => {
    const pipeline = createFacePipeline(models);
    const bytes = demoPhoto('sample1.jpg');
    const result = await pipeline.analyse(bytes);
    expect(result.faces).toHaveLength(3);
    const decoded = await decodeImage(bytes);
    const chips = pipeline.alignedChips(
      decoded,
      result.faces.map((f) => f.landmarks),
    );
    result.faces.forEach((face, i) => {
      expect(face.embedding).toHaveLength(DIM);
      const expected = reference(chips[i]);
      for (let j = 0; j < DIM; j++) expect(Math.abs(face.embedding[j] - expected[j])).toBeLessThan(1e-4);
    });
  });

  it('aligns with the five-point ArcFace template: the face points land near the template', async () => {
    const pipeline = createFacePipeline(models);
    const bytes = demoPhoto('sample3.jpg');
    const decoded = await decodeImage(bytes);
    const result = await pipeline.analyse(bytes);
    for (const face of result.faces) {
      const points = face.landmarks.map(([x, y]) => ({ x: x / decoded.scale, y: y / decoded.scale }));
      const m = alignmentTransform('arcface-5point', points, models.recogniser.input);
      const template = faceParameters.arcfaceTemplate112;
      const five = fivePoints(points);
      const eyeDistance = Math.hypot(five[1].x - five[0].x, five[1].y - five[0].y);
      template.forEach(([u, v], k) => {
        const p = applyAffine(m, u, v);
        expect(Math.hypot(p.x - five[k].x, p.y - five[k].y)).toBeLessThan(0.2 * eyeDistance);
      });
    }
  });

  it('similarityTransform recovers a known similarity exactly', () => {
    const angle = 0.3;
    const scale = 2.5;
    const from = [
      { x: 10, y: 20 },
      { x: 50, y: 25 },
      { x: 30, y: 60 },
    ];
    const to = from.map((p) => ({
      x: scale * (Math.cos(angle) * p.x - Math.sin(angle) * p.y) + 7,
      y: scale * (Math.sin(angle) * p.x + Math.cos(angle) * p.y) - 3,
    }));
    const m = similarityTransform(from, to);
    from.forEach((p, i) => {
      const q = applyAffine(m, p.x, p.y);
      expect(q.x).toBeCloseTo(to[i].x, 9);
      expect(q.y).toBeCloseTo(to[i].y, 9);
    });
  });

  it('refuses a file whose checksum does not match, a missing file and a malformed entry', async () => {
    const original = JSON.parse(readFileSync(manifestPath, 'utf8')) as ModelManifest;
    const variant = (edit: (m: ModelManifest) => void) => {
      const m = structuredClone(original);
      edit(m);
      const p = join(dir, `variant-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(p, JSON.stringify(m));
      return p;
    };
    const badSum = variant((m) => {
      m.models[2].sha256 = '0'.repeat(64);
    });
    expect(await idmCode(loadModels({ manifestPath: badSum }))).toMatch(/^IDM_MODEL: .*SHA-256/);
    const missing = variant((m) => {
      m.models[2].file = 'nowhere.onnx';
    });
    expect(await idmCode(loadModels({ manifestPath: missing }))).toMatch(/^IDM_MODEL: .*models\/convert\.ts/);
    const badAlignment = variant((m) => {
      (m.models[2] as { alignment: string }).alignment = 'eyes-only';
    });
    expect(await idmCode(loadModels({ manifestPath: badAlignment }))).toMatch(/^IDM_MODEL: .*alignment/);
    expect(await idmCode(loadModels({ manifestPath: join(dir, 'absent.json') }))).toMatch(/^IDM_MODEL/);
  });
});
