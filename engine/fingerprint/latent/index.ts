/**
 * Latent prints: minutiae only from where the lift holds friction ridges (roi.ts), so that pen marks,
 * lettering and the card's edges do not become minutiae of the print.
 */
import { extractTemplate } from '../extract/index.js';
import type { FingerprintTemplate, GrayImage } from '../types.js';
import { restrictToRegion, ridgeRegion } from './roi.js';

export { insideRegion, type RidgeRegion, type RidgeRegionOptions, restrictToRegion, ridgeRegion } from './roi.js';

/** Below this many minutiae in the region, the region is not trusted and the whole image is used. */
const MIN_REGION_MINUTIAE = 8;

/** The template of a latent image, restricted to its ridge region when that region holds a print. */
export function extractLatentTemplate(image: GrayImage): FingerprintTemplate {
  const template = extractTemplate(image);
  const restricted = restrictToRegion(template, ridgeRegion(image));
  return restricted.minutiae.length >= MIN_REGION_MINUTIAE ? restricted : template;
}
