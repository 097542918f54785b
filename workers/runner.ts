import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { type Logger, pino } from 'pino';

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

export interface WorkerOptions {
  kinds?: readonly JobKind[];
  /** Where job failures, stalls and worker errors are reported (default: nowhere). */
  logger?: Logger;
}

/**
 * Logs what an operator needs to see: an attempt that failed (and whether BullMQ will retry it), a job
 * whose lock lapsed (its worker died or starved), and connection errors of the worker itself.
 */
function reportEvents(worker: Worker, kind: JobKind, logger: Logger): void {
  worker.on('failed', (job, error) => {
    const attempts = job?.opts.attempts ?? 1;
    const details = { kind, jobId: job?.id, attempt: job?.attemptsMade, attempts, err: error };
    // Bad input is the caller's problem, answered with its code: worth a line, not an alarm.
    if (error instanceof UnrecoverableError) logger.info(details, 'job refused its input');
    else if (!job || job.attemptsMade >= attempts) logger.error(details, 'job failed');
    else logger.warn(details, 'job attempt failed; it will be retried');
  });
  worker.on('stalled', (jobId) => logger.warn({ kind, jobId }, 'job stalled (its lock lapsed); it goes back to the queue'));
  worker.on('error', (error) => logger.error({ kind, err: error }, 'worker error'));
}

export function startWorkers(ctx: ServiceContext, options: WorkerOptions = {}): RunningWorkers {
  const kinds = options.kinds ?? JOB_KINDS;
  const logger = options.logger ?? pino({ level: 'silent' });
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
    reportEvents(worker, kind, logger);
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
