/**
 * Score calibration: from a comparison score to a false match rate, and to a likelihood ratio.
 *
 * FMR: an impostor score distribution is summarised as a table of (threshold, FMR) points, FMR being
 * the fraction of impostor comparisons scoring >= the threshold, at FMRs 10^(-k/8). Between points
 * log10(FMR) is interpolated linearly in the score. Beyond the last point (where the sample runs out)
 * the tail is extrapolated exponentially, log10 FMR falling by `tailSlope` per score unit, a slope fitted
 * to the upper tail of the impostor scores; the extrapolation is floored at 1e-12 and is a model, not a
 * measurement, below 1 / impostorCount.
 *
 * LR (for DVI): log10 LR(s) = (a + b * sqrt(s)) / ln 10 from a logistic regression of same-source
 * against different-source comparisons with equal class weights (so the intercept carries no prior);
 * sqrt because the score grows with the square of the paired-minutiae count. Clamped to +-maxLog10Lr:
 * a likelihood ratio beyond what the calibration data could have shown is not claimed.
 *
 * The shipped tables come from `npx tsx bench/fingerprint.ts --calibrate` (the fvc-large protocol
 * over FVC2002 DB1-4_B, 11,520 impostor and 1,120 genuine comparisons each). `SHIPPED_CALIBRATION`:
 * minutiae-only comparisons of the ISO 19794-2 templates of a commercial extractor; its scale is the
 * score scale of every comparison. `FLOW_CALIBRATION`: ridge-flow comparisons of our extractor's
 * templates of the same images, whose raw scores run lower; `rescore` carries them onto the common
 * scale by equal FMR, so FMR follows the flow calibration and scores of both kinds rank together. The
 * LR stays the minutiae-only fit: on the common scale, flow comparisons separate genuine from impostor
 * pairs better than that fit assumes, so their LRs are understated, not overstated. Recalibrate per
 * extractor and population.
 */
import { IdmError } from '../../errors.js';

export interface CalibrationTable {
  source: string;
  impostorCount: number;
  genuineCount: number;
  /** (score threshold, FMR) with increasing score and decreasing FMR. */
  points: Array<[number, number]>;
  /** log10 FMR decrease per score unit beyond the last point. */
  tailSlope: number;
  logistic: { a: number; b: number };
  maxLog10Lr: number;
}

const FMR_FLOOR = 1e-12;

/** Builds a calibration table from genuine and impostor scores (used by the bench; pure). */
export function buildCalibration(
  genuine: readonly number[],
  impostor: readonly number[],
  source = 'custom',
): CalibrationTable {
  if (impostor.length < 10 || genuine.length < 10) {
    throw new IdmError('IDM_VALIDATION', 'calibration needs at least 10 genuine and 10 impostor scores');
  }
  const sorted = Float64Array.from(impostor).sort();
  const n = sorted.length;
  const points: Array<[number, number]> = [[0, 1]];
  for (let k = 1; ; k++) {
    const fmr = 10 ** (-k / 8);
    const count = Math.round(fmr * n);
    if (count < 1) break;
    // Smallest threshold t with #(impostor >= t) <= count: just above the (n - count - 1)-th score.
    const score = sorted[n - count - 1];
    const threshold = score + Math.max(1e-9, Math.abs(score) * 1e-12);
    const exact = (n - upperBound(sorted, score)) / n;
    if (threshold > points[points.length - 1][0] && exact < points[points.length - 1][1])
      points.push([threshold, exact]);
  }
  // Tail slope: a least-squares line through (score, log10 FMR) of the top 2% of impostor scores.
  const top = Math.max(5, Math.round(0.02 * n));
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = n - top; i < n; i++) {
    const x = sorted[i];
    const y = Math.log10((n - i) / n);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const slope = (top * sxy - sx * sy) / (top * sxx - sx * sx);
  const tailSlope = Number.isFinite(slope) && slope < 0 ? -slope : 1;
  return {
    source,
    impostorCount: n,
    genuineCount: genuine.length,
    points,
    tailSlope,
    logistic: fitLogistic(genuine, impostor),
    maxLog10Lr: Math.log10(Math.min(n, genuine.length * 10)),
  };
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Two-parameter logistic regression on sqrt(score), classes weighted equally (Newton's method). */
function fitLogistic(genuine: readonly number[], impostor: readonly number[]): { a: number; b: number } {
  let a = 0;
  let b = 0;
  const wg = 0.5 / genuine.length;
  const wi = 0.5 / impostor.length;
  for (let iter = 0; iter < 50; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    const add = (s: number, y: number, w: number) => {
      const x = Math.sqrt(s);
      const p = 1 / (1 + Math.exp(-(a + b * x)));
      ga += w * (y - p);
      gb += w * (y - p) * x;
      const v = w * p * (1 - p);
      haa += v;
      hab += v * x;
      hbb += v * x * x;
    };
    for (const s of genuine) add(s, 1, wg);
    for (const s of impostor) add(s, 0, wi);
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a += da;
    b += db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}

/** log10 FMR of a score under a calibration table, without the floor (the tail extrapolated as is). */
function log10FmrFromTable(table: CalibrationTable, score: number): number {
  const { points } = table;
  if (!(score > points[0][0])) return 0;
  for (let i = 1; i < points.length; i++) {
    const [s1, f1] = points[i];
    if (score <= s1) {
      const [s0, f0] = points[i - 1];
      const t = s1 > s0 ? (score - s0) / (s1 - s0) : 1;
      return Math.log10(f0) + t * (Math.log10(f1) - Math.log10(f0));
    }
  }
  const [sl, fl] = points[points.length - 1];
  return Math.log10(fl) - table.tailSlope * (score - sl);
}

/** The lowest score whose log10 FMR is at most `log10Fmr` (<= 0), without the floor. */
function thresholdFromLog10(table: CalibrationTable, log10Fmr: number): number {
  const { points } = table;
  for (let i = 1; i < points.length; i++) {
    const [s1, f1] = points[i];
    const l1 = Math.log10(f1);
    if (l1 <= log10Fmr) {
      const [s0, f0] = points[i - 1];
      const l0 = Math.log10(f0);
      const t = l1 < l0 ? (log10Fmr - l0) / (l1 - l0) : 1;
      return s0 + t * (s1 - s0);
    }
  }
  const [sl, fl] = points[points.length - 1];
  return sl + (Math.log10(fl) - log10Fmr) / table.tailSlope;
}

/** False match rate of a score under a calibration table. */
export function fmrFromTable(table: CalibrationTable, score: number): number {
  return Math.max(FMR_FLOOR, 10 ** log10FmrFromTable(table, score));
}

/** The lowest score whose FMR is at most `fmr` (the threshold to use for a target FMR). */
export function thresholdFromTable(table: CalibrationTable, fmr: number): number {
  if (!(fmr > 0 && fmr <= 1))
    throw new IdmError('IDM_VALIDATION', `target FMR must be in (0, 1], got ${fmr}`);
  return thresholdFromLog10(table, Math.log10(Math.max(fmr, FMR_FLOOR)));
}

/**
 * Carries a score from one calibration's scale to another's: the score of `to` with the same false
 * match rate that `score` has under `from`. Monotone and continuous (0 stays 0); unfloored, so the
 * order of very strong scores survives.
 */
export function rescore(score: number, from: CalibrationTable, to: CalibrationTable): number {
  if (!(score > 0)) return 0;
  return thresholdFromLog10(to, log10FmrFromTable(from, score));
}

/** log10 of the likelihood ratio (same finger vs different fingers) of a score. */
export function logLrFromTable(table: CalibrationTable, score: number): number {
  const value = (table.logistic.a + table.logistic.b * Math.sqrt(Math.max(0, score))) / Math.LN10;
  return Math.max(-table.maxLog10Lr, Math.min(table.maxLog10Lr, value));
}
