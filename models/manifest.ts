/**
 * The face model manifest: what each ONNX file is, how to feed it and where it came from. The default
 * models are listed in `models/manifest.json`; a lab registers its own validated models with a manifest
 * of the same shape (see models/README.md).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { IdmError } from '../engine/errors.js';
import type { AlignmentKind, InputSpec } from '../engine/face/models.js';

export type ModelRole = 'detector' | 'landmarker' | 'recogniser';

export interface ModelEntry {
  name: string;
  role: ModelRole;
  /** Path of the .onnx file, relative to the manifest. */
  file: string;
  /** Lower-case hex SHA-256 of the file; loading refuses a file that does not match. */
  sha256: string;
  input: InputSpec;
  /**
   * Detector output format; `ssd-faceapi-raw` = face-api's SSD MobileNet v1 heads on an input of any
   * size (the pipeline fits the image's aspect ratio within input.width x input.height): `box_encodings`
   * [N, A, 4] and `scores` [N, A] over the anchors of engine/face/ssd-anchors.ts.
   */
  outputFormat?: 'ssd-faceapi-raw';
  /** Landmark output format; `68-relative` = 136 values, (x, y) of 68 points relative to the input. */
  landmarkFormat?: '68-relative';
  /** Recogniser alignment: how a face is warped onto the input square (engine/face/align.ts). */
  alignment?: AlignmentKind;
  embeddingSize?: number;
  licence: string;
  origin: string;
  /** How the file was produced (for converted models, the converter and its sources). */
  build?: { command: string; sources: string[] };
}

export interface ModelManifest {
  version: 1;
  /** The model name used by default for each role. */
  defaults: Record<ModelRole, string>;
  models: ModelEntry[];
}

export const modelsDir = dirname(fileURLToPath(import.meta.url));
export const defaultManifestPath = resolve(modelsDir, 'manifest.json');

const roles: ModelRole[] = ['detector', 'landmarker', 'recogniser'];

function fail(path: string, message: string): never {
  throw new IdmError('IDM_MODEL', `model manifest ${path}: ${message}`);
}

/** Reads and checks a manifest; paths in it become absolute. */
export function readManifest(path = defaultManifestPath): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail(path, `cannot be read (${(error as Error).message})`);
  }
  const manifest = raw as ModelManifest;
  if (manifest.version !== 1) fail(path, 'version must be 1');
  if (!Array.isArray(manifest.models)) fail(path, 'models must be an array');
  for (const m of manifest.models) {
    if (typeof m.name !== 'string' || !roles.includes(m.role))
      fail(path, `entry ${JSON.stringify(m.name)}: bad name or role`);
    if (typeof m.file !== 'string') fail(path, `${m.name}: file missing`);
    if (!/^[0-9a-f]{64}$/.test(m.sha256 ?? ''))
      fail(path, `${m.name}: sha256 must be 64 lower-case hex digits`);
    const i = m.input;
    if (
      !i ||
      !Number.isInteger(i.width) ||
      !Number.isInteger(i.height) ||
      !['NHWC', 'NCHW'].includes(i.layout)
    ) {
      fail(path, `${m.name}: input needs integer width/height and layout NHWC or NCHW`);
    }
    if (i.mean.length !== 3 || i.std.length !== 3 || i.std.some((s) => s === 0))
      fail(path, `${m.name}: mean/std need 3 non-zero values`);
    if (m.role === 'recogniser') {
      if (!m.alignment || !['dlib-3point', 'arcface-5point'].includes(m.alignment))
        fail(path, `${m.name}: alignment must be dlib-3point or arcface-5point`);
      if (!Number.isInteger(m.embeddingSize) || (m.embeddingSize ?? 0) <= 0)
        fail(path, `${m.name}: embeddingSize missing`);
    }
    if (m.role === 'detector' && m.outputFormat !== 'ssd-faceapi-raw') {
      // the fixed 512x512 `ssd-faceapi` graphs of earlier versions (boxes decoded inside) are not read any more
      fail(path, `${m.name}: outputFormat must be ssd-faceapi-raw (rebuild with models/convert.ts)`);
    }
    if (m.role === 'landmarker' && m.landmarkFormat !== '68-relative')
      fail(path, `${m.name}: landmarkFormat must be 68-relative`);
    if (!isAbsolute(m.file)) m.file = resolve(dirname(path), m.file);
  }
  manifest.defaults ??= {} as Record<ModelRole, string>;
  return manifest;
}

export function findModel(manifest: ModelManifest, role: ModelRole, name?: string): ModelEntry {
  const wanted = name ?? manifest.defaults[role];
  const entry = manifest.models.find((m) => m.name === wanted && m.role === role);
  if (!entry)
    throw new IdmError('IDM_MODEL', `no ${role} model named ${JSON.stringify(wanted)} in the manifest`);
  return entry;
}
