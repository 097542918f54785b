/**
 * FVC protocol evaluation (pure, from scores) and, when the shared FVC2002 data is present, the
 * matcher's accuracy on the commercial ISO 19794-2 templates against the published anchors.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { evaluateSet, loadFvcTemplates } from '../bench/fingerprint.js';
import { errorRates, evaluateFvc, fvcComparisons, parseFvcName } from '../engine/fingerprint/match/eval.js';

const fvcSamples = (fingers: number, impressions: number) =>
  Array.from({ length: fingers * impressions }, (_, i) => ({
    finger: String(101 + Math.floor(i / impressions)),
    impression: (i % impressions) + 1,
  }));

describe('FVC protocols', () => {
  it('lists 28 genuine pairs per finger, and 45 (fvc) or 2880 (fvc-large) impostor pairs for 10 fingers', () => {
    const samples = fvcSamples(10, 8);
    const fvc = fvcComparisons(samples, 'fvc');
    expect(fvc.genuine).toHaveLength(280);
    expect(fvc.impostor).toHaveLength(45);
    for (const { a, b } of fvc.impostor) {
      expect(samples[a].impression).toBe(1);
      expect(samples[b].impression).toBe(1);
      expect(samples[a].finger < samples[b].finger).toBe(true);
    }
    for (const { a, b } of fvc.genuine) expect(samples[a].finger).toBe(samples[b].finger);
    const large = fvcComparisons(samples, 'fvc-large');
    expect(large.genuine).toHaveLength(280);
    expect(large.impostor).toHaveLength(2880);
    expect(() => fvcComparisons(samples, 'nope' as 'fvc')).toThrow(/protocol/);
  });

  it('reads FVC file names', () => {
    expect(parseFvcName('101_3.tif')).toEqual({ finger: '101', impression: 3 });
    expect(parseFvcName('12_1.iso')).toEqual({ finger: '12', impression: 1 });
    expect(parseFvcName('readme.txt')).toBeUndefined();
  });
});

describe('error rates', () => {
  it('is zero everywhere for fully separated scores', () => {
    const r = errorRates([5, 6, 7], [1, 2, 3]);
    expect(r).toMatchObject({ eer: 0, fmr100: 0, fmr1000: 0, zeroFmr: 0, genuine: 3, impostor: 3 });
  });

  it('computes EER, FMR100, FMR1000 and ZeroFMR on a small hand-checked case', () => {
    // Genuine 1..10, impostor 0..4 and 8: the one high impostor (8) costs the genuine scores <= 8.
    const genuine = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const impostor = [0, 1, 2, 3, 4, 8];
    const r = errorRates(genuine, impostor);
    // ZeroFMR: threshold just above 8 rejects 8 of 10 genuine.
    expect(r.zeroFmr).toBeCloseTo(0.8, 10);
    // FMR <= 1% and <= 0.1% also need FMR = 0 here (6 impostors).
    expect(r.fmr100).toBeCloseTo(0.8, 10);
    expect(r.fmr1000).toBeCloseTo(0.8, 10);
    // The curves cross between t1 = 4 (FNMR 3/10 <= FMR 2/6) and t2 = 5 (FNMR 4/10 >= FMR 1/6); FVC takes
    // the interval with the smaller FNMR + FMR, here [1/6, 4/10] at t2, and reports its midpoint.
    expect(r.eer).toBeCloseTo((0.4 + 1 / 6) / 2, 10);
  });

  it('evaluates a score function by protocol and returns the raw score lists', () => {
    const samples = fvcSamples(3, 4);
    const r = evaluateFvc(
      samples,
      (a, b) => (samples[a].finger === samples[b].finger ? 10 : (a + b) / 100),
      'fvc-large',
    );
    expect(r.genuineScores).toHaveLength(18);
    expect(r.impostorScores).toHaveLength(48);
    expect(r.eer).toBe(0);
    expect(() => errorRates([], [1])).toThrow(/genuine/);
  });
});

const ISO_ROOT = resolve(import.meta.dirname, '../../shared/data/fingerprint/iso19794-2/fvc2002');
// NBIS and OpenAFIS EER anchors on these images (issue 7); the matcher must beat both.
const ANCHORS: Record<string, { fvc: number; large: number }> = {
  DB1_B: { fvc: 0.0361, large: 0.0417 },
  DB2_B: { fvc: 0.029, large: 0.0258 },
  DB3_B: { fvc: 0.0909, large: 0.0787 },
  DB4_B: { fvc: 0.0468, large: 0.0519 },
};

describe.skipIf(!existsSync(ISO_ROOT))('matcher on FVC2002 ISO 19794-2 templates', () => {
  if (!existsSync(ISO_ROOT)) console.warn(`skipping FVC2002 matcher accuracy: ${ISO_ROOT} is missing`);
  for (const db of Object.keys(ANCHORS)) {
    it(`beats the NBIS and OpenAFIS EER on ${db} under both protocols`, () => {
      const set = loadFvcTemplates(join(ISO_ROOT, db));
      expect(set.templates).toHaveLength(80);
      const fvc = evaluateSet(set, 'fvc');
      const large = evaluateSet(set, 'fvc-large');
      expect(fvc.eer).toBeLessThan(ANCHORS[db].fvc);
      expect(large.eer).toBeLessThan(ANCHORS[db].large);
      expect(large.impostor).toBe(2880);
    });
  }
});
