import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

/** Every setting IDMatch reads from the environment, in one place (the README lists them all). */
export interface Config {
  host: string;
  port: number;
  /** PostgreSQL connection string; unset = embedded PGlite under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  redisUrl: string;
  /** Prefix of every BullMQ key, so several deployments (or test runs) can share one Redis. */
  queuePrefix: string;
  logLevel: string;
  /** Threads in the CPU pool of a worker process. */
  poolThreads: number;
  /** Jobs a worker process runs at once per queue. */
  workerConcurrency: number;
  /** How long a worker holds a job lock; a killed worker's job is taken over after about this long. */
  jobLockMs: number;
  maxBodyBytes: number;
  rateLimitPerMinute: number;
}

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

export function loadConfig(overrides: Partial<Config> = {}): Config {
  return {
    host: process.env.HOST ?? '127.0.0.1',
    port: integer('PORT', 8080),
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: resolve(process.env.IDMATCH_DATA_DIR ?? './data'),
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix: process.env.IDMATCH_QUEUE_PREFIX ?? 'idmatch',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    poolThreads: integer('IDMATCH_POOL_THREADS', availableParallelism()),
    workerConcurrency: integer('IDMATCH_WORKER_CONCURRENCY', 4),
    jobLockMs: integer('IDMATCH_JOB_LOCK_MS', 30_000),
    maxBodyBytes: integer('IDMATCH_MAX_BODY_BYTES', 32 * 1024 * 1024),
    rateLimitPerMinute: integer('IDMATCH_RATE_LIMIT_PER_MINUTE', 600),
    ...overrides,
  };
}
