import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { randomProfile } from './helpers/profiles.js';
import { bearer, REDIS_URL, startTestService, type TestService } from './helpers/service.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not reached in time');
}

describe('Redis or the store going away', () => {
  const redisTarget = new URL(REDIS_URL);
  const redisProxy = new TcpProxy(redisTarget.hostname, Number(redisTarget.port || 6379));
  const pgProxy = new TcpProxy('127.0.0.1', 5432);
  let service: TestService;
  let key: string;

  beforeAll(async () => {
    const redisPort = await redisProxy.start();
    const pgPort = await pgProxy.start();
    service = await startTestService('pg', {
      workers: false,
      config: { redisUrl: `redis://127.0.0.1:${redisPort}` },
      databaseUrl: (url) => url.replace(':5432/', `:${pgPort}/`),
    });
    key = await service.key('agency-a', ['enrol', 'search']);
  });
  afterAll(async () => {
    await redisProxy.start();
    await pgProxy.start();
    await service.close();
    await redisProxy.stop();
    await pgProxy.stop();
  });

  const search = () =>
    service.app.inject({
      method: 'POST',
      url: '/v1/searches',
      headers: bearer(key),
      payload: { modality: 'dna', profile: randomProfile(3) },
    });

  it('fails /ready and answers 503 quickly without Redis, then recovers', async () => {
    expect((await service.app.inject({ url: '/ready' })).statusCode).toBe(200);
    await redisProxy.stop();
    const started = Date.now();
    const ready = await service.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().code).toBe('IDM_UNAVAILABLE');
    const refused = await search();
    expect(refused.statusCode).toBe(503);
    expect(refused.json().code).toBe('IDM_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(10_000);
    await redisProxy.start();
    await eventually(async () => (await service.app.inject({ url: '/ready' })).statusCode === 200);
    expect((await search()).statusCode).toBe(202);
  });

  it('fails /ready and answers 503 without the store, then recovers', async () => {
    await pgProxy.stop();
    const started = Date.now();
    expect((await service.app.inject({ url: '/ready' })).statusCode).toBe(503);
    const refused = await service.app.inject({
      method: 'POST',
      url: '/v1/subjects',
      headers: bearer(key),
      payload: { category: 'offender' },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().code).toBe('IDM_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(15_000);
    await pgProxy.start();
    await eventually(async () => (await service.app.inject({ url: '/ready' })).statusCode === 200);
    const created = await service.app.inject({
      method: 'POST',
      url: '/v1/subjects',
      headers: bearer(key),
      payload: { category: 'offender' },
    });
    expect(created.statusCode).toBe(201);
  });
});
