import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';

import type { ServiceContext } from '../../service/context.js';
import type { IdmApp } from '../types.js';

const BASE_PATH = '/admin/queues';

/** The queue dashboard (bull-board), for keys with the admin scope only. */
export async function registerAdminRoutes(app: IdmApp, ctx: ServiceContext) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BASE_PATH);
  createBullBoard({
    queues: Object.values(ctx.queues).map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
    serverAdapter,
  });
  await app.register(
    async (scoped) => {
      // Every dashboard route (pages, static files, its JSON API) needs the admin scope.
      scoped.addHook('onRoute', (route) => {
        route.config = { ...(route.config as object), scope: 'admin' };
        route.schema = { ...(route.schema ?? {}), hide: true };
      });
      await scoped.register(serverAdapter.registerPlugin());
    },
    { prefix: BASE_PATH },
  );
}
