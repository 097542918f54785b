import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { buildApp } from '../../api/app.js';
import { IdmError } from '../../engine/errors.js';
import { loadConfig } from '../../service/config.js';
import { ServiceContext } from '../../service/context.js';
import { createApiKey } from '../../store/api-keys.js';
import { startWorkers } from '../../workers/runner.js';
import { DemoContext } from '../demo/context.js';
import { runDnaDemo } from '../demo/dna.js';
import { runDviDemo } from '../demo/dvi.js';
import { runFaceDemo } from '../demo/face.js';
import { runFingerprintDemo } from '../demo/fingerprint.js';
import type { CommandGroups } from '../groups.js';
import { action } from '../output.js';

/** Fails with instructions, not a hang, when no Redis answers. */
async function requireRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new IdmError(
      'IDM_UNAVAILABLE',
      `no Redis answers at ${url}. Start one with "redis-server --daemonize yes --save '' --appendonly no" ` +
        '(Debian: apt-get install redis-server), or point REDIS_URL at yours.',
    );
  } finally {
    redis.disconnect();
  }
}

export function register({ program }: CommandGroups) {
  program
    .command('demo')
    .description('enrol real and simulated samples, run searches and print the candidate lists (embedded store)')
    .action(
      action(async () => {
        const base = loadConfig();
        // A fresh demo store under the data directory each run, so the output is reproducible.
        const dataDir = join(base.dataDir, 'demo');
        rmSync(dataDir, { recursive: true, force: true });
        const config = loadConfig({ dataDir, databaseUrl: undefined, queuePrefix: `${base.queuePrefix}-demo-${process.pid}` });
        await requireRedis(config.redisUrl);
        const ctx = await ServiceContext.open(config);
        const app = await buildApp(ctx);
        const workers = startWorkers(ctx);
        try {
          const { key } = await createApiKey(ctx.db, 'demo-lab', ['enrol', 'search', 'dvi', 'audit']);
          const confirmer = await createApiKey(ctx.db, 'demo-lab', ['dvi', 'dvi:confirm'], 'second reviewer');
          const demo = new DemoContext(app, key);
          demo.line(`IDMatch demo (embedded PGlite store at ${dataDir}; Redis ${config.redisUrl})`);
          await runDnaDemo(demo);
          await runFingerprintDemo(demo);
          await runFaceDemo(demo);
          await runDviDemo(demo, confirmer.key);
          demo.heading('Audit');
          const verified = await demo.get('/v1/audit/verify');
          demo.line(`  ${verified.checked} audit rows, hash chain ${verified.ok ? 'intact' : `BROKEN at ${verified.firstBroken?.seq}`}`);
        } finally {
          await app.close();
          await workers.close();
          for (const queue of Object.values(ctx.queues)) await queue.obliterate({ force: true }).catch(() => {});
          await ctx.close();
          // The demo is over: should any connection or thread still hold the event loop, leave anyway.
          setTimeout(() => process.exit(), 5000).unref();
        }
      }),
    );
}
