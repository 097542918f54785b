import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer, startTestService, type TestService } from './helpers/service.js';

describe('API keys, scopes and agencies', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('pglite', { workers: false });
  });
  afterAll(() => service.close());

  const create = (headers: Record<string, string>, payload: Record<string, unknown> = { category: 'offender' }) =>
    service.app.inject({ method: 'POST', url: '/v1/subjects', headers, payload });

  it('refuses a request without a key, with a problem document, and audits the denial', async () => {
    const response = await create({});
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'IDM_UNAUTHENTICATED', status: 401 });
    const denied = await service.ctx.db.query("SELECT * FROM audit_log WHERE action = 'auth.denied'");
    expect(denied.length).toBeGreaterThan(0);
  });

  it('refuses an unknown key and a malformed header', async () => {
    expect((await create(bearer('idm_nope_nope'))).json().code).toBe('IDM_UNAUTHENTICATED');
    expect((await create({ authorization: 'Basic abc' })).statusCode).toBe(401);
  });

  it('refuses a key whose scopes do not cover the route', async () => {
    const searchOnly = await service.key('agency-a', ['search']);
    const response = await create(bearer(searchOnly));
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('IDM_FORBIDDEN_SCOPE');
    const audit = await service.app.inject({ url: '/v1/audit', headers: bearer(searchOnly) });
    expect(audit.statusCode).toBe(403);
  });

  it('keeps a restricted subject invisible to other agencies and undeletable by them', async () => {
    const a = await service.key('agency-a', ['enrol', 'search']);
    const b = await service.key('agency-b', ['enrol', 'search']);
    const restricted = (await create(bearer(a), { category: 'arrestee', restriction: 'agency' })).json();
    const open = (await create(bearer(a), { category: 'offender' })).json();
    expect((await service.app.inject({ url: `/v1/subjects/${restricted.id}`, headers: bearer(b) })).statusCode).toBe(404);
    expect((await service.app.inject({ url: `/v1/subjects/${open.id}`, headers: bearer(b) })).statusCode).toBe(200);
    const deletion = await service.app.inject({ method: 'DELETE', url: `/v1/subjects/${open.id}`, headers: bearer(b) });
    expect(deletion.statusCode).toBe(403);
    expect(deletion.json().code).toBe('IDM_FORBIDDEN_AGENCY');
  });

  it('revoked keys stop working', async () => {
    const { createApiKey, revokeApiKey } = await import('../store/api-keys.js');
    const { key, keyId } = await createApiKey(service.ctx.db, 'agency-r', ['enrol']);
    expect((await create(bearer(key))).statusCode).toBe(201);
    await revokeApiKey(service.ctx.db, keyId);
    expect((await create(bearer(key))).statusCode).toBe(401);
  });

  it('serves the queue dashboard to admins only', async () => {
    const admin = await service.key('ops', ['admin']);
    const user = await service.key('ops', ['search']);
    expect((await service.app.inject({ url: '/admin/queues', headers: bearer(user) })).statusCode).toBe(403);
    const page = await service.app.inject({ url: '/admin/queues', headers: bearer(admin) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });

  it('serves OpenAPI docs, health, readiness and metrics without a key, with security headers', async () => {
    const spec = await service.app.inject({ url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys(spec.json().paths)).toEqual(expect.arrayContaining(['/v1/searches', '/v1/subjects/{id}']));
    const health = await service.app.inject({ url: '/health' });
    expect(health.json()).toEqual({ status: 'ok' });
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['x-request-id']).toBeTruthy();
    const ready = await service.app.inject({ url: '/ready' });
    expect(ready.json()).toMatchObject({ status: 'ready', store: 'pglite' });
    const metrics = await service.app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('idmatch_http_request_duration_seconds');
    expect(metrics.body).toContain('idmatch_queue_jobs');
  });

  it('rate-limits per key', async () => {
    const limited = await startTestService('pglite', { workers: false, config: { rateLimitPerMinute: 3 } });
    try {
      const key = await limited.key('agency-z', ['audit']);
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await limited.app.inject({ url: '/v1/audit', headers: bearer(key) })).statusCode);
      expect(codes.slice(3)).toEqual([429, 429]);
      const problem = await limited.app.inject({ url: '/v1/audit', headers: bearer(key) });
      expect(problem.json().code).toBe('IDM_RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});
