/**
 * The pool thread's entry point: one function per task name. Everything here is pure engine work on
 * plain data; the thread never touches Redis or the store.
 */
import type { MessagePort } from 'node:worker_threads';

import sharp from 'sharp';

import { createFacePipeline, type FaceAnalysis, type FacePipeline } from '../engine/face/pipeline.js';
import { type GallerySnapshot, searchSnapshot } from '../engine/fingerprint/identify/index.js';
import { type FingerprintReading, type ReadOptions, readFingerprints } from '../engine/fingerprint/input.js';
import type { FingerprintTemplate } from '../engine/fingerprint/types.js';
import { loadDefaultModels } from '../models/load.js';
import { IdmError, type ProblemCode } from '../engine/errors.js';
import { type FamilialOptions, type FamilialRanking, familialSearch } from '../engine/dna/familial.js';
import { type ImportedProfile, type ImportFormat, importProfiles } from '../engine/dna/formats.js';
import { shippedFrequencyTable } from '../engine/dna/frequencies.js';
import { parseProfile, type StrProfile } from '../engine/dna/profile.js';
import { type DnaCandidate, type DnaSearchOptions, ProfileDatabase } from '../engine/dna/search.js';
import { parseDviCaseJson } from '../engine/dvi/caseJson.js';
import { type BiometricRecord, biometricScores, withModalityScores } from '../engine/dvi/modalities.js';
import { type DviSolution, solveDvi } from '../engine/dvi/solve.js';
import type { ModalityScore } from '../engine/dvi/types.js';
import type { DviSolveSettings } from './jobs.js';
import { openSharedJson, type SharedGallery } from './shared-gallery.js';

export interface DnaTemplateTask {
  name: 'dna.template';
  document: unknown;
}

export interface DnaImportTask {
  name: 'dna.import';
  text: string;
  format?: ImportFormat;
  file: string;
}

export interface DnaSearchTask {
  name: 'dna.search';
  gallery: SharedGallery;
  probe: StrProfile;
  options: Omit<DnaSearchOptions, 'frequencies'>;
  frequencies: { database: string; population?: string };
}

export interface DviSolveTask {
  name: 'dvi.solve';
  /** The case document in our JSON case format. */
  document: Record<string, unknown>;
  caseId: string;
  options: DviSolveSettings;
  /** Fingerprint and face scores of the subjects linked to the case (`dvi.biometrics` tasks). */
  scores?: ModalityScore[];
  /** Receives DviProgress messages while the solver runs. */
  progress?: MessagePort;
}

/** Victims' fingerprints and faces compared with every missing person's: one share of the victims per task. */
export interface DviBiometricsTask {
  name: 'dvi.biometrics';
  pm: Record<string, BiometricRecord>;
  am: Record<string, BiometricRecord>;
}

export interface DnaFamilialTask {
  name: 'dna.familial';
  gallery: SharedGallery;
  probe: StrProfile;
  frequencies: { database: string; population?: string };
  options: Omit<FamilialOptions, 'frequencies'>;
}

export interface FaceAnalyseTask {
  name: 'face.analyse';
  bytes: Uint8Array;
  maxFaces?: number;
}

export interface FingerprintReadTask {
  name: 'fp.read';
  bytes: Uint8Array;
  options: ReadOptions;
}

export interface FingerprintSearchTask {
  name: 'fp.search';
  gallery: GallerySnapshot;
  /** Position 0 searches as a latent (every position); 1-10 as a finger of that position. */
  probes: Array<{ position: number; template: FingerprintTemplate }>;
  limit: number;
}

export interface FingerprintHit {
  id: string;
  position: number;
  score: number;
  fmr: number;
  log10Lr: number;
}

export type CpuTask =
  | DnaTemplateTask
  | DnaImportTask
  | DnaSearchTask
  | DnaFamilialTask
  | DviBiometricsTask
  | DviSolveTask
  | FaceAnalyseTask
  | FingerprintReadTask
  | FingerprintSearchTask;

interface CpuResults {
  'dna.template': StrProfile;
  'dna.search': DnaCandidate[];
  'dna.import': ImportedProfile[];
  'dna.familial': FamilialRanking[];
  'dvi.biometrics': ModalityScore[];
  'dvi.solve': DviSolution;
  'face.analyse': FaceAnalysis;
  'fp.read': FingerprintReading;
  'fp.search': FingerprintHit[][];
}

export type CpuTaskResult<T extends CpuTask> = CpuResults[T['name']];

/** A DNA gallery as shared with the threads: [templateId, profile] pairs. */
export type DnaGalleryEntries = Array<[string, StrProfile]>;

function buildProfileDatabase(value: unknown): ProfileDatabase {
  const database = new ProfileDatabase();
  for (const [id, profile] of value as DnaGalleryEntries) database.add(id, profile);
  return database;
}

// Each pool thread loads the face models once, on its first face task, with one ONNX Runtime thread:
// the pool, not the runtime, owns the cores. sharp gets one thread per pool thread for the same reason.
let facePipeline: Promise<FacePipeline> | null = null;
function faces(): Promise<FacePipeline> {
  sharp.concurrency(1);
  facePipeline ??= loadDefaultModels({ intraOpThreads: 1 }).then((models) => createFacePipeline(models));
  return facePipeline;
}

/** An IdmError as it crosses the thread boundary (structured clone keeps an Error's message, not its code). */
export interface CpuTaskFailure {
  idmError: { code: ProblemCode; message: string; details: unknown };
}

export default async function runCpuTask(task: CpuTask): Promise<CpuResults[CpuTask['name']] | CpuTaskFailure> {
  try {
    return await runTask(task);
  } catch (error) {
    if (error instanceof IdmError) return { idmError: { code: error.code, message: error.message, details: error.details } };
    throw error;
  }
}

async function runTask(task: CpuTask): Promise<CpuResults[CpuTask['name']]> {
  switch (task.name) {
    case 'fp.read':
      return readFingerprints(task.bytes, task.options);
    case 'fp.search':
      return task.probes.map((probe) =>
        searchSnapshot(task.gallery, probe.template, {
          mode: probe.position > 0 ? 'finger' : 'latent',
          positions: probe.position > 0 ? [probe.position] : undefined,
          limit: task.limit,
        }).map((c) => ({ id: c.id, position: c.position, score: c.score, fmr: c.fmr, log10Lr: c.log10Lr })),
      );
    case 'face.analyse':
      return (await faces()).analyse(task.bytes, { maxFaces: task.maxFaces });
    case 'dna.template':
      return parseProfile(task.document);
    case 'dna.import':
      return importProfiles(task.text, { format: task.format, file: task.file }).profiles;
    case 'dna.search':
      return openSharedJson(task.gallery, buildProfileDatabase).search(task.probe, {
        ...task.options,
        frequencies: shippedFrequencyTable(task.frequencies.database, task.frequencies.population),
      });
    case 'dna.familial':
      return familialSearch(openSharedJson(task.gallery, buildProfileDatabase), task.probe, {
        ...task.options,
        frequencies: shippedFrequencyTable(task.frequencies.database, task.frequencies.population),
      });
    case 'dvi.biometrics':
      return biometricScores(task.pm, task.am);
    case 'dvi.solve': {
      const parsed = parseDviCaseJson(task.document, task.caseId);
      const solution = solveDvi(withModalityScores(parsed, task.scores ?? []), {
        ...task.options,
        onProgress: (progress) => task.progress?.postMessage(progress),
      });
      task.progress?.close();
      return solution;
    }
  }
}
