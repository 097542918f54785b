import { randomUUID } from 'node:crypto';

import { type JobsOptions, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';

import { type Database, openDatabase } from '../store/database.js';
import { migrate } from '../store/migrate.js';
import { JOB_KINDS, type JobKind, type JobPayloads } from '../workers/jobs.js';
import type { Config } from './config.js';

/** What the API, the workers and the CLI share in one process: the store, Redis and the queues. */
export class ServiceContext {
  readonly queues: Record<JobKind, Queue>;
  readonly #events = new Map<JobKind, QueueEvents>();

  private constructor(
    readonly config: Config,
    readonly db: Database,
    /** Producer connection: no offline queue, so a missing Redis fails a request at once (503). */
    readonly redis: Redis,
  ) {
    this.queues = Object.fromEntries(
      JOB_KINDS.map((kind) => [kind, new Queue(kind, { connection: redis, prefix: config.queuePrefix })]),
    ) as Record<JobKind, Queue>;
    for (const queue of Object.values(this.queues)) queue.on('error', () => {});
  }

  static async open(config: Config, options: { migrate?: boolean } = {}): Promise<ServiceContext> {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    if (options.migrate !== false) await migrate(db);
    const redis = new Redis(config.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    // Connection errors surface through failed commands and /ready; an unhandled 'error' event would crash.
    redis.on('error', () => {});
    return new ServiceContext(config, db, redis);
  }

  /** A separate blocking connection for BullMQ workers and queue events (they need no retry limit). */
  workerConnection(): Redis {
    const connection = new Redis(this.config.redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => {});
    return connection;
  }

  events(kind: JobKind): QueueEvents {
    let events = this.#events.get(kind);
    if (!events) {
      events = new QueueEvents(kind, { connection: this.workerConnection(), prefix: this.config.queuePrefix });
      events.on('error', () => {});
      this.#events.set(kind, events);
    }
    return events;
  }

  newJobId(kind: JobKind): string {
    return `${kind}-${randomUUID()}`;
  }

  /** Queues a job; re-adding an existing job id is a no-op, which makes retried requests safe. */
  async enqueue<K extends JobKind>(
    kind: K,
    payload: JobPayloads[K],
    options: JobsOptions = {},
    jobId: string = this.newJobId(kind),
  ): Promise<string> {
    await this.queues[kind].add(kind, payload, {
      jobId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
      ...options,
    });
    return jobId;
  }

  async redisReady(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#events.values()].map((events) => events.close()));
    await Promise.allSettled(Object.values(this.queues).map((queue) => queue.close()));
    this.redis.disconnect();
    await this.db.close();
  }
}
