import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer, startTestService, type TestService } from './helpers/service.js';
import { randomProfile } from './helpers/profiles.js';

describe('bad input gets a precise 4xx problem and writes nothing', () => {
  let service: TestService;
  let key: string;
  let subjectId: string;

  beforeAll(async () => {
    service = await startTestService('pglite', { config: { maxBodyBytes: 64 * 1024 } });
    key = await service.key('agency-a', ['enrol', 'search', 'audit']);
    subjectId = (
      await service.app.inject({ method: 'POST', url: '/v1/subjects', headers: bearer(key), payload: { category: 'offender' } })
    ).json().id;
  });
  afterAll(() => service.close());

  async function counts() {
    const [row] = await service.ctx.db.query<{ subjects: number; samples: number; blobs: number }>(
      'SELECT (SELECT count(*)::int FROM subjects) AS subjects, (SELECT count(*)::int FROM samples) AS samples, (SELECT count(*)::int FROM blobs) AS blobs',
    );
    return row;
  }

  const addSample = (payload: unknown, headers: Record<string, string> = {}) =>
    service.app.inject({
      method: 'POST',
      url: `/v1/subjects/${subjectId}/samples`,
      headers: { ...bearer(key), ...headers },
      payload: payload as string,
    });

  it.each([
    ['malformed JSON', '{"modality": "dna", "profile": {', 'IDM_BAD_JSON'],
    ['a wrong type', { modality: 'dna', profile: { loci: 7 } }, 'IDM_VALIDATION'],
    ['an unknown modality', { modality: 'iris', profile: { loci: {} } }, 'IDM_VALIDATION'],
    ['an unknown locus', { modality: 'dna', profile: { loci: { D99S999: ['12'] } } }, 'IDM_UNKNOWN_LOCUS'],
    ['an allele that is not an allele', { modality: 'dna', profile: { loci: { TH01: ['nine'] } } }, 'IDM_BAD_ALLELE'],
    ['an empty profile', { modality: 'dna', profile: { loci: {} } }, 'IDM_BAD_PROFILE'],
    ['an unexpected field', { modality: 'dna', profile: randomProfile(1), extra: true }, 'IDM_VALIDATION'],
  ])('%s', async (_name, payload, code) => {
    const before = await counts();
    const response = await addSample(payload, typeof payload === 'string' ? { 'content-type': 'application/json' } : {});
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = response.json();
    expect(problem.code).toBe(code);
    expect(problem.detail.length).toBeGreaterThan(5);
    expect(await counts()).toEqual(before);
  });

  it('names the offending locus and allele', async () => {
    const response = await addSample({ modality: 'dna', profile: { loci: { TH01: ['9.3'], D3S1358: ['x15'] } } });
    expect(response.json().detail).toMatch(/D3S1358/);
    expect(response.json().detail).toMatch(/x15/);
  });

  it('rejects an oversized body with 413', async () => {
    const before = await counts();
    const huge = { modality: 'dna', profile: { loci: { TH01: ['9'] } }, capture: { note: 'x'.repeat(100_000) } };
    const response = await addSample(huge);
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('IDM_BODY_TOO_LARGE');
    expect(await counts()).toEqual(before);
  });

  it('rejects an unsupported content type with 415', async () => {
    const response = await addSample('modality=dna', { 'content-type': 'text/plain' });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('IDM_UNSUPPORTED_MEDIA');
  });

  it('rejects a bad search probe before queueing anything', async () => {
    const response = await service.app.inject({
      method: 'POST',
      url: '/v1/searches',
      headers: bearer(key),
      payload: { modality: 'dna', profile: { loci: { vWA: ['17', '18'], Penta_Q: ['1'] } } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('IDM_UNKNOWN_LOCUS');
    expect(await service.ctx.queues.search.getJobCounts('waiting', 'active', 'completed')).toEqual({
      waiting: 0,
      active: 0,
      completed: 0,
    });
  });

  it('answers unknown routes, subjects and jobs with 404 problems', async () => {
    expect((await service.app.inject({ url: '/v1/nope', headers: bearer(key) })).json().code).toBe('IDM_NOT_FOUND');
    expect((await service.app.inject({ url: '/v1/subjects/missing', headers: bearer(key) })).statusCode).toBe(404);
    expect((await service.app.inject({ url: '/v1/jobs/search-missing', headers: bearer(key) })).statusCode).toBe(404);
    expect((await service.app.inject({ url: '/v1/jobs/garbage', headers: bearer(key) })).statusCode).toBe(404);
  });

  it('accepts a DNA sample as a multipart upload', async () => {
    const boundary = '----idm';
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="modality"',
      '',
      'dna',
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="p.json"',
      'Content-Type: application/json',
      '',
      JSON.stringify(randomProfile(5)),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const response = await service.app.inject({
      method: 'POST',
      url: `/v1/subjects/${subjectId}/samples?wait=120`,
      headers: { ...bearer(key), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().result.created).toBe(true);
  });
});
