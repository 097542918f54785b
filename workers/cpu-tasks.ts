/**
 * The pool thread's entry point: one function per task name. Everything here is pure engine work on
 * plain data; the thread never touches Redis or the store.
 */
import type { MessagePort } from 'node:worker_threads';

import type { FaceAnalysis, FacePipeline } from '../engine/face/pipeline.js';
import type { ScanEntry, ScanHit } from '../engine/fingerprint/gallery-scan.js';
import type { FingerprintReading, ReadOptions } from '../engine/fingerprint/input.js';
import type { FingerprintTemplate } from '../engine/fingerprint/types.js';
import type { FingerprintGalleryRows } from './fingerprint-gallery.js';
import { type FamilialOptions, type FamilialRanking, familialSearch } from '../engine/dna/familial.js';
import { shippedFrequencyTable } from '../engine/dna/frequencies.js';
import { parseProfile, type StrProfile } from '../engine/dna/profile.js';
import { type DnaCandidate, type DnaSearchOptions, ProfileDatabase } from '../engine/dna/search.js';
import type { DviSolution } from '../engine/dvi/solve.js';
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

// A thread loads what a task family needs on its first task of that family: a DNA search does not
// wait for ONNX Runtime to load. The face models load once per thread with one ONNX Runtime thread
// (the pool, not the runtime, owns the cores); sharp gets one thread per pool thread for the same reason.
let facePipeline: Promise<FacePipeline> | null = null;
function faces(): Promise<FacePipeline> {
  facePipeline ??= (async () => {
    const [{ default: sharp }, { createFacePipeline }, { loadDefaultModels }] = await Promise.all([
      import('sharp'),
      import('../engine/face/pipeline.js'),
      import('../models/load.js'),
    ]);
    sharp.concurrency(1);
    return createFacePipeline(await loadDefaultModels({ intraOpThreads: 1 }));
  })();
  return facePipeline;
}

const fingerprints = () =>
  Promise.all([import('../engine/fingerprint/input.js'), import('../engine/fingerprint/gallery-scan.js')]).then(
    ([input, scan]) => ({ ...input, ...scan }),
  );
const dvi = () =>
  Promise.all([import('../engine/dvi/caseJson.js'), import('../engine/dvi/solve.js')]).then(([json, solve]) => ({
    ...json,
    ...solve,
  }));

export default async function runCpuTask(task: CpuTask): Promise<CpuResults[CpuTask['name']]> {
  switch (task.name) {
    case 'fp.read':
      return (await fingerprints()).readFingerprints(task.bytes, task.options);
    case 'fp.search': {
      const { prepareScanEntries, scanGallery } = await fingerprints();
      const entries: ScanEntry[] = openSharedJson(task.gallery, (rows) =>
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
      const { parseDviCaseJson, solveDvi } = await dvi();
      const solution = solveDvi(parseDviCaseJson(task.document, task.caseId), {
        ...task.options,
        onProgress: (progress) => task.progress?.postMessage(progress),
      });
      task.progress?.close();
      return solution;
    }
  }
}
