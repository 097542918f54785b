/**
 * Latent-like partial prints: an elliptical fragment of an impression, with faded contrast, strong noise
 * and a textured background, the way a latent lifted from a surface shows only part of the finger. The
 * true minutiae are those inside the fragment.
 */
import { blockDistanceToBackground } from '../extract/segmentation.js';
import type { Minutia } from '../types.js';
import type { Impression } from './impression.js';
import { synthParameters as S } from './parameters.js';
import { mixSeed, seededRandom } from './random.js';

export interface LatentOptions {
  /** Share of the image area the fragment covers. */
  areaShare?: number;
  /** Ridge contrast kept, 0-1. */
  contrast?: number;
  noiseSigmaGrey?: number;
}

export function latentCrop(impression: Impression, seed: number, options: LatentOptions = {}): Impression {
  const rng = seededRandom(mixSeed(seed, 0x1a7e));
  const { width, height, pixels, ppi } = impression.image;
  const share = options.areaShare ?? S.latentAreaShare;
  const keep = options.contrast ?? S.latentContrast;
  const sigma = options.noiseSigmaGrey ?? S.latentNoiseSigmaGrey;
  // Ellipse of the requested area, centred somewhere in the middle half of the image.
  const aspect = rng.uniform(0.6, 1.6);
  const area = share * width * height;
  const a = Math.sqrt((area * aspect) / Math.PI);
  const b = area / (Math.PI * a);
  const cx = rng.uniform(0.3, 0.7) * width;
  const cy = rng.uniform(0.3, 0.7) * height;
  const tilt = rng.uniform(0, Math.PI);
  const ct = Math.cos(tilt);
  const st = Math.sin(tilt);
  const inside = new Uint8Array(width * height);
  const out = new Uint8Array(width * height);
  const surface = rng.uniform(150, 200);
  const grainX = rng.uniform(0.05, 0.2);
  const grainY = rng.uniform(0.05, 0.2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = ((x - cx) * ct + (y - cy) * st) / a;
      const v = (-(x - cx) * st + (y - cy) * ct) / b;
      const i = y * width + x;
      const texture = 12 * Math.sin(x * grainX + 3 * Math.sin(y * grainY));
      let value = surface + texture;
      if (u * u + v * v <= 1) {
        inside[i] = 1;
        value += (pixels[i] - 255) * keep;
      }
      value += rng.normal(0, sigma);
      out[i] = value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
    }
  }
  const edge = blockDistanceToBackground(inside, width, height);
  const minutiae: Minutia[] = impression.minutiae.filter(
    (m) => edge[m.y * width + m.x] >= S.truthEdgeMarginPx,
  );
  return { image: { width, height, ppi, pixels: out }, minutiae };
}
