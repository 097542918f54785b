/**
 * Score-to-likelihood-ratio calibration for the non-DNA modalities (fingerprint, face).
 *
 * A comparison score s from another engine is turned into LR(s) = f_genuine(s) / f_impostor(s), the
 * ratio of the score densities among mated and non-mated comparisons (the "score-based LR" of
 * forensic biometrics, e.g. Ramos et al. 2013 and the ENFSI guideline for evaluative reporting).
 * Densities are estimated either by Gaussian kernels (bandwidth by Silverman's rule) or by a
 * histogram with add-one smoothing. The result is plain data (a grid of log10 LR values) so it can be
 * stored and sent to workers; between grid points it is interpolated linearly, beyond the ends it is
 * held constant, and it is capped at +-`maxLog10LR` so that sparse tails cannot claim more than the
 * calibration data support.
 */
import { IdmError } from '../errors.js';

export interface ScoreCalibration {
  modality: string;
  method: 'kde' | 'binned';
  /** Score grid, increasing. */
  scores: number[];
  /** log10 LR at each grid score. */
  log10LR: number[];
  maxLog10LR: number;
  genuineCount: number;
  impostorCount: number;
}

export interface CalibrationOptions {
  method?: 'kde' | 'binned';
  gridSize?: number;
  bins?: number;
  /** Cap on |log10 LR|; default: log10 of the number of impostor scores (no more than the data allow). */
  maxLog10LR?: number;
}

function silverman(values: number[]): number {
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  const sorted = [...values].sort((a, b) => a - b);
  const iqr = sorted[Math.floor(0.75 * (n - 1))] - sorted[Math.floor(0.25 * (n - 1))];
  const spread = Math.min(sd, iqr > 0 ? iqr / 1.34 : sd) || sd || 1;
  return 0.9 * spread * n ** -0.2;
}

function kde(values: number[], h: number, x: number): number {
  let s = 0;
  for (const v of values) {
    const z = (x - v) / h;
    s += Math.exp(-0.5 * z * z);
  }
  return s / (values.length * h * Math.sqrt(2 * Math.PI));
}

/** Fits a calibration from genuine (mated) and impostor (non-mated) score samples. */
export function fitScoreCalibration(
  modality: string,
  genuine: readonly number[],
  impostor: readonly number[],
  options: CalibrationOptions = {},
): ScoreCalibration {
  if (genuine.length < 2 || impostor.length < 2) {
    throw new IdmError(
      'IDM_VALIDATION',
      `calibration for ${modality} needs at least 2 genuine and 2 impostor scores`,
    );
  }
  for (const s of [...genuine, ...impostor]) {
    if (!Number.isFinite(s))
      throw new IdmError('IDM_VALIDATION', `calibration for ${modality}: score ${s} is not finite`);
  }
  const method = options.method ?? 'kde';
  const all = [...genuine, ...impostor];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const gridSize = options.gridSize ?? 128;
  const maxLog10LR = options.maxLog10LR ?? Math.log10(Math.max(genuine.length, impostor.length));
  const scores: number[] = [];
  const log10LR: number[] = [];
  const clamp = (x: number) => Math.max(-maxLog10LR, Math.min(maxLog10LR, x));
  if (method === 'kde') {
    const hg = silverman([...genuine]);
    const hi2 = silverman([...impostor]);
    for (let i = 0; i < gridSize; i++) {
      const s = lo + ((hi - lo) * i) / Math.max(1, gridSize - 1);
      const fg = kde([...genuine], hg, s);
      const fi = kde([...impostor], hi2, s);
      scores.push(s);
      log10LR.push(clamp(fg === 0 && fi === 0 ? 0 : Math.log10(fg / fi)));
    }
  } else {
    const bins = options.bins ?? 20;
    const width = (hi - lo) / bins || 1;
    const g = new Array<number>(bins).fill(1);
    const m = new Array<number>(bins).fill(1);
    const bin = (s: number) => Math.min(bins - 1, Math.max(0, Math.floor((s - lo) / width)));
    for (const s of genuine) g[bin(s)]++;
    for (const s of impostor) m[bin(s)]++;
    const gt = genuine.length + bins;
    const mt = impostor.length + bins;
    for (let b = 0; b < bins; b++) {
      scores.push(lo + (b + 0.5) * width);
      log10LR.push(clamp(Math.log10(g[b] / gt / (m[b] / mt))));
    }
  }
  return {
    modality,
    method,
    scores,
    log10LR,
    maxLog10LR,
    genuineCount: genuine.length,
    impostorCount: impostor.length,
  };
}

/** log10 LR of one score under a calibration. */
export function scoreLog10LR(calibration: ScoreCalibration, score: number): number {
  const { scores, log10LR } = calibration;
  if (!Number.isFinite(score)) throw new IdmError('IDM_VALIDATION', `score ${score} is not finite`);
  if (score <= scores[0]) return log10LR[0];
  const last = scores.length - 1;
  if (score >= scores[last]) return log10LR[last];
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (scores[mid] <= score) lo = mid;
    else hi = mid;
  }
  const t = (score - scores[lo]) / (scores[hi] - scores[lo]);
  return log10LR[lo] + t * (log10LR[hi] - log10LR[lo]);
}
