/**
 * FVC protocol evaluation from scores (pure: takes scores, returns error rates).
 *
 * Protocols (Maio et al., "FVC2002: Second Fingerprint Verification Competition", ICPR 2002):
 * - `fvc`: genuine = every pair of impressions of one finger (28 per finger with 8 impressions);
 *   impostor = impression 1 of each finger against impression 1 of every other finger.
 * - `fvc-large`: same genuine set; impostor = every impression of finger i against every impression
 *   of finger j, for i < j.
 * A comparison is a decision "match" when its score is >= the threshold.
 */
import { IdmError } from '../../errors.js';

export type FvcProtocol = 'fvc' | 'fvc-large';

/** One sample of an FVC-style set, `<finger>_<impression>`. */
export interface FvcSample {
  finger: string;
  impression: number;
}

export interface ComparisonPair {
  /** Index of the first sample (the probe). */
  a: number;
  /** Index of the second sample (the candidate). */
  b: number;
}

export interface ErrorRates {
  /** Equal error rate, as a fraction (FVC's EER estimate: midpoint of the [EERlow, EERhigh] interval). */
  eer: number;
  /** Lowest FNMR at FMR <= 1%. */
  fmr100: number;
  /** Lowest FNMR at FMR <= 0.1%. */
  fmr1000: number;
  /** Lowest FNMR at FMR = 0. */
  zeroFmr: number;
  genuine: number;
  impostor: number;
}

/** Parses `101_3.tif` into finger "101", impression 3; undefined for names not in FVC form. */
export function parseFvcName(name: string): FvcSample | undefined {
  const match = /^(\d+)_(\d+)(?:\.[^.]+)*$/.exec(name);
  if (!match) return undefined;
  return { finger: match[1], impression: Number(match[2]) };
}

/** The genuine and impostor comparisons of a protocol, as sample index pairs (a < b in sample order). */
export function fvcComparisons(
  samples: readonly FvcSample[],
  protocol: FvcProtocol,
): { genuine: ComparisonPair[]; impostor: ComparisonPair[] } {
  if (protocol !== 'fvc' && protocol !== 'fvc-large') {
    throw new IdmError('IDM_VALIDATION', `unknown FVC protocol "${String(protocol)}" (fvc or fvc-large)`);
  }
  const byFinger = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const list = byFinger.get(s.finger) ?? [];
    list.push(i);
    byFinger.set(s.finger, list);
  });
  const fingers = [...byFinger.keys()].sort();
  for (const f of fingers) byFinger.get(f)!.sort((i, j) => samples[i].impression - samples[j].impression);
  const genuine: ComparisonPair[] = [];
  const impostor: ComparisonPair[] = [];
  for (const f of fingers) {
    const list = byFinger.get(f)!;
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) genuine.push({ a: list[i], b: list[j] });
  }
  for (let fi = 0; fi < fingers.length; fi++) {
    for (let fj = fi + 1; fj < fingers.length; fj++) {
      const li = byFinger.get(fingers[fi])!;
      const lj = byFinger.get(fingers[fj])!;
      if (protocol === 'fvc') {
        impostor.push({ a: li[0], b: lj[0] });
      } else {
        for (const a of li) for (const b of lj) impostor.push({ a, b });
      }
    }
  }
  return { genuine, impostor };
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Error rates from genuine and impostor score lists. */
export function errorRates(genuineScores: ArrayLike<number>, impostorScores: ArrayLike<number>): ErrorRates {
  const g = Float64Array.from(genuineScores).sort();
  const im = Float64Array.from(impostorScores).sort();
  if (g.length === 0 || im.length === 0) {
    throw new IdmError('IDM_VALIDATION', 'error rates need at least one genuine and one impostor score');
  }
  const thresholds = Float64Array.from(new Set([...g, ...im, Number.POSITIVE_INFINITY])).sort();
  const fnmrAt = (t: number) => lowerBound(g, t) / g.length;
  const fmrAt = (t: number) => (im.length - lowerBound(im, t)) / im.length;
  let fmr100 = 1;
  let fmr1000 = 1;
  let zeroFmr = 1;
  // FVC EER: t1 = the highest threshold with FNMR <= FMR, t2 = the lowest with FNMR >= FMR.
  let t1 = Number.NEGATIVE_INFINITY;
  let t2 = Number.POSITIVE_INFINITY;
  for (const t of thresholds) {
    const fnmr = fnmrAt(t);
    const fmr = fmrAt(t);
    if (fmr <= 0.01) fmr100 = Math.min(fmr100, fnmr);
    if (fmr <= 0.001) fmr1000 = Math.min(fmr1000, fnmr);
    if (fmr === 0) zeroFmr = Math.min(zeroFmr, fnmr);
    if (fnmr <= fmr) t1 = Math.max(t1, t);
    if (fnmr >= fmr) t2 = Math.min(t2, t);
  }
  let eer: number;
  if (t1 === Number.NEGATIVE_INFINITY) {
    eer = (fnmrAt(t2) + fmrAt(t2)) / 2;
  } else if (t2 === Number.POSITIVE_INFINITY && fnmrAt(t2) < fmrAt(t2)) {
    eer = (fnmrAt(t1) + fmrAt(t1)) / 2;
  } else {
    const f1 = fnmrAt(t1);
    const m1 = fmrAt(t1);
    const f2 = fnmrAt(t2);
    const m2 = fmrAt(t2);
    eer = f1 + m1 <= f2 + m2 ? (f1 + m1) / 2 : (m2 + f2) / 2;
  }
  return { eer, fmr100, fmr1000, zeroFmr, genuine: g.length, impostor: im.length };
}

/**
 * Evaluates a protocol given a score function over sample indices (a precomputed matrix lookup or a
 * live comparison). Each listed comparison is scored once, in the direction (a, b).
 */
export function evaluateFvc(
  samples: readonly FvcSample[],
  score: (a: number, b: number) => number,
  protocol: FvcProtocol = 'fvc',
): ErrorRates & { genuineScores: Float64Array; impostorScores: Float64Array } {
  const { genuine, impostor } = fvcComparisons(samples, protocol);
  const genuineScores = Float64Array.from(genuine, ({ a, b }) => score(a, b));
  const impostorScores = Float64Array.from(impostor, ({ a, b }) => score(a, b));
  return { ...errorRates(genuineScores, impostorScores), genuineScores, impostorScores };
}
