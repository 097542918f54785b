/**
 * Synthetic fingerprint generator in the manner of SFinGe (Cappelli, Maio, Maltoni): a master finger from
 * an orientation model with cores and deltas and a ridge-frequency map, ridges grown by iterative Gabor
 * filtering; then impressions with elastic distortion, rotation, translation, pressure and noise, and
 * latent-like partial crops. True minutiae are known for every impression. Deterministic by seed.
 */
import { type Impression, type ImpressionOptions, synthesizeImpression } from './impression.js';
import { type MasterFinger, type MasterOptions, synthesizeMaster } from './master.js';
import { mixSeed } from './random.js';

export { type LatentOptions, latentCrop } from './latent.js';
export { synthParameters } from './parameters.js';
export type { FingerClass, MasterFinger, MasterOptions, Point } from './master.js';
export type { Impression, ImpressionOptions };

/** The master fingerprint of finger `seed`. */
export function synthesizeFinger(seed: number, options: MasterOptions = {}): MasterFinger {
  return synthesizeMaster(seed, options);
}

/** `count` impressions of a master; impression k depends only on (master seed, seed, k). */
export function synthesizeImpressions(
  master: MasterFinger,
  count: number,
  seed: number,
  options: ImpressionOptions = {},
): Impression[] {
  const out: Impression[] = [];
  for (let k = 0; k < count; k++) out.push(synthesizeImpression(master, mixSeed(seed, k), options));
  return out;
}
