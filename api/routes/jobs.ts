import { Type } from 'typebox';

import type { ServiceContext } from '../../service/context.js';
import { jobKindOf } from '../../workers/jobs.js';
import { actorOf } from '../auth.js';
import { findJob, viewJob } from '../job-view.js';
import { problemResponses } from '../schemas.js';
import type { IdmApp } from '../types.js';

const JobParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const ANY_SCOPE = ['search', 'enrol', 'dvi', 'audit'] as const;
const HEARTBEAT_MS = 15_000;

export function registerJobRoutes(app: IdmApp, ctx: ServiceContext) {
  app.get(
    '/v1/jobs/:id',
    {
      config: { scope: [...ANY_SCOPE] },
      schema: {
        tags: ['jobs'],
        summary: 'A job’s state, progress, result or error',
        params: JobParams,
        response: { 200: Type.Unknown(), ...problemResponses },
      },
    },
    async (request) => viewJob(ctx, await findJob(ctx, request.params.id, actorOf(request))),
  );

  app.get(
    '/v1/jobs/:id/events',
    {
      config: { scope: [...ANY_SCOPE] },
      schema: {
        tags: ['jobs'],
        summary: 'Server-sent events: progress, then completed or failed',
        params: JobParams,
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const job = await findJob(ctx, request.params.id, actorOf(request));
      const kind = jobKindOf(String(job.id));
      if (!kind) return;
      const events = ctx.events(kind);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': request.id,
      });
      const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const mine = (args: { jobId: string }) => args.jobId === job.id;
      const onProgress = (args: { jobId: string; data: unknown }) => mine(args) && send('progress', { progress: args.data });
      const finish = async () => {
        const fresh = await ctx.queues[kind].getJob(String(job.id));
        if (fresh) {
          const view = await viewJob(ctx, fresh);
          send(view.state, view);
        }
        cleanup();
        raw.end();
      };
      const onDone = (args: { jobId: string }) => {
        if (mine(args)) void finish();
      };
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const cleanup = () => {
        clearInterval(heartbeat);
        events.off('progress', onProgress);
        events.off('completed', onDone);
        events.off('failed', onDone);
      };
      events.on('progress', onProgress);
      events.on('completed', onDone);
      events.on('failed', onDone);
      request.raw.on('close', cleanup);
      // The job may have moved on before we subscribed: report where it stands now.
      const view = await viewJob(ctx, job);
      send('state', view);
      if (view.state === 'completed' || view.state === 'failed') await finish();
    },
  );
}
