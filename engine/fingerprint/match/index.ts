/**
 * Fingerprint matcher, 1:1: public surface.
 *
 * prepareTemplate() once per template (a compact, packable typed-array form), compareTemplates() for
 * the score (fast path, no allocation), explainComparison() for everything a UI draws (paired minutiae,
 * per-pair contributions, alignment), scoreToFmr()/fmrToThreshold() to work by false match rate, and
 * comparisonLogLr() for DVI. The design is explained in pairing.ts and consolidate.ts; every constant is
 * in parameters.ts.
 */
import {
  type CalibrationTable,
  fmrFromTable,
  logLrFromTable,
  rescore,
  thresholdFromTable,
} from './calibration.js';
import { FLOW_CALIBRATION, SHIPPED_CALIBRATION } from './calibration-table.js';
import type { Affine } from './consolidate.js';
import { comparePairing, compareScore } from './pairing.js';

export { indexProbe, rawComparisonScore } from './pairing.js';
import type { PreparedTemplate } from './prepare.js';

export { matchParameters } from './parameters.js';
export { type PreparedTemplate, packedTemplateBytes, prepareTemplate, viewPrepared } from './prepare.js';
export { type CalibrationTable, buildCalibration } from './calibration.js';
export { FLOW_CALIBRATION, SHIPPED_CALIBRATION } from './calibration-table.js';
export type { Affine } from './consolidate.js';
export {
  type BinaryCodeOptions,
  binaryCodeBits,
  codeSimilarity,
  hammingDistance,
  templateBinaryCode,
} from './binary-code.js';

/** Similarity of two prepared templates: 0 when nothing agrees, growing with the evidence. */
export function compareTemplates(probe: PreparedTemplate, candidate: PreparedTemplate): number {
  return compareScore(probe, candidate);
}

export interface PairExplanation {
  /** Index of the minutia in the probe template (as given to prepareTemplate). */
  probe: number;
  /** Index of the minutia in the candidate template. */
  candidate: number;
  /** This pair's share of the score; the shares sum to the score. */
  contribution: number;
  /** Neighbour edges that agree at both ends of this pair (its local support; 0 for an isolated pair). */
  support: number;
  /**
   * Agreement 0-1 of the ridge flow around the two minutiae (their orientation descriptors), which
   * scales the pair's weight; null when either template has no orientation map or too little print
   * lies around the pair to judge.
   */
  ridgeFlow: number | null;
}

export interface Alignment {
  /** Translation (candidate pixels, in the templates' own resolution) after rotation. */
  dx: number;
  dy: number;
  /** Rotation taking the probe onto the candidate, counter-clockwise as ISO minutia angles. */
  rotationRad: number;
  /** Full probe->candidate transform in template pixels: x' = a x + b y + tx, y' = c x + d y + ty (y down). */
  transform: Affine;
}

export interface ComparisonExplanation {
  score: number;
  fmr: number;
  pairs: PairExplanation[];
  alignment: Alignment;
}

/** Everything about one comparison a user or a UI needs: the pairs, their weight, the alignment. */
export function explainComparison(
  probe: PreparedTemplate,
  candidate: PreparedTemplate,
): ComparisonExplanation {
  const result = comparePairing(probe, candidate);
  const pairs: PairExplanation[] = Array.from(result.probe, (p, i) => ({
    probe: p,
    candidate: result.candidate[i],
    contribution: result.contribution[i],
    support: result.support[i],
    ridgeFlow: result.ridgeFlow[i] >= 0 ? Number(result.ridgeFlow[i].toFixed(4)) : null,
  }));
  pairs.sort((u, v) => v.contribution - u.contribution);
  // Prepared coordinates are at the reference resolution; report the transform in each template's own pixels.
  const t = result.transform;
  const sp = probe.scale;
  const sc = candidate.scale;
  const transform: Affine = {
    a: (t.a * sp) / sc,
    b: (t.b * sp) / sc,
    c: (t.c * sp) / sc,
    d: (t.d * sp) / sc,
    tx: t.tx / sc,
    ty: t.ty / sc,
  };
  // Image coordinates have y down, so the matrix angle is clockwise; ISO angles turn the other way.
  const rotationRad = -Math.atan2(t.c - t.b, t.a + t.d);
  return {
    score: result.score,
    fmr: scoreToFmr(result.score),
    pairs,
    alignment: { dx: transform.tx, dy: transform.ty, rotationRad, transform },
  };
}

/** False match rate at this score under a calibration table (the shipped one by default). */
export function scoreToFmr(score: number, table: CalibrationTable = SHIPPED_CALIBRATION): number {
  return fmrFromTable(table, score);
}

/** The score threshold that gives at most this false match rate. */
export function fmrToThreshold(fmr: number, table: CalibrationTable = SHIPPED_CALIBRATION): number {
  return thresholdFromTable(table, fmr);
}

/**
 * log10 likelihood ratio (same finger vs different fingers) of a minutiae-only comparison's score
 * under a calibration table (the shipped one by default). For a comparison of two prepared templates
 * use comparisonLogLr, which knows whether ridge flow was compared.
 */
export function scoreToLogLr(score: number, table: CalibrationTable = SHIPPED_CALIBRATION): number {
  return logLrFromTable(table, score);
}

/**
 * log10 likelihood ratio of the score of comparing `probe` with `candidate`, for DVI and tenprint
 * fusion. A ridge-flow comparison (both templates with orientation maps) has its own fit: on the common
 * scale it separates mates from non-mates better than minutiae alone, and a score of 0 weighs less
 * against a mate (-2.0 instead of -2.8), so the minutiae-only fit would misstate it both ways.
 */
export function comparisonLogLr(probe: PreparedTemplate, candidate: PreparedTemplate, score: number): number {
  if (probe.descriptorLength > 0 && candidate.descriptorLength > 0) {
    return logLrFromTable(FLOW_CALIBRATION, rescore(score, SHIPPED_CALIBRATION, FLOW_CALIBRATION));
  }
  return logLrFromTable(SHIPPED_CALIBRATION, score);
}
