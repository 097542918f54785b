import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodePng } from '../engine/fingerprint/image.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import { demoPhoto } from './face-fixtures.js';
import { bearer, startTestService, type TestService } from './helpers/service.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/**
 * Two bodies and two missing persons whose reference families are untyped: DNA cannot tell who is
 * who (every DNA LR is 1), so only the fingerprints and faces of the linked subjects can.
 */
const caseDocument = {
  marker: { name: 'L', alleles: ['1', '2', '3'], frequencies: [0.3, 0.3, 0.4] },
  pm: [
    { id: 'V1', sex: 'M', L: ['1', '2'] },
    { id: 'V2', sex: 'M', L: ['1', '2'] },
  ],
  am: [1, 2].map((n) => ({
    family: `F${n}`,
    members: [
      { id: `FA${n}`, sex: 'M' },
      { id: `MO${n}`, sex: 'F' },
      { id: `M${n}`, sex: 'M', father: `FA${n}`, mother: `MO${n}`, missing: true },
    ],
  })),
};

describe('DVI cases with linked fingerprints and faces', () => {
  let service: TestService;
  let key: string;
  let caseId: string;
  const fingers = [synthesizeImpressions(synthesizeFinger(501), 2, 11), synthesizeImpressions(synthesizeFinger(502), 2, 12)];

  beforeAll(async () => {
    service = await startTestService('pglite');
    key = await service.key('dvi-team', ['dvi', 'enrol']);
    const created = await post(key, '/v1/dvi/cases', { name: 'linked', case: caseDocument });
    caseId = created.json().id;
  });
  afterAll(() => service.close());

  const post = (as: string, url: string, payload: Record<string, unknown>) =>
    service.app.inject({ method: 'POST', url, headers: bearer(as), payload });

  async function subjectWith(category: string, samples: Array<Record<string, unknown>>): Promise<string> {
    const id = (await post(key, '/v1/subjects', { category })).json().id as string;
    for (const sample of samples) {
      const enrolled = await post(key, `/v1/subjects/${id}/samples?wait=120`, sample);
      expect(enrolled.statusCode, enrolled.body).toBe(201);
    }
    return id;
  }

  const fingerprint = async (finger: number, impression: number) => ({
    modality: 'fingerprint',
    data: b64(await encodePng(fingers[finger][impression].image)),
    position: 2,
  });

  it('links subjects, compares their prints and photos at solve time, and reports the evidence', { timeout: 180_000 }, async () => {
    const photo = demoPhoto('sample1.jpg');
    // The PM photo: the AM photo downscaled and recompressed, as a second capture of the same face.
    const pmPhoto = await sharp(photo).resize({ width: 1200 }).jpeg({ quality: 80 }).toBuffer();
    const pm1 = await subjectWith('pm-victim', [await fingerprint(0, 0), { modality: 'face', image: b64(pmPhoto) }]);
    const pm2 = await subjectWith('pm-victim', [await fingerprint(1, 0)]);
    const am1 = await subjectWith('am-reference', [await fingerprint(0, 1), { modality: 'face', image: b64(photo) }]);
    const am2 = await subjectWith('am-reference', [await fingerprint(1, 1)]);

    const linked = await post(key, `/v1/dvi/cases/${caseId}/subjects`, {
      link: [
        { side: 'pm', person: 'V1', subjectId: pm1 },
        { side: 'pm', person: 'V2', subjectId: pm2 },
        { side: 'am', person: 'M1', subjectId: am1 },
        { side: 'am', person: 'M2', subjectId: am2 },
      ],
    });
    expect(linked.statusCode).toBe(200);
    expect(linked.json().subjects.pm.V1).toEqual([{ subjectId: pm1, fingerprints: 1, faces: 1 }]);

    const solved = await post(key, `/v1/dvi/cases/${caseId}/solve?wait=120`, {});
    expect(solved.statusCode).toBe(200);
    const { identifications, biometrics } = solved.json().result;
    expect(biometrics).toEqual({ fingerprint: 4, face: 2, skippedFaces: 0 });
    const found = Object.fromEntries(identifications.map((i: { victim: string; missing: string }) => [i.victim, i]));
    expect(found.V1.missing).toBe('M1');
    expect(found.V2.missing).toBe('M2');
    expect(found.V1.log10LR.dna).toBeCloseTo(0, 9);
    expect(found.V1.log10LR.fingerprint).toBeGreaterThan(2);
    expect(found.V1.log10LR.face).toBeGreaterThan(0);
    expect(found.V2.drivers).toEqual(['fingerprint']);

    const report = await service.app.inject({ url: `/v1/dvi/cases/${caseId}/reports/V1`, headers: bearer(key) });
    const evidence = Object.fromEntries(report.json().evidence.map((e: { modality: string }) => [e.modality, e]));
    expect(evidence.fingerprint.effect).toBe('supports');
    expect(evidence.fingerprint.score).toBeGreaterThan(0);
    expect(evidence.face.score).toBeGreaterThan(0.9);
    expect(evidence.dna.score).toBeNull();

    const audited = await service.ctx.db.query<{ details: { linkedSubjects: string[]; templatesCompared: unknown } }>(
      "SELECT details FROM audit_log WHERE action = 'dvi.solve' AND resource_id = $1",
      [caseId],
    );
    expect(audited[0].details.linkedSubjects.sort()).toEqual([pm1, pm2, am1, am2].sort());

    // Unlinking the fingerprints of V2's body leaves DNA alone for it: nothing tells the bodies apart.
    const unlinked = await post(key, `/v1/dvi/cases/${caseId}/subjects`, { unlink: [{ side: 'pm', person: 'V2', subjectId: pm2 }] });
    expect(unlinked.json().subjects.pm.V2).toBeUndefined();
    const again = await post(key, `/v1/dvi/cases/${caseId}/solve?wait=120`, {});
    const v2 = again.json().result.identifications.find((i: { victim: string }) => i.victim === 'V2');
    expect(v2?.log10LR.fingerprint).toBeUndefined();
  });

  it('refuses links to unknown people and to subjects the caller may not see, and changes nothing', async () => {
    const other = await service.key('other-agency', ['enrol']);
    const hidden = (await post(other, '/v1/subjects', { category: 'am-reference', restriction: 'agency' })).json().id;
    const mine = (await post(key, '/v1/subjects', { category: 'am-reference' })).json().id;
    const before = (await service.app.inject({ url: `/v1/dvi/cases/${caseId}`, headers: bearer(key) })).json().case.subjects;

    const unknownPerson = await post(key, `/v1/dvi/cases/${caseId}/subjects`, { link: [{ side: 'am', person: 'V1', subjectId: mine }] });
    expect(unknownPerson.statusCode).toBe(400);
    expect(unknownPerson.json().code).toBe('IDM_BAD_CASE');
    const notVisible = await post(key, `/v1/dvi/cases/${caseId}/subjects`, { link: [{ side: 'am', person: 'M1', subjectId: hidden }] });
    expect(notVisible.statusCode).toBe(404);
    const missingSubject = await post(key, `/v1/dvi/cases/${caseId}/subjects`, { link: [{ side: 'pm', person: 'V1', subjectId: 'nope' }] });
    expect(missingSubject.statusCode).toBe(404);
    const badBody = await post(key, `/v1/dvi/cases/${caseId}/subjects`, { link: [{ side: 'xx', person: 'V1', subjectId: mine }] });
    expect(badBody.statusCode).toBe(400);

    const after = (await service.app.inject({ url: `/v1/dvi/cases/${caseId}`, headers: bearer(key) })).json().case.subjects;
    expect(after).toEqual(before);
  });
});
