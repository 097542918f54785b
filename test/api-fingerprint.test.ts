import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { NistRecord } from '../engine/fingerprint/formats/ansi-nist.js';
import { writeTransaction } from '../engine/fingerprint/formats/ansi-nist.js';
import { fingerprintImageRecord } from '../engine/fingerprint/formats/ansi-nist-images.js';
import { writeIsoRecord } from '../engine/fingerprint/formats/minutiae-record.js';
import { encodePng } from '../engine/fingerprint/image.js';
import { extractTemplate } from '../engine/fingerprint/extract/index.js';
import { latentCrop, synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import type { GrayImage } from '../engine/fingerprint/types.js';
import { bearer, startTestService, type TestService } from './helpers/service.js';
import { rightSlap } from './helpers/synthetic-slap.js';

const FINGERS = 6;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function transaction(images: Array<{ image: GrayImage; position: number }>): Uint8Array {
  const type1: NistRecord = {
    type: 1,
    idc: 0,
    fields: [
      [2, '0500'],
      [3, ''],
      [4, 'CAR'],
      [5, '20261122'],
      [7, 'DAI000000'],
      [8, 'ORI000000'],
      [9, 'TCN-TEST'],
      [11, '19.69'],
      [12, '19.69'],
    ].map(([tag, value]) => ({ tag: tag as number, value: value as string })),
  };
  const records = images.map(({ image, position }, i) =>
    fingerprintImageRecord(14, { idc: i + 1, image, positions: [position], compression: 'none', source: 'TEST', date: '20261122' }),
  );
  return writeTransaction({ version: '0500', records: [type1, ...records], warnings: [] });
}

describe('fingerprints through HTTP: images, records and ANSI/NIST transactions', () => {
  let service: TestService;
  let key: string;
  const fingers = Array.from({ length: FINGERS }, (_, f) => synthesizeImpressions(synthesizeFinger(100 + f), 2, 7 + f));
  const subjects: string[] = [];

  beforeAll(async () => {
    service = await startTestService('pglite');
    key = await service.key('bureau', ['enrol', 'search']);
  });
  afterAll(() => service.close());

  const post = (url: string, payload: Record<string, unknown>) =>
    service.app.inject({ method: 'POST', url, headers: bearer(key), payload });

  async function newSubject() {
    return (await post('/v1/subjects', { category: 'arrestee' })).json().id as string;
  }

  const search = async (payload: Record<string, unknown>) => {
    const response = await post('/v1/searches?wait=90', { modality: 'fingerprint', ...payload });
    expect(response.statusCode).toBe(200);
    return response.json().result;
  };

  it('enrols one image per finger and finds the mate of an unseen impression at rank 1', { timeout: 180_000 }, async () => {
    for (let f = 0; f < FINGERS; f++) {
      const id = await newSubject();
      subjects.push(id);
      const png = await encodePng(fingers[f][0].image);
      const enrolled = await post(`/v1/subjects/${id}/samples?wait=90`, { modality: 'fingerprint', data: b64(png), position: 2 });
      expect(enrolled.statusCode).toBe(201);
      expect(enrolled.json().result.templates[0].minutiae).toBeGreaterThan(10);
    }
    for (const f of [1, 4]) {
      const result = await search({ data: b64(await encodePng(fingers[f][1].image)), position: 2 });
      expect(result.candidates[0].subjectId).toBe(subjects[f]);
      expect(result.candidates[0].fmr).toBeLessThan(0.001);
    }
  });

  it('finds a latent-like partial print among all positions', { timeout: 180_000 }, async () => {
    const latent = latentCrop(fingers[3][1], 11);
    const result = await search({ data: b64(await encodePng(latent.image)), mode: 'latent' });
    expect(result.mode).toBe('latent');
    expect(result.candidates[0].subjectId).toBe(subjects[3]);
  });

  it('enrols a whole ANSI/NIST transaction (a template per finger) and fuses a tenprint search per subject', { timeout: 180_000 }, async () => {
    const id = await newSubject();
    const card = transaction([0, 5].map((f, i) => ({ image: fingers[f][0].image, position: i + 6 })));
    const enrolled = await post(`/v1/subjects/${id}/samples?wait=90`, { modality: 'fingerprint', data: b64(card) });
    expect(enrolled.statusCode).toBe(201);
    expect(enrolled.json().result.templates.map((t: { position: number }) => t.position)).toEqual([6, 7]);
    const probe = transaction([0, 5].map((f, i) => ({ image: fingers[f][1].image, position: i + 6 })));
    const result = await search({ data: b64(probe), mode: 'tenprint' });
    expect(result.probes).toHaveLength(2);
    expect(result.candidates[0].subjectId).toBe(id);
    expect(result.candidates[0].fingers).toHaveLength(2);
  });

  it('cuts the fingers of a slap on a card, checks them against the rolled prints, and searches each finger once', { timeout: 180_000 }, async () => {
    const id = await newSubject();
    const { image, rollers } = rightSlap();
    const card = transaction([...rollers.map((roller, i) => ({ image: roller, position: 2 + i })), { image, position: 13 }]);
    const enrolled = await post(`/v1/subjects/${id}/samples?wait=90`, { modality: 'fingerprint', data: b64(card) });
    expect(enrolled.statusCode).toBe(201);
    const templates = enrolled.json().result.templates;
    expect(templates.map((t: { position: number }) => t.position)).toEqual([2, 3, 4, 5, 2, 3, 4, 5]);
    for (const tip of templates.slice(4)) {
      expect(tip.slap).toMatchObject({ position: 13, box: { width: expect.any(Number) } });
      expect(tip.sequence).toMatchObject({ position: tip.position, verdict: 'confirmed' });
    }
    // A slap tip and the rolled print of its finger are one finger: the tenprint search uses it once.
    const result = await search({ data: b64(card), mode: 'tenprint' });
    expect(result.probes.map((p: { position: number }) => p.position)).toEqual([2, 3, 4, 5]);
    expect(result.candidates[0].subjectId).toBe(id);
  });

  it('enrols an ISO 19794-2 minutiae record as it is', { timeout: 180_000 }, async () => {
    const id = await newSubject();
    const template = extractTemplate(fingers[2][0].image);
    const enrolled = await post(`/v1/subjects/${id}/samples?wait=90`, {
      modality: 'fingerprint',
      data: b64(writeIsoRecord({ ...template, position: 2 })),
    });
    expect(enrolled.statusCode).toBe(201);
    expect(enrolled.json().result.templates[0]).toMatchObject({ source: 'minutiae-record', position: 2 });
  });

  it('rejects garbage and truncated records with a precise 400 and stores nothing', async () => {
    const id = await newSubject();
    const [{ n: before }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM samples');
    const garbage = await post(`/v1/subjects/${id}/samples`, { modality: 'fingerprint', data: b64(new TextEncoder().encode('hello')) });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().code).toBe('IDM_BAD_IMAGE');
    const iso = writeIsoRecord({ ...extractTemplate(fingers[0][0].image), position: 1 });
    const truncated = await post(`/v1/subjects/${id}/samples`, { modality: 'fingerprint', data: b64(iso.subarray(0, iso.length - 3)) });
    expect(truncated.statusCode).toBe(400);
    expect(truncated.json().code).toBe('IDM_TEMPLATE_FORMAT');
    const [{ n: after }] = await service.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM samples');
    expect(after).toBe(before);
  });
});
