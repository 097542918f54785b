import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyAuditChain } from '../store/audit.js';
import { randomProfile } from './helpers/profiles.js';
import { bearer, startTestService, type TestService } from './helpers/service.js';

const CLI = fileURLToPath(new URL('../bin/idmatch.js', import.meta.url));
const RECORDS = 4000;

function startWorkerProcess(service: TestService): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: service.config.databaseUrl,
      REDIS_URL: service.config.redisUrl,
      IDMATCH_QUEUE_PREFIX: service.config.queuePrefix,
      IDMATCH_JOB_LOCK_MS: '2000',
      IDMATCH_POOL_THREADS: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('durable jobs', () => {
  let service: TestService;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // This process is only the API; the workers are separate processes sharing PostgreSQL and Redis.
    service = await startTestService('pg', { workers: false });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await service.close();
  });

  it('a job whose worker is killed mid-way (SIGKILL) is finished by another worker, with nothing lost or doubled', async () => {
    const key = await service.key('agency-a', ['enrol']);
    const profiles = Array.from({ length: RECORDS }, (_, i) => ({ id: `K${i}`, ...randomProfile(50_000 + i) }));
    const accepted = await service.app.inject({
      method: 'POST',
      url: '/v1/dna/imports',
      headers: bearer(key),
      payload: { category: 'offender', profiles },
    });
    expect(accepted.statusCode).toBe(202);
    const { jobId } = accepted.json();

    const first = startWorkerProcess(service);
    children.push(first);
    const view = () => service.app.inject({ url: `/v1/jobs/${jobId}`, headers: bearer(key) }).then((r) => r.json());
    // Wait until the first worker is writing (progress past validation, not yet done).
    await until('the import to be under way', async () => {
      const v = await view();
      return v.state === 'active' && v.progress > 5 && v.progress < 100 ? v : undefined;
    }, 90_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const [{ n: partial }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subjects');
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(RECORDS);

    const second = startWorkerProcess(service);
    children.push(second);
    const done = await until('the import to complete', async () => {
      const v = await view();
      if (v.state === 'failed') throw new Error(`job failed: ${JSON.stringify(v.error)}`);
      return v.state === 'completed' ? v : undefined;
    }, 120_000, 250);
    expect(done.result.records).toBe(RECORDS);
    expect(done.result.enrolled + done.result.alreadyPresent).toBe(RECORDS);
    expect(done.result.alreadyPresent).toBeGreaterThan(0);
    const [{ subjects, templates }] = await service.ctx.db.query<{ subjects: number; templates: number }>(
      'SELECT (SELECT count(*)::int FROM subjects) AS subjects, (SELECT count(*)::int FROM templates) AS templates',
    );
    expect(subjects).toBe(RECORDS);
    expect(templates).toBe(RECORDS);
    expect((await verifyAuditChain(service.ctx.db)).ok).toBe(true);
    second.kill('SIGTERM');
  }, 240_000);
});
