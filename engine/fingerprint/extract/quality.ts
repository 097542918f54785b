/**
 * Stage 9: image quality, 0-100, in the spirit of NFIQ 2 (ISO/IEC 29794-4), which scores a fingerprint
 * from features such as foreground area, orientation certainty (OCL), ridge-valley clarity and the
 * number and quality of minutiae. We compute the same kinds of features from our own intermediate
 * products and combine them with a fixed, explainable product rather than NFIQ 2's trained forest, so the
 * score is comparable across our images but is not an NFIQ 2 score.
 */
import type { Minutia } from '../types.js';
import type { FrequencyMap } from './frequency.js';
import type { OrientationField } from './orientation.js';
import { extractParameters as P, scaled } from './parameters.js';
import type { SegmentationMask } from './segmentation.js';

export interface QualityFeatures {
  /** Foreground area relative to a full-size plain impression, 0-1. */
  area: number;
  /** Mean orientation coherence over the foreground relative to a clear print's, 0-1 (NFIQ 2's OCL). */
  orientationCertainty: number;
  /** Share of foreground blocks with a clean ridge period, 0-1 (akin to NFIQ 2's frequency-domain features). */
  ridgeClarity: number;
  /** Minutiae count relative to a typical full print, 0-1 (NFIQ 2's minutiae-count features). */
  minutiaeCount: number;
  /** Mean minutia quality, 0-1. */
  minutiaeQuality: number;
}

export interface QualityReport {
  score: number;
  features: QualityFeatures;
}

export function qualityReport(
  segmentation: SegmentationMask,
  field: OrientationField,
  frequency: FrequencyMap,
  minutiae: Minutia[],
  ppi: number,
): QualityReport {
  const fullArea = scaled(scaled(P.qualityFullAreaPx, ppi), ppi);
  let coherence = 0;
  let blocks = 0;
  for (let i = 0; i < segmentation.blocks.length; i++) {
    if (!segmentation.blocks[i]) continue;
    coherence += field.blockCoherence[i];
    blocks++;
  }
  const features: QualityFeatures = {
    area: Math.min(1, segmentation.foregroundArea / fullArea),
    orientationCertainty: blocks ? Math.min(1, coherence / blocks / P.qualityFullCoherence) : 0,
    ridgeClarity: frequency.reliableShare,
    minutiaeCount: Math.min(1, minutiae.length / P.qualityFullMinutiae),
    minutiaeQuality: minutiae.length
      ? minutiae.reduce((s, m) => s + m.quality, 0) / minutiae.length / 100
      : 0,
  };
  if (blocks === 0 || minutiae.length === 0) return { score: 0, features };
  const score =
    100 *
    features.area ** 0.35 *
    features.orientationCertainty ** 1.0 *
    features.ridgeClarity ** 0.5 *
    features.minutiaeCount ** 0.35 *
    features.minutiaeQuality ** 0.3;
  return { score: Math.max(1, Math.min(100, Math.round(score))), features };
}
