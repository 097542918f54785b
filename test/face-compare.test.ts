/**
 * Comparison and evaluation arithmetic: cosine similarity, verification metrics (EER, AUC, TAR at FAR),
 * the FMR calibration table and likelihood ratios, the pairs file, and in-memory 1:N search with
 * subject fusion. Pure functions on hand-made scores.
 */
import { describe, expect, it } from 'vitest';

import { isIdmError } from '../engine/errors.js';
import {
  buildCalibration,
  similarityToFmr,
  similarityToLogLr,
  thresholdForFmr,
} from '../engine/face/calibration.js';
import { defaultCalibration } from '../engine/face/compare.js';
import { auc, evaluateVerification, tarAtFar } from '../engine/face/evaluate.js';
import { FAILURE_TO_ENROL_SCORE, evaluatePairs, parsePairsCsv } from '../engine/face/pairs.js';
import { searchGallery, searchGalleryMulti } from '../engine/face/search.js';
import { cosineSimilarity } from '../engine/face/similarity.js';

const v = (...x: number[]) => Float32Array.from(x);

describe('cosine similarity', () => {
  it('is 1 for parallel, 0 for orthogonal, -1 for opposite vectors, independent of length', () => {
    expect(cosineSimilarity(v(1, 2, 3), v(2, 4, 6))).toBeCloseTo(1, 12);
    expect(cosineSimilarity(v(1, 0), v(0, 5))).toBe(0);
    expect(cosineSimilarity(v(1, -1), v(-3, 3))).toBeCloseTo(-1, 12);
    expect(() => cosineSimilarity(v(1), v(1, 2))).toThrow(RangeError);
  });
});

describe('verification metrics', () => {
  const genuine = [0.9, 0.8, 0.7];
  const impostor = [0.75, 0.5, 0.4];

  it('AUC is P(genuine > impostor), ties counting half', () => {
    expect(auc(genuine, impostor)).toBeCloseTo(8 / 9, 12);
    expect(auc([0.5, 0.5], [0.5, 0.5])).toBe(0.5);
    expect(auc([1, 2], [0, -1])).toBe(1);
  });

  it('EER, TAR at FAR and the threshold table on a small worked example', () => {
    const m = evaluateVerification(genuine, impostor, 5);
    expect(m.eer).toBeCloseTo(1 / 3, 12); // at 0.75: one impostor of three accepted, one genuine of three rejected
    expect(m.eerThreshold).toBe(0.75);
    expect(tarAtFar(genuine, impostor, 0.01)).toBeCloseTo(2 / 3, 12); // accept >= 0.8
    expect(m.tarAtFar1e3).toBeCloseTo(2 / 3, 12);
    expect(m.thresholds).toHaveLength(5);
    expect(m.thresholds[0]).toMatchObject({ threshold: 0.4, far: 1, tar: 1, frr: 0 });
    expect(m.thresholds[4]).toMatchObject({ threshold: 0.9, far: 0 });
    expect(m.thresholds[4].tar).toBeCloseTo(1 / 3, 12);
  });

  it('separable scores give EER 0 and AUC 1', () => {
    const m = evaluateVerification([0.9, 0.95], [0.1, 0.2, 0.3]);
    expect(m.eer).toBe(0);
    expect(m.auc).toBe(1);
    expect(m.tarAtFar1e2).toBe(1);
  });
});

describe('score calibration', () => {
  // 1000 impostor scores spread evenly over [0, 0.999]; genuine scores around 0.95
  const impostor = Array.from({ length: 1000 }, (_, i) => i / 1000);
  const genuine = Array.from({ length: 100 }, (_, i) => 0.9 + i / 1000);
  const calibration = buildCalibration(impostor, genuine, { source: 'test', model: 'test' });

  it('maps similarity to the fraction of impostor scores at or above it', () => {
    expect(similarityToFmr(-1, calibration)).toBe(1);
    expect(similarityToFmr(0.9, calibration)).toBeCloseTo(0.1, 2);
    expect(similarityToFmr(0.5, calibration)).toBeCloseTo(0.5, 2);
    // beyond the highest impostor: at most 1 / n
    expect(similarityToFmr(1, calibration)).toBeLessThanOrEqual(1 / 1000);
  });

  it('chooses a threshold by FMR, consistently with the table', () => {
    for (const fmr of [0.5, 0.1, 0.01]) {
      const t = thresholdForFmr(fmr, calibration);
      expect(similarityToFmr(t, calibration)).toBeLessThanOrEqual(fmr + 1e-9);
      expect(similarityToFmr(t - 0.01, calibration)).toBeGreaterThan(fmr);
    }
    expect(() => thresholdForFmr(0, calibration)).toThrow(RangeError);
  });

  it('gives a positive log LR near the genuine scores, negative near the impostors, bounded', () => {
    expect(similarityToLogLr(0.95, calibration)).toBeGreaterThan(1);
    expect(similarityToLogLr(0.3, calibration)).toBeLessThan(-1);
    expect(Math.abs(similarityToLogLr(-1, calibration))).toBeLessThanOrEqual(6);
  });

  it('the shipped default calibration is monotone and documents its source', () => {
    expect(defaultCalibration.source).toMatch(/characters/);
    expect(defaultCalibration.impostorCount).toBeGreaterThan(100);
    const pts = defaultCalibration.points;
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i].similarity).toBeGreaterThanOrEqual(pts[i - 1].similarity);
      expect(pts[i].fmr).toBeLessThanOrEqual(pts[i - 1].fmr);
    }
  });
});

describe('pairs file', () => {
  it('parses image_a,image_b,same with or without a header and rejects malformed lines', () => {
    const rows = parsePairsCsv('image_a,image_b,same\na.jpg,b.jpg,1\n\n# comment\nc.png, d.png ,false\n');
    expect(rows).toEqual([
      { a: 'a.jpg', b: 'b.jpg', same: true, line: 2 },
      { a: 'c.png', b: 'd.png', same: false, line: 5 },
    ]);
    for (const bad of ['a.jpg,b.jpg', 'a.jpg,b.jpg,maybe', '']) {
      try {
        parsePairsCsv(bad);
        expect.unreachable();
      } catch (error) {
        expect(isIdmError(error) && error.code).toBe('IDM_BAD_IMPORT');
      }
    }
  });

  it('scores a pair with an unusable image as a non-match and counts it as a failure to enrol', async () => {
    const embeddings: Record<string, Float32Array | null> = {
      a: v(1, 0),
      a2: v(0.99, 0.1),
      b: v(0, 1),
      blank: null,
    };
    const calls: string[] = [];
    const report = await evaluatePairs(parsePairsCsv('a,a2,1\na,b,0\na,blank,1\na2,b,0'), async (image) => {
      calls.push(image);
      return embeddings[image];
    });
    expect(report.pairs).toBe(4);
    expect(report.failedToEnrol).toBe(1);
    expect(new Set(calls).size).toBe(calls.length); // each image embedded once
    // genuine scores: cos(a, a2) and FAILURE_TO_ENROL_SCORE; impostor: 0 and ~0.1
    expect(FAILURE_TO_ENROL_SCORE).toBe(-1);
    expect(report.eer).toBeCloseTo(0.5, 12);
    expect(report.auc).toBeCloseTo(0.5, 12);
  });
});

describe('in-memory 1:N search', () => {
  const gallery = [
    { subjectId: 'ann', sampleId: 'ann-1', embedding: v(1, 0, 0) },
    { subjectId: 'ann', sampleId: 'ann-2', embedding: v(0.8, 0.6, 0) },
    { subjectId: 'bob', sampleId: 'bob-1', embedding: v(0, 1, 0) },
    { subjectId: 'cat', sampleId: 'cat-1', embedding: v(0, 0, 1) },
  ];

  it('ranks subjects by their best sample (max fusion) and names that sample', () => {
    const ranked = searchGallery(v(0.7, 0.7, 0), gallery);
    expect(ranked.map((c) => c.subjectId)).toEqual(['ann', 'bob', 'cat']);
    expect(ranked[0].sampleId).toBe('ann-2');
    expect(ranked[0].samples).toHaveLength(2);
  });

  it('identification mode keeps only candidates at or above the threshold; limit cuts the list', () => {
    expect(searchGallery(v(1, 0, 0), gallery, { threshold: 0.5 }).map((c) => c.subjectId)).toEqual(['ann']);
    expect(searchGallery(v(1, 0, 0), gallery, { limit: 2 })).toHaveLength(2);
    expect(searchGallery(v(1, 0.1, 0), gallery, { fusion: 'mean' })[0].score).toBeLessThan(
      searchGallery(v(1, 0.1, 0), gallery)[0].score,
    );
  });

  it('a probe subject with several photos is found by its best photo', () => {
    const ranked = searchGalleryMulti([v(0, 0, 1), v(0, 1, 0.1)], gallery, { limit: 2 });
    expect(ranked.map((c) => c.subjectId)).toEqual(['cat', 'bob']);
  });
});
