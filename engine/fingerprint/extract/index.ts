/**
 * The minutiae extractor: GrayImage in, FingerprintTemplate out, through the stages of this folder
 * (segmentation, orientation, frequency, enhancement, binarisation, thinning, minutiae, filtering,
 * quality). `extractWithDetails` hands out every intermediate product for inspection and drawing.
 */
import { IdmError } from '../../errors.js';
import { orientationMapOf } from '../orientation-map.js';
import type { FingerprintTemplate, GrayImage } from '../types.js';
import { type BinaryImage, binarise } from './binarisation.js';
import { type EnhancedImage, enhance, ridgeClarity } from './enhancement.js';
import { type MinutiaCandidate, candidates, filterMinutiae, toMinutiae } from './filtering.js';
import { type FrequencyMap, ridgeFrequency } from './frequency.js';
import { type SkeletonNode, skeletonNodes } from './minutiae.js';
import { type OrientationField, gradientTensors, localCoherence, orientationField } from './orientation.js';
import { extractParameters, scaled } from './parameters.js';
import { type QualityReport, qualityReport } from './quality.js';
import { type SegmentationMask, blockDistanceToBackground, imageGrid, segment } from './segmentation.js';
import { type Skeleton, pruneSpurs, thin } from './thinning.js';

export { extractParameters } from './parameters.js';
export type { BinaryImage, EnhancedImage, FrequencyMap, MinutiaCandidate, OrientationField, QualityReport };
export type { SegmentationMask, Skeleton, SkeletonNode };

export interface ExtractOptions {
  /** Resolution to assume instead of the image's own `ppi`. */
  ppi?: number;
}

/** Every intermediate product of one extraction (SourceAFIS-style transparency). */
export interface ExtractionDetails {
  template: FingerprintTemplate;
  segmentation: SegmentationMask;
  orientation: OrientationField;
  frequency: FrequencyMap;
  enhanced: EnhancedImage;
  binary: BinaryImage;
  skeleton: Skeleton;
  nodes: SkeletonNode[];
  /** All minutia candidates, each with the rule that removed it (null = kept). */
  candidates: MinutiaCandidate[];
  quality: QualityReport;
}

function validate(image: GrayImage, ppi: number): void {
  const { width, height, pixels } = image;
  const { minSidePx, maxSidePx } = extractParameters;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new IdmError('IDM_BAD_IMAGE', `image dimensions ${width}x${height} are not positive integers`);
  }
  if (width > maxSidePx || height > maxSidePx) {
    throw new IdmError('IDM_IMAGE_TOO_LARGE', `image ${width}x${height} exceeds ${maxSidePx} px per side`);
  }
  if (width < minSidePx || height < minSidePx) {
    throw new IdmError('IDM_BAD_IMAGE', `image ${width}x${height} is smaller than ${minSidePx} px per side`);
  }
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height) {
    throw new IdmError(
      'IDM_BAD_IMAGE',
      `pixel buffer holds ${pixels?.length} bytes, expected ${width * height}`,
    );
  }
  if (!Number.isFinite(ppi) || ppi < 250 || ppi > 2000) {
    throw new IdmError('IDM_BAD_IMAGE', `resolution ${ppi} ppi is outside 250-2000`);
  }
}

export function extractWithDetails(input: GrayImage, options: ExtractOptions = {}): ExtractionDetails {
  const ppi = options.ppi ?? input.ppi;
  validate(input, ppi);
  const image: GrayImage = { ...input, ppi };
  const { width, height } = image;
  const grid = imageGrid(image);
  const tensors = gradientTensors(image, grid);
  const segmentation = segment(image, grid, localCoherence(tensors, grid));
  const orientation = orientationField(image, grid, segmentation.pixels, tensors);
  const frequency = ridgeFrequency(image, orientation, segmentation.blocks);
  const enhanced = enhance(image, orientation, frequency, segmentation);
  const binary = binarise(enhanced, segmentation.pixels, ppi);
  const skeleton = thin(binary);
  pruneSpurs(skeleton, scaled(extractParameters.spurPruneLengthPx, ppi));
  const nodes = skeletonNodes(skeleton, segmentation.pixels, ppi);
  const list = candidates(nodes);
  const { blockSize, blocksX } = segmentation.grid;
  const clarityRadius = Math.round(scaled(extractParameters.clarityRadiusPx, ppi));
  const context = {
    width,
    height,
    ppi,
    borderDistance: blockDistanceToBackground(segmentation.pixels, width, height),
    coherenceAt: (x: number, y: number) =>
      orientation.blockCoherence[((y / blockSize) | 0) * blocksX + ((x / blockSize) | 0)],
    orientationAt: (x: number, y: number) =>
      orientation.blockAngle[((y / blockSize) | 0) * blocksX + ((x / blockSize) | 0)],
    clarityAt: (x: number, y: number) => ridgeClarity(image, enhanced, x, y, clarityRadius),
    ridge: binary.pixels,
  };
  filterMinutiae(nodes, list, context);
  const minutiae = toMinutiae(list, context);
  const quality = qualityReport(segmentation, orientation, frequency, minutiae, ppi);
  const template: FingerprintTemplate = {
    width,
    height,
    ppi,
    quality: quality.score,
    minutiae,
    orientation: orientationMapOf(orientation, segmentation.blocks),
  };
  return {
    template,
    segmentation,
    orientation,
    frequency,
    enhanced,
    binary,
    skeleton,
    nodes,
    candidates: list,
    quality,
  };
}

/** Extracts the minutiae template of a fingerprint image. A blank image gives no minutiae and quality 0. */
export function extractTemplate(image: GrayImage, options: ExtractOptions = {}): FingerprintTemplate {
  return extractWithDetails(image, options).template;
}

/** Image quality 0-100 (0 = no usable fingerprint). */
export function assessQuality(image: GrayImage, options: ExtractOptions = {}): number {
  return extractWithDetails(image, options).quality.score;
}
