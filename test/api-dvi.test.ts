import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { toDviCaseJson } from '../engine/dvi/caseJson.js';
import { simulateIncident } from '../engine/dvi/simulate.js';
import { bearer, startTestService, type TestService } from './helpers/service.js';

const FAMILIAS = fileURLToPath(new URL('../../shared/data/dna/dvi-cases/familias/Solution3_3.fam', import.meta.url));

describe('DVI cases through HTTP', () => {
  let service: TestService;
  let analyst: string;
  let confirmer: string;
  const incident = simulateIncident({ seed: 7, families: 5, victims: 6, loci: 16, relatives: [2, 3] });

  beforeAll(async () => {
    service = await startTestService('pglite');
    analyst = await service.key('dvi-team', ['dvi']);
    confirmer = await service.key('dvi-team', ['dvi', 'dvi:confirm']);
  });
  afterAll(() => service.close());

  const post = (key: string, url: string, payload: Record<string, unknown>) =>
    service.app.inject({ method: 'POST', url, headers: bearer(key), payload });

  it('solves a simulated incident, walks the workflow with four eyes, and reports', async () => {
    const created = await post(analyst, '/v1/dvi/cases', { name: 'sim-7', case: toDviCaseJson(incident.dvi) });
    expect(created.statusCode).toBe(201);
    const caseId = created.json().id;
    const solved = await post(analyst, `/v1/dvi/cases/${caseId}/solve?wait=120`, {});
    expect(solved.statusCode).toBe(200);
    const { identifications } = solved.json().result;
    expect(identifications.length).toBeGreaterThan(0);
    for (const identification of identifications) {
      expect(incident.truth[identification.victim]).toBe(identification.missing);
    }

    const first = identifications[0];
    const candidates = await service.app.inject({
      url: `/v1/dvi/cases/${caseId}/candidates?victim=${first.victim}`,
      headers: bearer(analyst),
    });
    expect(candidates.json().victims[0].candidates[0].missing).toBe(first.missing);

    const move = (key: string, to: string) =>
      post(key, `/v1/dvi/cases/${caseId}/identifications/transition`, {
        victim: first.victim,
        missing: first.missing,
        to,
        reason: `test: ${to}`,
      });
    expect((await move(analyst, 'proposed')).statusCode).toBe(200);
    const noScope = await move(analyst, 'confirmed');
    expect(noScope.statusCode).toBe(403);
    expect(noScope.json().code).toBe('IDM_FORBIDDEN_SCOPE');
    const confirmed = await move(confirmer, 'confirmed');
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().status).toBe('confirmed');
    const backwards = await move(confirmer, 'candidate');
    expect(backwards.statusCode).toBe(409);
    expect(backwards.json().code).toBe('IDM_BAD_TRANSITION');

    const report = await service.app.inject({ url: `/v1/dvi/cases/${caseId}/reports/${first.victim}`, headers: bearer(analyst) });
    expect(report.statusCode).toBe(200);
    expect(report.json().status).toBe('confirmed');
    const html = await service.app.inject({
      url: `/v1/dvi/cases/${caseId}/reports/${first.victim}?format=html`,
      headers: bearer(analyst),
    });
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain(first.missing);

    const audited = await service.ctx.db.query<{ details: { to: string } }>(
      "SELECT details FROM audit_log WHERE action = 'dvi.identification.transition' AND resource_id = $1 ORDER BY seq",
      [caseId],
    );
    expect(audited.map((row) => row.details.to)).toEqual(['proposed', 'confirmed']);
  });

  it('adding items re-opens a case: its old solution is not served', async () => {
    const created = await post(analyst, '/v1/dvi/cases', { name: 'grow', case: toDviCaseJson(incident.dvi) });
    const caseId = created.json().id;
    await post(analyst, `/v1/dvi/cases/${caseId}/solve?wait=120`, {});
    const victim = { ...(toDviCaseJson(incident.dvi).pm as Array<Record<string, unknown>>)[0], id: 'NEW-BODY' };
    const added = await post(analyst, `/v1/dvi/cases/${caseId}/items`, { pm: [victim] });
    expect(added.statusCode).toBe(200);
    expect(added.json().victims).toBe(7);
    const stale = await service.app.inject({ url: `/v1/dvi/cases/${caseId}/candidates`, headers: bearer(analyst) });
    expect(stale.statusCode).toBe(409);
  });

  it('rejects malformed cases with a precise 400 and stores nothing', async () => {
    const [{ n: before }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases');
    const noPm = await post(analyst, '/v1/dvi/cases', { name: 'bad', case: { marker: { name: 'L', alleles: ['1'], frequencies: [1] }, am: [] } });
    expect(noPm.statusCode).toBe(400);
    expect(noPm.json().code).toBe('IDM_BAD_CASE');
    const both = await post(analyst, '/v1/dvi/cases', { name: 'bad', familias: 'x', case: {} });
    expect(both.json().code).toBe('IDM_VALIDATION');
    const fam = await post(analyst, '/v1/dvi/cases', { name: 'bad', familias: 'not a familias file' });
    expect(fam.statusCode).toBe(400);
    const [{ n: after }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases');
    expect(after).toBe(before);
  });

  it('keeps one agency’s cases from another', async () => {
    const created = await post(analyst, '/v1/dvi/cases', { name: 'private', case: toDviCaseJson(incident.dvi) });
    const other = await service.key('other-team', ['dvi']);
    const response = await service.app.inject({ url: `/v1/dvi/cases/${created.json().id}`, headers: bearer(other) });
    expect(response.statusCode).toBe(404);
  });

  it.skipIf(!existsSync(FAMILIAS))('imports the Familias plane-crash exercise and identifies victims', async () => {
    const created = await post(analyst, '/v1/dvi/cases', { name: 'Solution3_3', familias: readFileSync(FAMILIAS, 'latin1') });
    expect(created.statusCode).toBe(201);
    expect(created.json().victims).toBe(8);
    const solved = await post(analyst, `/v1/dvi/cases/${created.json().id}/solve?wait=120`, {});
    expect(solved.statusCode).toBe(200);
    expect(solved.json().result.identifications.length).toBeGreaterThan(0);
  });
});
if (!existsSync(FAMILIAS)) console.warn(`skipping the Familias API test: ${FAMILIAS} missing`);
