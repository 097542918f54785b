import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  alleleSampler,
  createRng,
  shippedFrequencyTable,
  simulateChild,
  simulateProfile,
} from '../engine/dna/frequencies.js';
import { exportGeneMapper } from '../engine/dna/formats.js';
import { randomMatchProbability } from '../engine/dna/stats.js';
import { bearer, startTestService, type TestService } from './helpers/service.js';

describe('DNA statistics and familial search through HTTP', () => {
  let service: TestService;
  let key: string;
  const table = shippedFrequencyTable('fbi-expanded', 'Caucasian');
  const sampler = alleleSampler(table);
  const rng = createRng(99);
  const mother = simulateProfile(sampler, rng);
  const father = simulateProfile(sampler, rng);
  const child = simulateChild(mother, father, sampler, rng);
  const strangers = Array.from({ length: 60 }, () => simulateProfile(sampler, rng));

  beforeAll(async () => {
    service = await startTestService('pglite');
    key = await service.key('lab', ['enrol', 'search']);
  });
  afterAll(() => service.close());

  const post = (url: string, payload: Record<string, unknown>) =>
    service.app.inject({ method: 'POST', url, headers: bearer(key), payload });

  it('computes the random match probability exactly as the engine does, and audits it', async () => {
    const response = await post('/v1/dna/rmp', { profile: mother, theta: 0.01 });
    expect(response.statusCode).toBe(200);
    const expected = randomMatchProbability(mother, table, 0.01);
    expect(response.json().rmp).toBeCloseTo(expected.rmp, 30);
    expect(response.json().lr).toBeCloseTo(1 / expected.rmp, -5);
    const rows = await service.ctx.db.query("SELECT * FROM audit_log WHERE action = 'dna.statistics'");
    expect(rows.length).toBeGreaterThan(0);
  });

  it('gives a large parent-child LR for a true parent and a small one for a stranger', async () => {
    const parent = await post('/v1/dna/kinship', { a: mother, b: child, relationship: 'parent-child' });
    const stranger = await post('/v1/dna/kinship', { a: strangers[0], b: child, relationship: 'parent-child' });
    expect(parent.json().log10Lr).toBeGreaterThan(3);
    expect(stranger.json().lr).toBeLessThan(parent.json().lr);
    const withMutation = await post('/v1/dna/kinship', {
      a: mother,
      b: child,
      relationship: 'parent-child',
      mutation: { model: 'stepwise', rate: 0.002 },
    });
    expect(withMutation.statusCode).toBe(200);
  });

  it('rejects an unknown frequency database with a 400', async () => {
    const response = await post('/v1/dna/rmp', { profile: mother, frequencies: { database: 'martian' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('IDM_BAD_FREQUENCIES');
  });

  it('ranks the parents first in a familial search of the gallery', { timeout: 120_000 }, async () => {
    const profiles = [mother, father, ...strangers].map((p, i) => ({ id: i === 0 ? 'MOTHER' : i === 1 ? 'FATHER' : `S${i}`, ...p }));
    const imported = await post('/v1/dna/imports?wait=120', { category: 'offender', profiles });
    const byExternal = new Map<string, string>(
      imported.json().result.subjects.map((s: { externalId: string; subjectId: string }) => [s.subjectId, s.externalId]),
    );
    const search = await post('/v1/searches?wait=120', {
      modality: 'dna',
      profile: child,
      familial: { relationships: ['parent-child', 'full-sibling'], topK: 5 },
    });
    expect(search.statusCode).toBe(200);
    const [parentChild] = search.json().result.rankings;
    expect(parentChild.relationship).toBe('parent-child');
    const top2 = parentChild.candidates.slice(0, 2).map((c: { subjectId: string }) => byExternal.get(c.subjectId));
    expect(top2.sort()).toEqual(['FATHER', 'MOTHER']);
  });
});

describe('lab exports imported through HTTP', () => {
  let service: TestService;
  let key: string;

  beforeAll(async () => {
    service = await startTestService('pglite');
    key = await service.key('lab', ['enrol', 'search']);
  });
  afterAll(() => service.close());

  it('imports a GeneMapper table as one job, and reports a bad row by line without importing anything', async () => {
    const rng = createRng(5);
    const sampler = alleleSampler(shippedFrequencyTable('fbi-expanded', 'Caucasian'));
    const people = Array.from({ length: 5 }, (_, i) => ({ id: `GM${i}`, profile: simulateProfile(sampler, rng) }));
    const table = exportGeneMapper(people, ',');
    const ok = await service.app.inject({
      method: 'POST',
      url: '/v1/dna/imports?wait=120',
      headers: bearer(key),
      payload: { category: 'offender', text: table, fileName: 'run-42.csv' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().result).toMatchObject({ records: 5, enrolled: 5 });
    const search = await service.app.inject({
      method: 'POST',
      url: '/v1/searches?wait=120',
      headers: bearer(key),
      payload: { modality: 'dna', profile: people[3].profile },
    });
    const found = search.json().result.candidates.map((c: { subjectId: string }) => c.subjectId);
    const byExternal = new Map(ok.json().result.subjects.map((s: { externalId: string; subjectId: string }) => [s.externalId, s.subjectId]));
    expect(found).toEqual([byExternal.get('GM3')]);

    // Line 3 gets an allele that is not an allele.
    const lines = table.trimEnd().split('\n');
    const cells = lines[2].split(',');
    cells[2] = `x${cells[2]}`;
    lines[2] = cells.join(',');
    const broken = lines.join('\n');
    const [{ n: before }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subjects');
    const bad = await service.app.inject({
      method: 'POST',
      url: '/v1/dna/imports?wait=120',
      headers: bearer(key),
      payload: { category: 'offender', text: broken, fileName: 'run-43.csv' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('IDM_BAD_IMPORT');
    expect(bad.json().detail).toMatch(/run-43\.csv:\d+/);
    const [{ n: after }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subjects');
    expect(after).toBe(before);
  });
});
