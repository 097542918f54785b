/**
 * `--biometrics FILE` of `idmatch dvi solve|report`: the AM and PM fingerprints and face photos of a
 * case, read from files and turned into the records the DVI engine compares. The file is JSON:
 *
 * ```
 * { "pm": { "<victim id>": { "fingerprints": ["a.wsq", { "file": "b.png", "position": 2, "ppi": 500 }],
 *                            "faces": ["v1.jpg"] } },
 *   "am": { "<missing id>": { ... the same ... } } }
 * ```
 * Paths are relative to the file. Fingerprints may be images, ISO/ANSI minutiae records or ANSI/NIST
 * transactions (every finger of a tenprint card); each face photo contributes its largest usable face.
 */
import { dirname, resolve } from 'node:path';

import type { BiometricRecord } from '../engine/dvi/modalities.js';
import { IdmError } from '../engine/errors.js';
import { createFacePipeline, type FacePipeline, largestEnrolableFace } from '../engine/face/pipeline.js';
import { readFingerprints } from '../engine/fingerprint/input.js';
import { loadModels } from '../models/load.js';
import { readInputFile, readJsonFile } from './inputs.js';

interface FingerprintEntry {
  file: string;
  position?: number;
  ppi?: number;
}

interface PersonFiles {
  fingerprints?: Array<string | FingerprintEntry>;
  faces?: string[];
}

export interface CaseBiometricRecords {
  pm: Record<string, BiometricRecord>;
  am: Record<string, BiometricRecord>;
}


function bad(message: string): never {
  throw new IdmError('IDM_VALIDATION', message);
}

function personFiles(value: unknown, who: string): PersonFiles {
  if (!value || typeof value !== 'object' || Array.isArray(value)) bad(`${who}: expected { "fingerprints"?: [...], "faces"?: [...] }`);
  const v = value as Record<string, unknown>;
  if (v.fingerprints !== undefined && !Array.isArray(v.fingerprints)) bad(`${who}.fingerprints must be an array`);
  if (v.faces !== undefined && (!Array.isArray(v.faces) || v.faces.some((f) => typeof f !== 'string'))) {
    bad(`${who}.faces must be an array of file names`);
  }
  return v as PersonFiles;
}

async function fingerprintsOf(entries: PersonFiles['fingerprints'], base: string, who: string) {
  const templates: NonNullable<BiometricRecord['fingerprints']> = [];
  for (const entry of entries ?? []) {
    const spec: FingerprintEntry = typeof entry === 'string' ? { file: entry } : entry;
    if (typeof spec.file !== 'string') bad(`${who}: a fingerprint is a file name or { "file", "position"?, "ppi"? }`);
    const reading = await readFingerprints(readInputFile(resolve(base, spec.file)), { position: spec.position, ppi: spec.ppi });
    for (const print of reading.prints) templates.push({ ...print.template, position: print.position || undefined });
  }
  return templates;
}

async function faceOf(pipeline: FacePipeline, path: string): Promise<Float32Array> {
  const face = largestEnrolableFace((await pipeline.analyse(readInputFile(path))).faces);
  if (!face) throw new IdmError('IDM_NO_FACE', `${path} has no face usable for comparison`);
  return face.embedding;
}

/** Reads a biometrics file and every image it names. Face models are loaded only when a photo is named. */
export async function loadBiometricsFile(path: string): Promise<CaseBiometricRecords> {
  const document = readJsonFile(path) as Record<string, unknown>;
  const base = dirname(path);
  let pipeline: FacePipeline | undefined;
  const records: CaseBiometricRecords = { pm: {}, am: {} };
  for (const side of ['pm', 'am'] as const) {
    for (const [person, value] of Object.entries((document[side] as Record<string, unknown> | undefined) ?? {})) {
      const files = personFiles(value, `${side}.${person}`);
      const record: BiometricRecord = { fingerprints: await fingerprintsOf(files.fingerprints, base, `${side}.${person}`) };
      if (files.faces?.length) {
        pipeline ??= createFacePipeline(await loadModels({ intraOpThreads: 2 }));
        record.faceEmbeddings = [];
        for (const face of files.faces) record.faceEmbeddings.push(await faceOf(pipeline, resolve(base, face)));
      }
      records[side][person] = record;
    }
  }
  return records;
}
