import { describe, expect, it } from 'vitest';

import { fitScoreCalibration, scoreLog10LR } from '../engine/dvi/calibration.js';
import { seededRandom } from '../engine/dvi/simulate.js';
import { solveDvi } from '../engine/dvi/solve.js';
import type { DviCase } from '../engine/dvi/types.js';

/** Box-Muller normal scores from a seeded uniform source. */
function normals(seed: number, n: number, mean: number, sd: number): number[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const u = 1 - rand();
    const v = rand();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

// Synthetic score distributions standing in for the fingerprint and face engines.
const fpGenuine = normals(1, 2000, 60, 12);
const fpImpostor = normals(2, 20000, 10, 6);
const faceGenuine = normals(3, 2000, 0.7, 0.1);
const faceImpostor = normals(4, 20000, 0.2, 0.12);

describe('score-to-LR calibration', () => {
  for (const method of ['kde', 'binned'] as const) {
    it(`${method}: mated scores get LR > 1, non-mated LR < 1, capped by the data`, () => {
      const cal = fitScoreCalibration('fingerprint', fpGenuine, fpImpostor, { method });
      expect(scoreLog10LR(cal, 60)).toBeGreaterThan(1);
      expect(scoreLog10LR(cal, 10)).toBeLessThan(-0.5);
      expect(scoreLog10LR(cal, 1e6)).toBeLessThanOrEqual(cal.maxLog10LR);
      expect(scoreLog10LR(cal, -1e6)).toBeGreaterThanOrEqual(-cal.maxLog10LR);
      // Close to the true Gaussian LR where both densities are well sampled (score 30).
      const dens = (x: number, m: number, s: number) => Math.exp(-0.5 * ((x - m) / s) ** 2) / s;
      const truth = Math.log10(dens(28, 60, 12) / dens(28, 10, 6));
      expect(Math.abs(scoreLog10LR(cal, 28) - truth)).toBeLessThan(method === 'kde' ? 0.5 : 1);
    });
  }

  it('refuses too few or non-finite scores', () => {
    expect(() => fitScoreCalibration('face', [1], [0, 1])).toThrow(/at least 2/);
    expect(() => fitScoreCalibration('face', [1, Number.NaN], [0, 1])).toThrow(/finite/);
  });
});

describe('multi-modal reconciliation', () => {
  const locus = { name: 'L', alleles: ['1', '2', '3'], frequencies: [0.3, 0.3, 0.4] };
  // DNA alone cannot tell V1 from V2 for M1 (both compatible with the typed half-brother).
  const base = (): DviCase => ({
    id: 'mm',
    database: { name: 'toy', loci: [locus] },
    victims: [
      { id: 'V1', sex: 'M', profile: { L: ['1', '2'] } },
      { id: 'V2', sex: 'M', profile: { L: ['2', '1'] } },
    ],
    families: [
      {
        id: 'F1',
        pedigree: {
          members: [
            { id: 'FA', sex: 'M', father: null, mother: null },
            { id: 'MA', sex: 'F', father: null, mother: null },
            { id: 'MB', sex: 'F', father: null, mother: null },
            { id: 'HB', sex: 'M', father: 'FA', mother: 'MA', profile: { L: ['1', '3'] } },
            { id: 'M1', sex: 'M', father: 'FA', mother: 'MB' },
          ],
        },
        missing: ['M1'],
      },
    ],
  });
  const calibrations = {
    fingerprint: fitScoreCalibration('fingerprint', fpGenuine, fpImpostor),
    face: fitScoreCalibration('face', faceGenuine, faceImpostor),
  };

  it('fingerprint and face LRs multiply the DNA LR and decide the tie; the report names the driver', () => {
    const dnaOnly = solveDvi(base());
    const p1 = dnaOnly.pairwise.find((p) => p.victim === 'V1')!;
    const p2 = dnaOnly.pairwise.find((p) => p.victim === 'V2')!;
    expect(p1.dnaLR).toBeCloseTo(p2.dnaLR, 12);

    const c = base();
    c.scores = [
      { modality: 'fingerprint', victim: 'V2', missing: 'M1', score: 62 },
      { modality: 'fingerprint', victim: 'V1', missing: 'M1', score: 9 },
      { modality: 'face', victim: 'V2', missing: 'M1', score: 0.65 },
    ];
    const s = solveDvi(c, { calibrations });
    const v2 = s.pairwise.find((p) => p.victim === 'V2')!;
    expect(v2.combinedLog10LR!).toBeCloseTo(
      Math.log10(v2.dnaLR) +
        scoreLog10LR(calibrations.fingerprint, 62) +
        scoreLog10LR(calibrations.face, 0.65),
      10,
    );
    const id = s.identifications.find((i) => i.missing === 'M1')!;
    expect(id.victim).toBe('V2');
    expect(id.drivers[0]).toBe('fingerprint');
    expect(Object.keys(id.log10LR)).toEqual(expect.arrayContaining(['dna', 'fingerprint', 'face']));
    expect(s.assignments[0].V2).toBe('M1');
  });

  it('a score without its calibration is an error', () => {
    const c = base();
    c.scores = [{ modality: 'iris', victim: 'V1', missing: 'M1', score: 1 }];
    expect(() => solveDvi(c, { calibrations })).toThrow(/no iris calibration/);
  });
});

describe('AM/PM fingerprints and faces through the fingerprint and face engines', () => {
  const rand = seededRandom(77);
  const finger = (position: number) => ({
    width: 400,
    height: 400,
    ppi: 500,
    quality: 80,
    position,
    minutiae: Array.from({ length: 40 }, () => ({
      x: 40 + rand() * 320,
      y: 40 + rand() * 320,
      angleRad: rand() * 2 * Math.PI,
      type: (rand() < 0.5 ? 'ending' : 'bifurcation') as 'ending' | 'bifurcation',
      quality: 60,
    })),
  });
  /** The same finger seen again: a little positional noise, a few minutiae lost. */
  const reimpress = (t: ReturnType<typeof finger>) => ({
    ...t,
    minutiae: t.minutiae
      .slice(3)
      .map((m) => ({ ...m, x: m.x + (rand() - 0.5) * 4, y: m.y + (rand() - 0.5) * 4 })),
  });
  const unit = (n: number) => {
    const v = Array.from({ length: n }, () => rand() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };

  it('mated fingerprints and faces get LR > 1, non-mated LR < 1, and they enter the solution', async () => {
    const { biometricScores } = await import('../engine/dvi/modalities.js');
    const f2 = finger(2);
    const face = unit(128);
    const pm = {
      V1: { fingerprints: [reimpress(f2)], faceEmbeddings: [face] },
      V2: { fingerprints: [finger(2)], faceEmbeddings: [unit(128)] },
    };
    const am = {
      M1: { fingerprints: [f2], faceEmbeddings: [face.map((x, i) => x + (i % 7 === 0 ? 0.01 : 0))] },
    };
    const scores = biometricScores(pm, am);
    const get = (v: string, m: string) => scores.find((s) => s.victim === v && s.modality === m)!;
    expect(get('V1', 'fingerprint').log10LR!).toBeGreaterThan(0);
    expect(get('V2', 'fingerprint').log10LR!).toBeLessThan(0);
    expect(get('V1', 'face').log10LR!).toBeGreaterThan(0);
    expect(get('V2', 'face').log10LR!).toBeLessThan(0);
    expect(get('V1', 'fingerprint').score).toBeGreaterThan(get('V2', 'fingerprint').score);
  });
});
