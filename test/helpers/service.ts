import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';

import { buildApp } from '../../api/app.js';
import type { IdmApp } from '../../api/types.js';
import { type Config, loadConfig } from '../../service/config.js';
import { ServiceContext } from '../../service/context.js';
import { createApiKey, type Scope } from '../../store/api-keys.js';
import { type RunningWorkers, startWorkers } from '../../workers/runner.js';

export type Driver = 'pglite' | 'pg';
export const DRIVERS: Driver[] = ['pglite', 'pg'];

export const PG_ADMIN_URL = process.env.IDMATCH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh, empty PostgreSQL database for one test file; dropped by the returned function. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `idm_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Removes every Redis key under a queue prefix (each test run uses its own prefix). */
export async function clearQueuePrefix(prefix: string, redisUrl = REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface TestService {
  driver: Driver;
  config: Config;
  ctx: ServiceContext;
  app: IdmApp;
  workers: RunningWorkers | null;
  key(agency: string, scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  workers?: boolean;
  config?: Partial<Config>;
  /** Rewrites the fresh database's URL, e.g. to route it through a proxy the test controls. */
  databaseUrl?: (url: string) => string;
}

/** API and workers in one process over a fresh store and a private queue prefix. */
export async function startTestService(driver: Driver, options: TestServiceOptions = {}): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'idm-test-'));
  const database = driver === 'pg' ? await freshPostgresDatabase() : null;
  const config = loadConfig({
    databaseUrl: database && options.databaseUrl ? options.databaseUrl(database.url) : database?.url,
    dataDir,
    redisUrl: REDIS_URL,
    queuePrefix: `idmtest-${randomBytes(5).toString('hex')}`,
    poolThreads: 1,
    workerConcurrency: 2,
    jobLockMs: 5000,
    ...options.config,
  });
  const ctx = await ServiceContext.open(config);
  const app = await buildApp(ctx);
  // IDM_TEST_LOG=warn shows job failures and stalls of the service under test on stderr.
  const logger = pino({ level: process.env.IDM_TEST_LOG ?? 'silent' }, pino.destination(2));
  const workers = options.workers === false ? null : startWorkers(ctx, { logger });
  return {
    driver,
    config,
    ctx,
    app,
    workers,
    async key(agency, scopes) {
      return (await createApiKey(ctx.db, agency, scopes)).key;
    },
    async close() {
      await app.close();
      await workers?.close();
      await ctx.close();
      await clearQueuePrefix(config.queuePrefix, config.redisUrl);
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(key: string) {
  return { authorization: `Bearer ${key}` };
}
