/** Shared fixtures of the face tests: the default models (built on first use) and face-api's demo photos. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { LoadedModels } from '../engine/face/models.js';
import { convertAll } from '../models/convert.js';
import { loadDefaultModels } from '../models/load.js';

/** Photos shipped with @vladmandic/face-api (MIT): sample1..6.jpg, 1920 px wide, 3-5 faces each. */
export const demoDir = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'demo',
);

export function demoPhoto(name: string): Uint8Array {
  return readFileSync(join(demoDir, name));
}

export async function defaultModels(): Promise<LoadedModels> {
  convertAll(); // idempotent; builds models/onnx/ in a fresh checkout
  return loadDefaultModels();
}

export const sharedFaceData = join(
  dirname(createRequire(import.meta.url).resolve('../package.json')),
  '..',
  'shared',
  'data',
  'face',
);
