/**
 * A quality record per face: size (inter-ocular distance in original pixels), sharpness (mean absolute
 * Laplacian of the aligned grey chip), pose (a frontal-ness score from the nose's position between the
 * eyes), brightness (mean of the aligned chip, 0..1), and an overall score (geometric mean of the
 * sub-scores) with flags. Loosely after ISO/IEC 29794-5 face image quality components; not a certified
 * quality algorithm.
 */
import type { RgbImage } from './decode.js';
import { type Landmarks68, fivePoints } from './landmarks.js';
import { faceParameters as P } from './parameters.js';

export interface FaceQuality {
  /** Inter-ocular distance in original-image pixels. */
  size: number;
  /** Mean absolute 4-neighbour Laplacian of the aligned grey chip (grey levels). */
  sharpness: number;
  /** 1 = frontal, 0 = yaw proxy at or beyond `maxYawProxy`. */
  pose: number;
  /** Mean grey level of the aligned chip, 0..1. */
  brightness: number;
  /** Geometric mean of the four sub-scores, 0..1. */
  overall: number;
  flags: string[];
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export function greyLevels(chip: RgbImage): Float32Array {
  const n = chip.width * chip.height;
  const grey = new Float32Array(n);
  for (let i = 0; i < n; i++)
    grey[i] = 0.299 * chip.data[3 * i] + 0.587 * chip.data[3 * i + 1] + 0.114 * chip.data[3 * i + 2];
  return grey;
}

/** Mean absolute Laplacian over the chip's inner area (the centre 60%, mostly skin and features, not background). */
export function sharpness(grey: Float32Array, width: number, height: number): number {
  const x0 = Math.floor(width * 0.2);
  const x1 = Math.ceil(width * 0.8);
  const y0 = Math.floor(height * 0.2);
  const y1 = Math.ceil(height * 0.8);
  let sum = 0;
  let n = 0;
  for (let y = Math.max(1, y0); y < Math.min(height - 1, y1); y++) {
    for (let x = Math.max(1, x0); x < Math.min(width - 1, x1); x++) {
      const i = y * width + x;
      sum += Math.abs(4 * grey[i] - grey[i - 1] - grey[i + 1] - grey[i - width] - grey[i + width]);
      n++;
    }
  }
  return n ? sum / n : 0;
}

/** Nose tip's horizontal offset between the eye centres, -1..1 (0 when frontal), measured along the eye line. */
export function yawProxy(landmarks: Landmarks68): number {
  const [le, re, nose] = fivePoints(landmarks);
  const ex = re.x - le.x;
  const ey = re.y - le.y;
  const len2 = ex * ex + ey * ey;
  if (len2 === 0) return 1;
  const t = ((nose.x - le.x) * ex + (nose.y - le.y) * ey) / len2; // 0 at the left eye, 1 at the right eye
  return Math.max(-1, Math.min(1, 2 * t - 1));
}

export function assessQuality(
  landmarks: Landmarks68,
  chip: RgbImage,
  originalPxPerWorkingPx: number,
): FaceQuality {
  const [le, re] = fivePoints(landmarks);
  const size = Math.hypot(re.x - le.x, re.y - le.y) * originalPxPerWorkingPx;
  const grey = greyLevels(chip);
  const sharp = sharpness(grey, chip.width, chip.height);
  let total = 0;
  for (const g of grey) total += g;
  const brightness = total / grey.length / 255;
  const pose = clamp01(1 - Math.abs(yawProxy(landmarks)) / P.maxYawProxy);

  const sizeScore = clamp01((size - P.minEyeDistance) / (P.goodEyeDistance - P.minEyeDistance));
  const sharpScore = clamp01(sharp / P.goodSharpness);
  const brightScore =
    brightness < P.darkBrightness
      ? clamp01(brightness / P.darkBrightness)
      : brightness > P.brightBrightness
        ? clamp01((1 - brightness) / (1 - P.brightBrightness))
        : 1;
  const overall = (sizeScore * sharpScore * pose * brightScore) ** 0.25;
  const flags: string[] = [];
  if (sizeScore < P.flagBelow) flags.push('small');
  if (sharpScore < P.flagBelow) flags.push('blurry');
  if (pose < P.flagBelow) flags.push('off-angle');
  if (brightScore < P.flagBelow) flags.push(brightness < 0.5 ? 'dark' : 'overexposed');
  if (overall < P.qualityFloor) flags.push('below-quality-floor');
  return { size, sharpness: sharp, pose, brightness, overall, flags };
}
