import { Type } from 'typebox';

import type { ServiceContext } from '../../service/context.js';
import { problemOf, sendProblem } from '../problem.js';
import { ProblemSchema } from '../schemas.js';
import type { IdmApp } from '../types.js';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function registerHealthRoutes(app: IdmApp, ctx: ServiceContext) {
  app.get(
    '/health',
    { schema: { tags: ['service'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['service'],
        summary: 'Readiness: Redis and the store both answer',
        response: {
          200: Type.Object({ status: Type.String(), store: Type.String(), redis: Type.String() }),
          503: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const [store, redis] = await Promise.allSettled([
        withTimeout(ctx.db.ping(), 'the store'),
        withTimeout(ctx.redisReady(), 'Redis'),
      ]);
      if (store.status === 'rejected' || redis.status === 'rejected') {
        const reasons = [store, redis]
          .map((check, i) => (check.status === 'rejected' ? `${i === 0 ? 'store' : 'redis'}: ${String(check.reason?.message ?? check.reason)}` : null))
          .filter(Boolean);
        return sendProblem(request, reply, problemOf('IDM_UNAVAILABLE', reasons.join('; ')));
      }
      return { status: 'ready', store: ctx.db.driver, redis: 'ok' };
    },
  );
}
