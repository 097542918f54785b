import type { Job } from 'bullmq';

import { IdmError, type ProblemCode, problemCatalogue } from '../engine/errors.js';
import type { ApiKeyIdentity } from '../store/api-keys.js';
import type { ServiceContext } from '../service/context.js';
import { type JobActor, jobKindOf } from '../workers/jobs.js';

export interface JobView {
  id: string;
  kind: string;
  state: string;
  progress: number;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
  result: unknown;
  error: { code: string; message: string; details?: unknown } | null;
}

/** Workers encode input failures as JSON with a problem code; anything else is an internal failure. */
export function jobError(job: Job): JobView['error'] {
  if (!job.failedReason) return null;
  try {
    const parsed = JSON.parse(job.failedReason) as { code: string; message: string; details?: unknown };
    if (parsed.code in problemCatalogue) return parsed;
  } catch {
    // not one of ours: fall through
  }
  return { code: 'IDM_JOB_FAILED', message: job.failedReason };
}

export async function findJob(ctx: ServiceContext, id: string, actor: ApiKeyIdentity): Promise<Job> {
  const kind = jobKindOf(id);
  const job = kind ? await ctx.queues[kind].getJob(id) : undefined;
  const owner = (job?.data as { actor?: JobActor } | undefined)?.actor?.agencyId;
  // Another agency's job is reported as missing rather than forbidden: its existence is not ours to tell.
  if (!job || (owner !== actor.agencyId && !actor.scopes.includes('admin'))) {
    throw new IdmError('IDM_NOT_FOUND', `no job ${id}`);
  }
  return job;
}

export async function viewJob(ctx: ServiceContext, loaded: Job): Promise<JobView> {
  const state = await loaded.getState();
  const kind = jobKindOf(String(loaded.id));
  // The job may have finished between loading it and asking its state: reload it so that the result
  // or the error is there whenever the state says finished.
  const finished = state === 'completed' || state === 'failed';
  const job = (finished && kind ? await ctx.queues[kind].getJob(String(loaded.id)) : loaded) ?? loaded;
  return {
    id: String(job.id),
    kind: job.name,
    state,
    progress: typeof job.progress === 'number' ? job.progress : 0,
    attempts: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    result: state === 'completed' ? job.returnvalue : null,
    error: state === 'failed' ? jobError(job) : null,
  };
}

/**
 * Waits up to `seconds` for a job to finish. Returns the finished view, or null if it is still running
 * (the caller then answers 202 with the job id). A failed job becomes the problem its worker reported.
 */
export async function waitForJob(ctx: ServiceContext, job: Job, seconds: number): Promise<JobView | null> {
  const kind = jobKindOf(String(job.id));
  if (!kind || seconds <= 0) return null;
  // Poll the job's state rather than wait for its events: a 'failed' event also fires for an attempt
  // that will be retried, and events sent before the listener subscribed are never seen.
  const deadline = Date.now() + seconds * 1000;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') break;
    if (Date.now() + pause > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  const fresh = await ctx.queues[kind].getJob(String(job.id));
  if (!fresh) return null;
  const view = await viewJob(ctx, fresh);
  if (view.state === 'failed' && view.error) {
    const code = (view.error.code in problemCatalogue ? view.error.code : 'IDM_JOB_FAILED') as ProblemCode;
    throw new IdmError(code, view.error.message, { jobId: view.id, ...(view.error.details as object) });
  }
  return view.state === 'completed' ? view : null;
}
