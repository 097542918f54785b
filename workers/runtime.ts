import type { Job } from 'bullmq';

import type { Database } from '../store/database.js';
import { DnaGallery } from './dna-gallery.js';
import { FaceGalleries } from './face-gallery.js';
import { FingerprintGallery } from './fingerprint-gallery.js';
import { CpuPool } from './pool.js';

/** What a job handler may use: the store, the CPU pool and this process's galleries. */
export interface WorkerRuntime {
  db: Database;
  pool: CpuPool;
  dna: DnaGallery;
  faces: FaceGalleries;
  fingerprints: FingerprintGallery;
  /** Written into audit rows as the source: 'worker', or 'cli' when the CLI runs a handler itself. */
  source: string;
}

/** The part of a BullMQ job a handler uses, so the CLI can run the same handler without a queue. */
export type JobLike<T> = Pick<Job<T>, 'id' | 'data' | 'updateProgress'>;

export function createWorkerRuntime(db: Database, threads: number, dataDir: string, source = 'worker'): WorkerRuntime {
  return { db, pool: new CpuPool(threads), dna: new DnaGallery(), faces: new FaceGalleries(db, dataDir), fingerprints: new FingerprintGallery(), source };
}

/** Releases the pool and writes the galleries' snapshots. */
export async function closeWorkerRuntime(runtime: WorkerRuntime): Promise<void> {
  await runtime.pool.close();
  await runtime.faces.close();
}

/** Runs a handler outside BullMQ (the CLI on the embedded store), reporting progress to a callback. */
export function localJob<T>(id: string, data: T, onProgress: (progress: number) => void = () => {}): JobLike<T> {
  return {
    id,
    data,
    async updateProgress(progress) {
      if (typeof progress === 'number') onProgress(progress);
    },
  };
}
