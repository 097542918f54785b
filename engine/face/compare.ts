/**
 * Face comparison: cosine similarity of L2-normalised embeddings, a similarity -> false-match-rate (FMR)
 * table built from impostor scores so that a threshold can be chosen by FMR, and a score-to-likelihood-
 * ratio model for DVI.
 *
 * The default calibration (`calibration.json`) is measured by `idmatch bench face --write-calibration`
 * on the `characters` set of ../shared/data/face (8 people x 5 crops: 700 impostor and 80 genuine
 * pairs), with the default models. 700 impostor pairs resolve FMR down to about 1.4e-3 only; below that
 * the impostor score distribution's normal fit is extrapolated. A lab should build its own table from a
 * large impostor set of its own population (`buildCalibration`) and hand it to these functions.
 */
import defaultCalibrationJson from './calibration.json' with { type: 'json' };
import {
  MAX_ABS_LOG10_LR,
  type ScoreCalibration,
  buildCalibration,
  similarityToFmr as fmrWith,
  similarityToLogLr as logLrWith,
  thresholdForFmr as thresholdWith,
} from './calibration.js';

export { cosineSimilarity } from './similarity.js';
export { MAX_ABS_LOG10_LR, type ScoreCalibration, buildCalibration };

export const defaultCalibration = defaultCalibrationJson as ScoreCalibration;

/** Estimated FMR of accepting at `similarity` (engine/face/calibration.ts similarityToFmr). */
export function similarityToFmr(
  similarity: number,
  calibration: ScoreCalibration = defaultCalibration,
): number {
  return fmrWith(similarity, calibration);
}

/** Lowest similarity threshold with estimated FMR <= `fmr`. */
export function thresholdForFmr(fmr: number, calibration: ScoreCalibration = defaultCalibration): number {
  return thresholdWith(fmr, calibration);
}

/** log10 likelihood ratio (same person vs different people) of a similarity score, for DVI. */
export function similarityToLogLr(
  similarity: number,
  calibration: ScoreCalibration = defaultCalibration,
): number {
  return logLrWith(similarity, calibration);
}
