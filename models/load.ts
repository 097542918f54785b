/**
 * Opens the face models as ONNX Runtime sessions, once per worker thread. Each session runs with one
 * intra-op thread by default: the piscina pool owns the cores, one inference per worker at a time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

import * as ort from 'onnxruntime-node';

import { IdmError } from '../engine/errors.js';
import type { LoadedModel, LoadedModels, LoadedRecogniser } from '../engine/face/models.js';
import { defaultManifestPath, findModel, type ModelEntry, type ModelRole, readManifest } from './manifest.js';

export interface LoadOptions {
  /** ONNX Runtime intra-op threads per session (default 1: the worker pool owns the cores). */
  intraOpThreads?: number;
  /** A lab's own manifest instead of models/manifest.json (also `IDMATCH_FACE_MODELS`). */
  manifestPath?: string;
  /** Model names to use instead of the manifest's defaults. */
  detector?: string;
  landmarker?: string;
  recogniser?: string;
}

const SETUP_HINT = 'run `node --import tsx models/convert.ts` to build the default models';

/** Reads a model file and refuses it unless its SHA-256 matches the manifest. */
export function readVerifiedModel(entry: ModelEntry): Uint8Array {
  if (!existsSync(entry.file)) {
    throw new IdmError('IDM_MODEL', `model ${entry.name}: ${entry.file} not found; ${SETUP_HINT}`);
  }
  const bytes = readFileSync(entry.file);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== entry.sha256) {
    throw new IdmError(
      'IDM_MODEL',
      `model ${entry.name}: SHA-256 ${digest} does not match the manifest (${entry.sha256}); for a default model, ${SETUP_HINT}`,
    );
  }
  return bytes;
}

export async function createSession(bytes: Uint8Array, intraOpThreads = 1): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new IdmError('IDM_MODEL', `ONNX Runtime cannot load the model: ${(error as Error).message}`);
  }
}

async function open(entry: ModelEntry, threads: number): Promise<LoadedModel> {
  const session = await createSession(readVerifiedModel(entry), threads);
  if (!session.inputNames.includes(entry.input.name)) {
    throw new IdmError(
      'IDM_MODEL',
      `model ${entry.name}: no input named ${entry.input.name} (has ${session.inputNames.join(', ')})`,
    );
  }
  return { name: entry.name, session, input: entry.input, sha256: entry.sha256 };
}

export async function loadModels(options: LoadOptions = {}): Promise<LoadedModels> {
  const manifest = readManifest(
    options.manifestPath ?? process.env.IDMATCH_FACE_MODELS ?? defaultManifestPath,
  );
  const threads = options.intraOpThreads ?? 1;
  const pick = (role: ModelRole) => findModel(manifest, role, options[role]);
  const recogniserEntry = pick('recogniser');
  const [detector, landmarker, recogniserModel] = await Promise.all([
    open(pick('detector'), threads),
    open(pick('landmarker'), threads),
    open(recogniserEntry, threads),
  ]);
  const recogniser: LoadedRecogniser = {
    ...recogniserModel,
    alignment: recogniserEntry.alignment ?? 'dlib-3point',
    embeddingSize: recogniserEntry.embeddingSize ?? 128,
  };
  return {
    detector,
    landmarker,
    recogniser,
    async release() {
      await Promise.all([
        detector.session.release(),
        landmarker.session.release(),
        recogniser.session.release(),
      ]);
    },
  };
}

/** The default face-api models from models/manifest.json (or `IDMATCH_FACE_MODELS`). */
export function loadDefaultModels(options: { intraOpThreads?: number } = {}): Promise<LoadedModels> {
  return loadModels(options);
}
