/**
 * Accuracy on the real reference data of ../shared/data/face (skipped, with a message naming the path,
 * when it is absent): detection against the annotated noses and face counts of compreface-samples,
 * and rank-1 identification and verification on the characters crops.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { evaluateVerification } from '../engine/face/evaluate.js';
import type { LoadedModels } from '../engine/face/models.js';
import { type FacePipeline, createFacePipeline } from '../engine/face/pipeline.js';
import { searchGallery } from '../engine/face/search.js';
import { cosineSimilarity } from '../engine/face/similarity.js';
import { defaultModels, sharedFaceData } from './face-fixtures.js';

const compreface = join(sharedFaceData, 'compreface-samples');
const characters = join(sharedFaceData, 'characters');
const present = existsSync(join(compreface, 'annotations.json')) && existsSync(characters);
if (!present) console.warn(`face-data tests skipped: ${compreface} or ${characters} is missing`);

describe.skipIf(!present)('face accuracy on ../shared/data/face', () => {
  let models: LoadedModels;
  let pipeline: FacePipeline;

  beforeAll(async () => {
    models = await defaultModels();
    pipeline = createFacePipeline(models);
  });
  afterAll(async () => models?.release());

  it('compreface-samples: every annotated nose lies in a detected face, counts right, no face in 017_0.jpg', async () => {
    const annotations = JSON.parse(readFileSync(join(compreface, 'annotations.json'), 'utf8')) as {
      images: Array<{ file: string; faceCount: number; noses: number[][] }>;
    };
    let noses = 0;
    let matched = 0;
    let exact = 0;
    // the group photos and the no-face photo (the 3000-7000 px portraits of person A are covered by the bench)
    for (const a of annotations.images.filter((x) => /_\d\.jpg$/.test(x.file))) {
      const result = await pipeline.analyse(readFileSync(join(compreface, a.file)));
      if (result.faces.length === a.faceCount) exact++;
      for (const [x, y] of a.noses) {
        noses++;
        if (
          result.faces.some(
            (f) => x >= f.box.x && x <= f.box.x + f.box.width && y >= f.box.y && y <= f.box.y + f.box.height,
          )
        )
          matched++;
      }
      if (a.faceCount === 0) expect(result.faces).toEqual([]);
    }
    expect(matched / noses).toBeGreaterThanOrEqual(0.95);
    expect(exact).toBeGreaterThanOrEqual(8); // of 9 images
  });

  it('characters: every crop is embedded, rank-1 identification and verification are near perfect', async () => {
    const enrolled: Array<{ subject: string; sample: string; embedding: Float32Array }> = [];
    for (const subject of readdirSync(characters).sort()) {
      for (const file of readdirSync(join(characters, subject)).sort()) {
        const result = await pipeline.analyse(readFileSync(join(characters, subject, file)), { maxFaces: 1 });
        expect(result.faces, `${subject}/${file}`).toHaveLength(1);
        enrolled.push({ subject, sample: file, embedding: result.faces[0].embedding });
      }
    }
    expect(enrolled).toHaveLength(40);
    let correct = 0;
    const genuine: number[] = [];
    const impostor: number[] = [];
    enrolled.forEach((probe, i) => {
      const gallery = enrolled
        .filter((e) => e !== probe)
        .map((e) => ({ subjectId: e.subject, sampleId: e.sample, embedding: e.embedding }));
      if (searchGallery(probe.embedding, gallery, { limit: 1 })[0].subjectId === probe.subject) correct++;
      for (const other of enrolled.slice(i + 1))
        (other.subject === probe.subject ? genuine : impostor).push(
          cosineSimilarity(probe.embedding, other.embedding),
        );
    });
    const m = evaluateVerification(genuine, impostor);
    expect(correct).toBeGreaterThanOrEqual(38);
    expect(m.eer).toBeLessThanOrEqual(0.05);
    expect(m.auc).toBeGreaterThan(0.98);
  });
});
