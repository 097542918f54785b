import { type Job, UnrecoverableError, Worker } from 'bullmq';

import { isIdmError } from '../engine/errors.js';
import type { ServiceContext } from '../service/context.js';
import { runDviSolveJob } from './handlers/dvi-solve.js';
import { runEnrolJob } from './handlers/enrol.js';
import { runImportJob } from './handlers/import.js';
import { runSearchJob } from './handlers/search.js';
import { JOB_KINDS, type JobKind } from './jobs.js';
import { closeWorkerRuntime, createWorkerRuntime, type WorkerRuntime } from './runtime.js';

// biome-ignore lint/suspicious/noExplicitAny: each handler narrows its own job payload.
type Handler = (job: Job<any>, runtime: WorkerRuntime) => Promise<unknown>;

const handlers: Record<JobKind, Handler> = {
  enrol: runEnrolJob,
  search: runSearchJob,
  import: runImportJob,
  dvi: runDviSolveJob,
};

/** A failure caused by the job's input will fail the same way again: do not retry it. */
function classify(error: unknown): Error {
  if (isIdmError(error) && error.status < 500) {
    return new UnrecoverableError(JSON.stringify({ code: error.code, message: error.message, details: error.details }));
  }
  return error instanceof Error ? error : new Error(String(error));
}

export interface RunningWorkers {
  runtime: WorkerRuntime;
  /** Stops taking jobs, lets the running ones finish, then releases the pool. */
  close(): Promise<void>;
}

export function startWorkers(ctx: ServiceContext, kinds: readonly JobKind[] = JOB_KINDS): RunningWorkers {
  const runtime = createWorkerRuntime(ctx.db, ctx.config.poolThreads, ctx.config.dataDir);
  const workers = kinds.map((kind) => {
    const worker = new Worker(
      kind,
      async (job) => {
        try {
          return await handlers[kind](job, runtime);
        } catch (error) {
          throw classify(error);
        }
      },
      {
        connection: ctx.workerConnection(),
        prefix: ctx.config.queuePrefix,
        concurrency: ctx.config.workerConcurrency,
        // A worker that dies holding a job stops renewing its lock; after lockDuration the stalled
        // checker of any live worker returns the job to the queue and another worker runs it.
        lockDuration: ctx.config.jobLockMs,
        stalledInterval: Math.max(500, Math.min(30_000, ctx.config.jobLockMs)),
        maxStalledCount: 3,
      },
    );
    worker.on('error', () => {});
    return worker;
  });
  return {
    runtime,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await closeWorkerRuntime(runtime);
    },
  };
}
