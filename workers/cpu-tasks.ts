/**
 * The pool thread's entry point: one function per task name. Everything here is pure engine work on
 * plain data; the thread never touches Redis or the store.
 */
import type { MessagePort } from 'node:worker_threads';

import sharp from 'sharp';

import { createFacePipeline, type FaceAnalysis, type FacePipeline } from '../engine/face/pipeline.js';
import { prepareScanEntries, type ScanHit, scanGallery } from '../engine/fingerprint/gallery-scan.js';
import { type FingerprintReading, type ReadOptions, readFingerprints } from '../engine/fingerprint/input.js';
import type { FingerprintTemplate } from '../engine/fingerprint/types.js';
import { loadDefaultModels } from '../models/load.js';
import type { FingerprintGalleryRows } from './fingerprint-gallery.js';
import { type FamilialOptions, type FamilialRanking, familialSearch } from '../engine/dna/familial.js';
import { shippedFrequencyTable } from '../engine/dna/frequencies.js';
import { parseProfile, type StrProfile } from '../engine/dna/profile.js';
import { type DnaCandidate, type DnaSearchOptions, ProfileDatabase } from '../engine/dna/search.js';
import { parseDviCaseJson } from '../engine/dvi/caseJson.js';
import { type DviSolution, solveDvi } from '../engine/dvi/solve.js';
import type { DviSolveSettings } from './jobs.js';
import { openSharedJson, type SharedGallery } from './shared-gallery.js';

export interface DnaTemplateTask {
  name: 'dna.template';
  document: unknown;
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
  /** Receives DviProgress messages while the solver runs. */
  progress?: MessagePort;
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
  gallery: SharedGallery;
  probes: Array<{ position: number; template: FingerprintTemplate }>;
  limit: number;
}

export type CpuTask =
  | DnaTemplateTask
  | DnaSearchTask
  | DnaFamilialTask
  | DviSolveTask
  | FaceAnalyseTask
  | FingerprintReadTask
  | FingerprintSearchTask;

interface CpuResults {
  'dna.template': StrProfile;
  'dna.search': DnaCandidate[];
  'dna.familial': FamilialRanking[];
  'dvi.solve': DviSolution;
  'face.analyse': FaceAnalysis;
  'fp.read': FingerprintReading;
  'fp.search': ScanHit[][];
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

export default async function runCpuTask(task: CpuTask): Promise<CpuResults[CpuTask['name']]> {
  switch (task.name) {
    case 'fp.read':
      return readFingerprints(task.bytes, task.options);
    case 'fp.search': {
      const entries = openSharedJson(task.gallery, (rows) =>
        prepareScanEntries((rows as FingerprintGalleryRows).map(([id, position, template]) => ({ id, position, template }))),
      );
      return task.probes.map((probe) => scanGallery(entries, probe.template, probe.position, task.limit));
    }
    case 'face.analyse':
      return (await faces()).analyse(task.bytes, { maxFaces: task.maxFaces });
    case 'dna.template':
      return parseProfile(task.document);
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
    case 'dvi.solve': {
      const solution = solveDvi(parseDviCaseJson(task.document, task.caseId), {
        ...task.options,
        onProgress: (progress) => task.progress?.postMessage(progress),
      });
      task.progress?.close();
      return solution;
    }
  }
}
