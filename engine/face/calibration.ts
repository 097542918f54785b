/**
 * Score calibration: a similarity -> false-match-rate table built from impostor scores, and normal fits
 * of genuine and impostor scores for a score-based likelihood ratio. Pure functions over an explicit
 * calibration; engine/face/compare.ts binds them to the default calibration.
 */

export interface NormalFit {
  mean: number;
  sd: number;
}

export interface ScoreCalibration {
  /** Where the scores came from (data set, pairs, command). */
  source: string;
  /** Recogniser the scores belong to (a calibration is only valid for its model). */
  model: string;
  impostorCount: number;
  genuineCount: number;
  /** Decreasing FMR with increasing similarity: FMR = fraction of impostor scores >= similarity. */
  points: Array<{ similarity: number; fmr: number }>;
  impostor: NormalFit;
  genuine: NormalFit;
}

function normalFit(values: number[]): NormalFit {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / Math.max(1, n);
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1);
  return { mean, sd: Math.sqrt(variance) || 1e-3 };
}

/** Builds a calibration from impostor scores (and genuine scores, used for the likelihood-ratio model). */
export function buildCalibration(
  impostor: number[],
  genuine: number[],
  meta: { source: string; model: string },
  maxPoints = 200,
): ScoreCalibration {
  if (impostor.length === 0) throw new RangeError('a calibration needs impostor scores');
  const sorted = [...impostor].sort((a, b) => a - b);
  const n = sorted.length;
  const points: ScoreCalibration['points'] = [];
  const step = Math.max(1, Math.floor(n / maxPoints));
  for (let i = 0; i < n; i += step) points.push({ similarity: sorted[i], fmr: (n - i) / n });
  points.push({ similarity: sorted[n - 1], fmr: 1 / n });
  return {
    ...meta,
    impostorCount: n,
    genuineCount: genuine.length,
    points,
    impostor: normalFit(impostor),
    genuine: normalFit(genuine),
  };
}

/** Complementary error function (Numerical Recipes erfcc, fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function normalTail(x: number, f: NormalFit): number {
  return 0.5 * erfc((x - f.mean) / (f.sd * Math.SQRT2));
}

/**
 * Estimated false match rate of accepting at `similarity`: the empirical impostor tail where the table
 * resolves it, beyond its last impostor score the smaller of 1/n and the normal-fit tail.
 */
export function similarityToFmr(similarity: number, calibration: ScoreCalibration): number {
  const pts = calibration.points;
  if (similarity <= pts[0].similarity) return 1;
  const last = pts[pts.length - 1];
  if (similarity > last.similarity)
    return Math.min(1 / calibration.impostorCount, normalTail(similarity, calibration.impostor));
  for (let i = 1; i < pts.length; i++) {
    if (similarity <= pts[i].similarity) {
      const a = pts[i - 1];
      const b = pts[i];
      const t = b.similarity > a.similarity ? (similarity - a.similarity) / (b.similarity - a.similarity) : 1;
      return a.fmr + t * (b.fmr - a.fmr);
    }
  }
  return last.fmr;
}

/** The lowest similarity threshold whose estimated FMR is at most `fmr` (bisection on similarityToFmr). */
export function thresholdForFmr(fmr: number, calibration: ScoreCalibration): number {
  if (!(fmr > 0 && fmr <= 1)) throw new RangeError('fmr must be in (0, 1]');
  let lo = -1;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (similarityToFmr(mid, calibration) <= fmr) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Bound on |log10 LR|: the normal fits are not trusted further into the tails. */
export const MAX_ABS_LOG10_LR = 6;

/**
 * log10 likelihood ratio of a similarity score, P(s | same person) / P(s | different people), from normal
 * fits to the calibration's genuine and impostor scores, clamped to +-MAX_ABS_LOG10_LR. A score-based LR
 * (as used for face evidence in DVI); it is only as good as the calibration population.
 */
export function similarityToLogLr(similarity: number, calibration: ScoreCalibration): number {
  const logDensity = (x: number, f: NormalFit) => -0.5 * ((x - f.mean) / f.sd) ** 2 - Math.log(f.sd);
  const ln = logDensity(similarity, calibration.genuine) - logDensity(similarity, calibration.impostor);
  const log10 = ln / Math.LN10;
  return Math.max(-MAX_ABS_LOG10_LR, Math.min(MAX_ABS_LOG10_LR, log10));
}
