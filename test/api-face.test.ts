import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { convertAll } from '../models/convert.js';
import { demoPhoto } from './face-fixtures.js';
import { bearer, startTestService, type TestService } from './helpers/service.js';

interface FaceResult {
  faces: Array<{ candidates: Array<{ subjectId: string; score: number; rank: number; matches: Array<{ sampleId: string | null }> }> }>;
}

describe('face enrolment and search through HTTP', () => {
  let service: TestService;
  let lab: string;
  let other: string;
  const photo1 = Buffer.from(demoPhoto('sample1.jpg')).toString('base64');
  const photo3 = Buffer.from(demoPhoto('sample3.jpg')).toString('base64');

  beforeAll(async () => {
    convertAll(); // the converted models, built on first use in a fresh checkout
    service = await startTestService('pglite');
    lab = await service.key('lab', ['enrol', 'search']);
    other = await service.key('other', ['enrol', 'search']);
  });
  afterAll(() => service.close());

  async function subject(key: string, restriction: 'none' | 'agency' = 'none') {
    const response = await service.app.inject({
      method: 'POST',
      url: '/v1/subjects',
      headers: bearer(key),
      payload: { category: 'arrestee', restriction },
    });
    return response.json().id as string;
  }

  const enrolFace = (key: string, id: string, image: string) =>
    service.app.inject({
      method: 'POST',
      url: `/v1/subjects/${id}/samples?wait=90`,
      headers: bearer(key),
      payload: { modality: 'face', image },
    });

  const search = async (key: string, image: string, extra: Record<string, unknown> = {}) => {
    const response = await service.app.inject({
      method: 'POST',
      url: '/v1/searches?wait=90',
      headers: bearer(key),
      payload: { modality: 'face', image, ...extra },
    });
    expect(response.statusCode).toBe(200);
    return response.json().result as FaceResult;
  };

  const bestFor = (result: FaceResult, subjectId: string) =>
    Math.max(-1, ...result.faces.flatMap((f) => f.candidates.filter((c) => c.subjectId === subjectId).map((c) => c.score)));

  it('enrols the largest face of a photo and finds it again in the same group photo', { timeout: 180_000 }, async () => {
    const id = await subject(lab);
    const enrolled = await enrolFace(lab, id, photo1);
    expect(enrolled.statusCode).toBe(201);
    const result = await search(lab, photo1);
    expect(result.faces.length).toBeGreaterThanOrEqual(3);
    // The enrolled face itself comes back at rank 1 with (near) identity similarity.
    const hits = result.faces.map((f) => f.candidates[0]).filter((c) => c?.subjectId === id);
    const best = hits.reduce((a, b) => (b.score > a.score ? b : a));
    expect(best.rank).toBe(1);
    expect(best.score).toBeGreaterThan(0.99);
    expect(best.matches[0].sampleId).toBe(enrolled.json().sampleId);

    // Deleted: gone from the next search at once.
    await service.app.inject({ method: 'DELETE', url: `/v1/subjects/${id}`, headers: bearer(lab) });
    expect(bestFor(await search(lab, photo1), id)).toBe(-1);
  });

  it('keeps an agency-restricted face out of other agencies’ candidate lists', { timeout: 180_000 }, async () => {
    const id = await subject(lab, 'agency');
    expect((await enrolFace(lab, id, photo3)).statusCode).toBe(201);
    expect(bestFor(await search(lab, photo3), id)).toBeGreaterThan(0.99);
    expect(bestFor(await search(other, photo3), id)).toBe(-1);
  });

  it('identification mode keeps only candidates above the FMR threshold', { timeout: 180_000 }, async () => {
    const id = await subject(lab);
    await enrolFace(lab, id, photo1);
    const open = await search(lab, photo1);
    const result = await search(lab, photo1, { fmr: 0.001 });
    // The threshold removes impostors: fewer candidates than in investigation mode, the enrolled face kept.
    const count = (r: FaceResult) => r.faces.reduce((n, f) => n + f.candidates.length, 0);
    expect(count(result)).toBeLessThan(count(open));
    expect(bestFor(result, id)).toBeGreaterThan(0.99);
  });

  it('refuses to enrol a photo without a face (422) and a non-image (400)', { timeout: 180_000 }, async () => {
    const id = await subject(lab);
    const noise = await sharp(Buffer.alloc(64 * 64 * 3, 128), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const blank = await enrolFace(lab, id, noise.toString('base64'));
    expect(blank.statusCode).toBe(422);
    expect(blank.json().code).toBe('IDM_NO_FACE');
    const text = await enrolFace(lab, id, Buffer.from('definitely not a photo').toString('base64'));
    expect(text.statusCode).toBe(400);
    expect(text.json().code).toBe('IDM_BAD_IMAGE');
    const notBase64 = await enrolFace(lab, id, '***');
    expect(notBase64.statusCode).toBe(400);
  });
});
