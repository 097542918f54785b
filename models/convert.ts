/**
 * Build step: converts face-api's shipped TensorFlow.js weights into our default ONNX models and pins
 * them by SHA-256.
 *
 *   node --import tsx models/convert.ts            # write models/onnx/*.onnx, verify against manifest.json
 *   node --import tsx models/convert.ts --update   # (maintainers) also rewrite the checksums in manifest.json
 *
 * Idempotent: a file whose checksum already matches the manifest is left alone. The output folder
 * `models/onnx/` is generated, not committed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

import { buildFaceRecognition, buildLandmark68, buildSsdMobilenetV1 } from './faceapi-graphs.js';
import { readFaceApiWeights } from './faceapi-weights.js';
import { defaultManifestPath, type ModelManifest, modelsDir } from './manifest.js';
import type { GraphBuilder } from './onnx.js';

/** Folder holding face-api's shipped weight manifests and shards. */
export function faceApiModelDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

interface Conversion {
  name: string;
  weights: string;
  build: (weights: ReturnType<typeof readFaceApiWeights>) => GraphBuilder;
  doc: string;
}

export const conversions: Conversion[] = [
  {
    name: 'faceapi-ssd-mobilenetv1',
    weights: 'ssd_mobilenetv1_model-weights_manifest.json',
    build: buildSsdMobilenetV1,
    doc: 'SSD MobileNet v1 face detector of face-api.js, converted from its tfjs weights by IDMatch',
  },
  {
    name: 'faceapi-landmark68',
    weights: 'face_landmark_68_model-weights_manifest.json',
    build: buildLandmark68,
    doc: '68-point face landmark net of face-api.js, converted from its tfjs weights by IDMatch',
  },
  {
    name: 'faceapi-recognition-resnet34',
    weights: 'face_recognition_model-weights_manifest.json',
    build: buildFaceRecognition,
    doc: '128-d ResNet-34 face recogniser of face-api.js (dlib metric-learning model), converted by IDMatch',
  },
];

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Builds one converted model in memory. */
export function convertOne(c: Conversion, sourceDir = faceApiModelDir()): Uint8Array {
  const weights = readFaceApiWeights(join(sourceDir, c.weights));
  return c.build(weights).encode({
    docString: c.doc,
    metadata: { source: `@vladmandic/face-api/model/${c.weights}`, licence: 'MIT' },
  });
}

export interface ConvertReport {
  name: string;
  file: string;
  sha256: string;
  bytes: number;
  status: 'unchanged' | 'written' | 'updated-manifest';
}

export function convertAll(options: { update?: boolean; manifestPath?: string } = {}): ConvertReport[] {
  const manifestPath = options.manifestPath ?? defaultManifestPath;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ModelManifest;
  const reports: ConvertReport[] = [];
  let manifestChanged = false;
  for (const c of conversions) {
    const entry = manifest.models.find((m) => m.name === c.name);
    if (!entry) throw new Error(`manifest has no entry ${c.name}`);
    const file = resolve(dirname(manifestPath), entry.file);
    if (!options.update && existsSync(file) && sha256(readFileSync(file)) === entry.sha256) {
      reports.push({
        name: c.name,
        file,
        sha256: entry.sha256,
        bytes: readFileSync(file).length,
        status: 'unchanged',
      });
      continue;
    }
    const bytes = convertOne(c);
    const digest = sha256(bytes);
    let status: ConvertReport['status'] = 'written';
    if (digest !== entry.sha256) {
      if (!options.update) {
        throw new Error(
          `${c.name}: converted model has SHA-256 ${digest}, manifest pins ${entry.sha256}; not written`,
        );
      }
      entry.sha256 = digest;
      manifestChanged = true;
      status = 'updated-manifest';
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    reports.push({ name: c.name, file, sha256: digest, bytes: bytes.length, status });
  }
  if (manifestChanged) writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return reports;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(modelsDir, 'convert.ts')) {
  try {
    for (const r of convertAll({ update: process.argv.includes('--update') })) {
      process.stdout.write(
        `${r.status.padEnd(16)} ${r.name}  ${(r.bytes / 1e6).toFixed(1)} MB  sha256 ${r.sha256}\n`,
      );
    }
  } catch (error) {
    process.stderr.write(`models/convert: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
