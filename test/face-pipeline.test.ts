/**
 * The face pipeline end to end on real photos (face-api's demo images) and on bad input: faces found,
 * landmarks, alignment, quality and unit-length embeddings; EXIF orientation; tight crops; no-face
 * images reported as such; corrupt, truncated, animated, oversized and non-image uploads rejected with
 * a coded error.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isIdmError } from '../engine/errors.js';
import { cosineSimilarity } from '../engine/face/similarity.js';
import type { LoadedModels } from '../engine/face/models.js';
import { type FacePipeline, createFacePipeline, isEnrolable } from '../engine/face/pipeline.js';
import { defaultModels, demoPhoto } from './face-fixtures.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isIdmError(error) ? error.code : `untyped: ${(error as Error).message}`;
  }
}

describe('face pipeline', () => {
  let models: LoadedModels;
  let pipeline: FacePipeline;

  beforeAll(async () => {
    models = await defaultModels();
    pipeline = createFacePipeline(models);
  });
  afterAll(async () => models?.release());

  it('finds the three faces of sample1.jpg with landmarks, quality and unit-length 128-d embeddings', async () => {
    const result = await pipeline.analyse(demoPhoto('sample1.jpg'));
    expect(result.width).toBe(1920);
    expect(result.height).toBe(1280);
    expect(result.faces).toHaveLength(3);
    for (const face of result.faces) {
      expect(face.score).toBeGreaterThan(0.5);
      expect(face.box.width).toBeGreaterThan(100);
      expect(face.box.x).toBeGreaterThanOrEqual(0);
      expect(face.box.x + face.box.width).toBeLessThanOrEqual(1920);
      expect(face.landmarks).toHaveLength(68);
      // the nose tip (point 30) lies inside the detection box
      const [nx, ny] = face.landmarks[30];
      expect(nx).toBeGreaterThan(face.box.x);
      expect(nx).toBeLessThan(face.box.x + face.box.width);
      expect(ny).toBeGreaterThan(face.box.y);
      expect(ny).toBeLessThan(face.box.y + face.box.height);
      expect(face.embedding).toHaveLength(128);
      expect(Math.hypot(...face.embedding)).toBeCloseTo(1, 5);
      expect(face.quality.size).toBeGreaterThan(40);
      expect(face.quality.overall).toBeGreaterThan(0.3);
      expect(isEnrolable(face)).toBe(true);
    }
    // three different people: no two embeddings are near-identical
    const [a, b, c] = result.faces.map((f) => f.embedding);
    for (const [p, q] of [
      [a, b],
      [a, c],
      [b, c],
    ])
      expect(cosineSimilarity(p, q)).toBeLessThan(0.9);
  });

  it('respects maxFaces and counts every face of a crowded image', async () => {
    const all = await pipeline.analyse(demoPhoto('sample5.jpg'));
    expect(all.faces.length).toBe(5);
    const two = await pipeline.analyse(demoPhoto('sample5.jpg'), { maxFaces: 2 });
    expect(two.faces).toHaveLength(2);
    expect(two.faces[0].score).toBeGreaterThanOrEqual(two.faces[1].score);
  });

  it('handles a 50-face mosaic: every face reported, batched through the nets, no crash', async () => {
    // 50 tiles of 120 px, each a face of the demo photos (22 faces, reused with mirror images)
    const tiles: Array<{ input: Buffer; left: number; top: number }> = [];
    const sources: Array<{
      photo: Uint8Array;
      box: { x: number; y: number; width: number; height: number };
    }> = [];
    for (const name of [
      'sample1.jpg',
      'sample2.jpg',
      'sample3.jpg',
      'sample4.jpg',
      'sample5.jpg',
      'sample6.jpg',
    ]) {
      const photo = demoPhoto(name);
      for (const face of (await pipeline.analyse(photo)).faces) sources.push({ photo, box: face.box });
    }
    for (let i = 0; i < 50; i++) {
      const { photo, box } = sources[i % sources.length];
      const side = Math.round(Math.max(box.width, box.height) * 1.6);
      const left = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
      const top = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
      let tile = sharp(photo).extract({ left, top, width: side, height: side }).resize(120, 120);
      if (i >= sources.length) tile = tile.flop();
      tiles.push({ input: await tile.png().toBuffer(), left: (i % 10) * 120, top: Math.floor(i / 10) * 120 });
    }
    const mosaic = await sharp({
      create: { width: 1200, height: 600, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .composite(tiles)
      .jpeg()
      .toBuffer();
    const result = await pipeline.analyse(mosaic);
    expect(result.faces.length).toBeGreaterThanOrEqual(40);
    // a tile may also show part of a neighbour from the group photo it was cut from
    expect(result.faces.length).toBeLessThanOrEqual(60);
    for (const face of result.faces) expect(face.embedding).toHaveLength(128);
    // the faces are spread over the tiles, not piled on a few
    const tilesHit = new Set(
      result.faces.map(
        (f) =>
          `${Math.floor((f.box.x + f.box.width / 2) / 120)},${Math.floor((f.box.y + f.box.height / 2) / 120)}`,
      ),
    );
    expect(tilesHit.size).toBeGreaterThanOrEqual(40);
  });

  it('applies EXIF orientation: a rotated file tagged orientation 6 gives the same faces', async () => {
    const upright = demoPhoto('sample3.jpg');
    const rotated = await sharp(upright)
      .rotate(270)
      .jpeg({ quality: 92 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const [u, r] = await Promise.all([pipeline.analyse(upright), pipeline.analyse(rotated)]);
    expect([r.width, r.height]).toEqual([u.width, u.height]);
    expect(r.faces).toHaveLength(u.faces.length);
    for (const face of u.faces) {
      const best = Math.max(...r.faces.map((g) => cosineSimilarity(face.embedding, g.embedding)));
      expect(best).toBeGreaterThan(0.9);
    }
  });

  it('embeds the same face similarly after downscaling and recompression', async () => {
    const photo = demoPhoto('sample2.jpg');
    const small = await sharp(photo).resize(960).jpeg({ quality: 70 }).toBuffer();
    const [big, little] = await Promise.all([pipeline.analyse(photo), pipeline.analyse(small)]);
    expect(little.faces).toHaveLength(big.faces.length);
    for (const face of big.faces) {
      const sims = little.faces
        .map((g) => cosineSimilarity(face.embedding, g.embedding))
        .sort((x, y) => y - x);
      expect(sims[0]).toBeGreaterThan(0.93);
      if (sims.length > 1) expect(sims[1]).toBeLessThan(sims[0] - 0.05);
    }
  });

  it('still embeds a tightly cropped face and matches it to the same face in the full photo', async () => {
    const photo = demoPhoto('sample2.jpg');
    const full = await pipeline.analyse(photo);
    const face = full.faces[0];
    // a tight crop: a square of 80% of the detection box's long side around its centre, 150 px, like a mugshot crop
    const side = Math.round(Math.max(face.box.width, face.box.height) * 0.8);
    const left = Math.round(face.box.x + face.box.width / 2 - side / 2);
    const top = Math.round(face.box.y + face.box.height / 2 - side / 2);
    const crop = await sharp(photo)
      .extract({ left, top, width: side, height: side })
      .resize(150, 150)
      .png()
      .toBuffer();
    const result = await pipeline.analyse(crop);
    expect(result.faces).toHaveLength(1);
    expect(cosineSimilarity(result.faces[0].embedding, face.embedding)).toBeGreaterThan(0.95);
  });

  it('falls back to the whole crop, flagged, when a small crop holds no detectable face', async () => {
    const blank = await sharp({
      create: { width: 120, height: 140, channels: 3, background: { r: 128, g: 128, b: 128 } },
    })
      .png()
      .toBuffer();
    const result = await pipeline.analyse(blank);
    expect(result.faces).toHaveLength(1);
    expect(result.faces[0].quality.flags).toContain('whole-crop');
    expect(result.faces[0].quality.flags).toContain('below-quality-floor');
    expect(isEnrolable(result.faces[0])).toBe(false);
  });

  it('reports no face (not an error) for a photo-sized image without faces', async () => {
    const gradient = Buffer.alloc(640 * 480 * 3);
    for (let i = 0; i < 640 * 480; i++) gradient.fill((i % 640) / 3, 3 * i, 3 * i + 3);
    const jpeg = await sharp(gradient, { raw: { width: 640, height: 480, channels: 3 } })
      .jpeg()
      .toBuffer();
    const result = await pipeline.analyse(jpeg);
    expect(result).toMatchObject({ width: 640, height: 480, faces: [] });
  });

  it('rejects bad uploads with coded errors', async () => {
    const jpeg = await sharp(demoPhoto('sample4.jpg')).resize(640).jpeg().toBuffer();
    const frame = (colour: string) =>
      sharp({ create: { width: 32, height: 32, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('red'), await frame('blue')], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect(await codeOf(pipeline.analyse(new Uint8Array()))).toBe('IDM_BAD_IMAGE');
    expect(await codeOf(pipeline.analyse(new TextEncoder().encode('%PDF-1.7 not an image')))).toBe(
      'IDM_BAD_IMAGE',
    );
    expect(await codeOf(pipeline.analyse(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe(
      'IDM_BAD_IMAGE',
    );
    expect(await codeOf(pipeline.analyse(gif))).toBe('IDM_BAD_IMAGE');
    const strict = createFacePipeline(models, { maxInputPixels: 1_000_000 });
    expect(await codeOf(strict.analyse(demoPhoto('sample1.jpg')))).toBe('IDM_IMAGE_TOO_LARGE');
  });
});
