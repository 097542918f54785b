import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

import type { ServiceContext } from '../../service/context.js';
import { JOB_KINDS } from '../../workers/jobs.js';
import type { IdmApp } from '../types.js';

/** Prometheus metrics: process defaults, request latency by route, and queue depth by job kind. */
export function registerMetricsRoutes(app: IdmApp, ctx: ServiceContext) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'idmatch_' });
  const requests = new Histogram({
    name: 'idmatch_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'idmatch_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const kind of JOB_KINDS) {
        const counts = await ctx.queues[kind].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed').catch(() => null);
        if (!counts) continue;
        for (const [state, value] of Object.entries(counts)) this.set({ queue: kind, state }, value);
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    requests.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { schema: { tags: ['service'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
