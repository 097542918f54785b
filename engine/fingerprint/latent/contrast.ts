/**
 * Local contrast normalisation of a latent before extraction.
 *
 * A powdered or inked lift is loaded unevenly: over-developed patches where ridges nearly merge into a
 * dark smear, under-developed ones where they are a faint grey on the card. The extractor weighs ridge
 * flow by gradient energy, so the dark patches and their edges dominate the orientation and frequency
 * estimates of the faint ridges around them, and the Gabor stage then follows the wrong flow. Here each
 * pixel is re-expressed relative to the mean and spread of a window of one ridge period (8-12 px at
 * 500 ppi; measured on the print by ridgeRegion), which holds one ridge and one valley: the mean is
 * their midpoint, the spread their contrast. Every ridge then stands out by its own contrast, whatever
 * the powder load around it, and the smear's low-frequency grey-level changes are gone. On the NIST latent this raised the minutiae consistent with
 * the mate inside the ridge region from 17 of 37 to 26 of 47 (numbers in latent/index.ts).
 */
import type { GrayImage } from '../types.js';
import { Integral } from './roi.js';

/** Ridge period assumed at 500 ppi when none was measured (adult fingers: 8-12 px). */
const DEFAULT_PERIOD_500PPI = 10;
/** Spreads below this many grey levels are not amplified further (blank paper, scanner noise). */
const MIN_SPREAD = 4;
/** Output grey levels per unit of local spread around mid-grey: +-3 spreads fit in 0-255. */
const GAIN = 40;

/** Mean of `value` over each pixel's (2r+1)^2 window, clipped to the image. */
function windowMean(width: number, height: number, r: number, value: (i: number) => number): Float32Array {
  const integral = new Integral(width, height, value);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(height, y + r + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(width, x + r + 1);
      out[y * width + x] = integral.sum(x0, y0, x1, y1) / ((x1 - x0) * (y1 - y0));
    }
  }
  return out;
}

/**
 * The image with each pixel's deviation from its local mean divided by the local spread, around 128.
 * `period` is the ridge period in pixels (ridgeRegion measures it); the window, 2 round(period / 2) + 1
 * px, just covers one period. Windows of 9-13 px at 500 ppi did equally well on the NIST latent, 17 px
 * lost most of the gain.
 */
export function normaliseLocalContrast(image: GrayImage, period = 0): GrayImage {
  const { width, height, pixels } = image;
  const ridgePeriod = period > 0 ? period : (DEFAULT_PERIOD_500PPI * (image.ppi || 500)) / 500;
  const r = Math.max(2, Math.round(ridgePeriod / 2));
  const mean = windowMean(width, height, r, (i) => pixels[i]);
  const variance = windowMean(width, height, r, (i) => (pixels[i] - mean[i]) ** 2);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const z = (pixels[i] - mean[i]) / Math.max(Math.sqrt(variance[i]), MIN_SPREAD);
    out[i] = Math.max(0, Math.min(255, Math.round(128 + GAIN * z)));
  }
  return { ...image, pixels: out };
}
