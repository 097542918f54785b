import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer, DRIVERS, startTestService, type TestService } from './helpers/service.js';
import { randomProfile } from './helpers/profiles.js';

describe.each(DRIVERS)('DNA direct match through HTTP (%s store)', (driver) => {
  let service: TestService;
  let enrolKey: string;
  let searchKey: string;

  beforeAll(async () => {
    service = await startTestService(driver);
    enrolKey = await service.key('agency-a', ['enrol', 'search']);
    searchKey = await service.key('agency-b', ['search']);
  });
  afterAll(() => service.close());

  async function enrol(profileSeed: number, body: Record<string, unknown> = {}) {
    const subject = await service.app.inject({
      method: 'POST',
      url: '/v1/subjects',
      headers: bearer(enrolKey),
      payload: { category: 'offender', externalId: `P${profileSeed}`, ...body },
    });
    expect(subject.statusCode).toBe(201);
    const id = subject.json().id as string;
    const sample = await service.app.inject({
      method: 'POST',
      url: `/v1/subjects/${id}/samples?wait=120`,
      headers: bearer(enrolKey),
      payload: { modality: 'dna', profile: randomProfile(profileSeed) },
    });
    expect(sample.statusCode).toBe(201);
    return { subjectId: id, sample: sample.json() };
  }

  it('enrols profiles and finds the right one at high stringency, with the loci compared', async () => {
    const people = [];
    for (const seed of [11, 12, 13, 14]) people.push(await enrol(seed));
    const search = await service.app.inject({
      method: 'POST',
      url: '/v1/searches?wait=120',
      headers: bearer(searchKey),
      payload: { modality: 'dna', profile: randomProfile(13), stringency: 'high', minSharedLoci: 10 },
    });
    expect(search.statusCode).toBe(200);
    const { result } = search.json();
    expect(result.gallerySize).toBe(4);
    expect(result.candidates.map((c: { subjectId: string }) => c.subjectId)).toEqual([people[2].subjectId]);
    expect(result.candidates[0].sharedLoci).toBe(20);
    expect(result.candidates[0].loci).toHaveLength(20);
    expect(result.candidates[0].loci.every((l: { concordant: boolean }) => l.concordant)).toBe(true);
  });

  it('finds a partial probe and honours the minimum number of shared loci', async () => {
    const { subjectId } = await enrol(21);
    const full = randomProfile(21).loci;
    const partial = Object.fromEntries(Object.entries(full).slice(0, 9));
    const ask = (minSharedLoci: number) =>
      service.app.inject({
        method: 'POST',
        url: '/v1/searches?wait=120',
        headers: bearer(searchKey),
        payload: { modality: 'dna', profile: { loci: partial }, stringency: 'high', minSharedLoci },
      });
    const found = (await ask(8)).json().result.candidates.map((c: { subjectId: string }) => c.subjectId);
    expect(found).toContain(subjectId);
    expect((await ask(12)).json().result.candidates).toEqual([]);
  });

  it('answers 202 with a job id, then the job carries state, progress and result', async () => {
    await enrol(31);
    const accepted = await service.app.inject({
      method: 'POST',
      url: '/v1/searches',
      headers: bearer(searchKey),
      payload: { modality: 'dna', profile: randomProfile(31) },
    });
    expect(accepted.statusCode).toBe(202);
    const { jobId, links } = accepted.json();
    expect(links.job).toBe(`/v1/jobs/${jobId}`);
    let view: { state: string; progress: number; result: { candidates: unknown[] } | null } = {
      state: 'waiting',
      progress: 0,
      result: null,
    };
    for (let i = 0; i < 100 && view.state !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = (await service.app.inject({ url: `/v1/jobs/${jobId}`, headers: bearer(searchKey) })).json();
    }
    expect(view.state).toBe('completed');
    expect(view.progress).toBe(100);
    expect(view.result?.candidates).toHaveLength(1);
    // Another agency cannot see this agency's job.
    const other = await service.key('agency-c', ['search']);
    expect((await service.app.inject({ url: `/v1/jobs/${jobId}`, headers: bearer(other) })).statusCode).toBe(404);
  });

  it('streams job events as server-sent events', async () => {
    const accepted = await service.app.inject({
      method: 'POST',
      url: '/v1/searches?wait=120',
      headers: bearer(searchKey),
      payload: { modality: 'dna', profile: randomProfile(99) },
    });
    const { jobId } = accepted.json();
    const events = await service.app.inject({ url: `/v1/jobs/${jobId}/events`, headers: bearer(searchKey) });
    expect(events.headers['content-type']).toContain('text/event-stream');
    expect(events.body).toContain('event: completed');
  });

  it('deletes a subject from the store and from the gallery, and audits it', async () => {
    const { subjectId } = await enrol(41);
    const probe = { modality: 'dna', profile: randomProfile(41) };
    const before = await service.app.inject({ method: 'POST', url: '/v1/searches?wait=120', headers: bearer(searchKey), payload: probe });
    expect(before.json().result.candidates.map((c: { subjectId: string }) => c.subjectId)).toEqual([subjectId]);
    const removed = await service.app.inject({ method: 'DELETE', url: `/v1/subjects/${subjectId}`, headers: bearer(enrolKey) });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ deleted: true, templates: 1, samples: 1 });
    const after = await service.app.inject({ method: 'POST', url: '/v1/searches?wait=120', headers: bearer(searchKey), payload: probe });
    expect(after.json().result.candidates).toEqual([]);
    expect((await service.app.inject({ url: `/v1/subjects/${subjectId}`, headers: bearer(enrolKey) })).statusCode).toBe(404);
    const rows = await service.ctx.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE resource_id = $1 AND action = 'subject.delete'",
      [subjectId],
    );
    expect(rows).toHaveLength(1);
  });

  it('views a subject with its samples and exports verified sample bytes, both audited', async () => {
    const { subjectId, sample } = await enrol(51);
    const view = await service.app.inject({ url: `/v1/subjects/${subjectId}`, headers: bearer(enrolKey) });
    expect(view.statusCode).toBe(200);
    expect(view.json().samples).toHaveLength(1);
    expect(view.json().templates).toBe(1);
    const content = await service.app.inject({ url: `/v1/samples/${sample.sampleId}/content`, headers: bearer(enrolKey) });
    expect(content.statusCode).toBe(200);
    expect(JSON.parse(content.body)).toEqual(randomProfile(51));
    const actions = await service.ctx.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE action IN ('subject.view','sample.export') AND (resource_id = $1 OR resource_id = $2)",
      [subjectId, sample.sampleId],
    );
    expect(actions.map((a) => a.action).sort()).toEqual(['sample.export', 'subject.view']);
  });

  it('makes a retried enrolment with the same Idempotency-Key a no-op', async () => {
    const subject = await service.app.inject({
      method: 'POST',
      url: '/v1/subjects',
      headers: bearer(enrolKey),
      payload: { category: 'arrestee' },
    });
    const id = subject.json().id;
    const send = () =>
      service.app.inject({
        method: 'POST',
        url: `/v1/subjects/${id}/samples`,
        headers: { ...bearer(enrolKey), 'idempotency-key': 'retry-1' },
        payload: { modality: 'dna', profile: randomProfile(61) },
      });
    const first = await send();
    const second = await send();
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replay']).toBe('true');
    expect(second.json().sampleId).toBe(first.json().sampleId);
    const samples = await service.ctx.db.query('SELECT id FROM samples WHERE subject_id = $1', [id]);
    expect(samples).toHaveLength(1);
  });

  it('bulk-imports profiles as one job with progress, all or nothing', async () => {
    const profiles = Array.from({ length: 30 }, (_, i) => ({ id: `IMP${i}`, ...randomProfile(1000 + i) }));
    const ok = await service.app.inject({
      method: 'POST',
      url: '/v1/dna/imports?wait=120',
      headers: bearer(enrolKey),
      payload: { category: 'arrestee', profiles },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().result).toMatchObject({ records: 30, enrolled: 30 });
    const bad = [...profiles.slice(0, 3).map((p) => ({ ...p, id: `${p.id}-again` })), { id: 'broken', loci: { TH01: ['9.7x'] } }];
    const [{ n: before }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subjects');
    const failed = await service.app.inject({
      method: 'POST',
      url: '/v1/dna/imports?wait=120',
      headers: bearer(enrolKey),
      payload: { category: 'arrestee', profiles: bad },
    });
    expect(failed.statusCode).toBe(400);
    expect(failed.json().code).toBe('IDM_BAD_IMPORT');
    const [{ n: after }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subjects');
    expect(after).toBe(before);
  });
});
