/**
 * Stage 3: ridge frequency. After Hong, Wan & Jain (1998), section 2.4: in an oriented window across the
 * ridges, average grey levels along the ridge (the "x-signature"); its period is the ridge period. We read
 * the period from the signature's normalised autocorrelation (robust to a missing peak), then fill blocks
 * without a trustworthy estimate from their neighbours and smooth.
 */
import type { GrayImage } from '../types.js';
import type { OrientationField } from './orientation.js';
import { extractParameters as P, scaled } from './parameters.js';

export interface FrequencyMap {
  /** Per block (orientation field's grid) ridge period in pixels. */
  blockPeriod: Float32Array;
  /** Median period over the foreground, px. */
  medianPeriod: number;
  /** Share of foreground frequency blocks whose estimate was trustworthy (a quality feature). */
  reliableShare: number;
}

export function ridgeFrequency(
  image: GrayImage,
  field: OrientationField,
  blockMask: Uint8Array,
): FrequencyMap {
  const { width, height, pixels, ppi } = image;
  const { grid } = field;
  const { blocksX, blocksY, blockSize } = grid;
  const factor = P.frequencyBlockFactor;
  const fx = Math.ceil(blocksX / factor);
  const fy = Math.ceil(blocksY / factor);
  const across = Math.round(scaled(P.frequencyWindowAcrossPx, ppi));
  const along = Math.round(scaled(P.frequencyWindowAlongPx, ppi));
  const minP = scaled(P.minRidgePeriodPx, ppi);
  const maxP = scaled(P.maxRidgePeriodPx, ppi);
  const maxLag = Math.min(across - 4, Math.ceil(maxP) + 1);
  const minLag = Math.max(2, Math.floor(minP));
  const sig = new Float64Array(across);
  const corr = new Float64Array(maxLag + 2);
  const period = new Float32Array(fx * fy);
  const valid = new Uint8Array(fx * fy);
  let foregroundCount = 0;
  let validCount = 0;
  for (let j = 0; j < fy; j++) {
    for (let i = 0; i < fx; i++) {
      // Representative block: any foreground block of the group, orientation of its first one.
      let angle = -1;
      for (let dy = 0; dy < factor && angle < 0; dy++) {
        for (let dx = 0; dx < factor; dx++) {
          const bx = i * factor + dx;
          const by = j * factor + dy;
          if (bx < blocksX && by < blocksY && blockMask[by * blocksX + bx]) {
            angle = field.blockAngle[by * blocksX + bx];
            break;
          }
        }
      }
      if (angle < 0) continue;
      foregroundCount++;
      const cx = (i * factor + factor / 2) * blockSize;
      const cy = (j * factor + factor / 2) * blockSize;
      const ux = Math.cos(angle);
      const uy = Math.sin(angle);
      const nx = -uy;
      const ny = ux;
      let mean = 0;
      let count = 0;
      for (let k = 0; k < across; k++) {
        const t = k - across / 2;
        let s = 0;
        let c = 0;
        // Every second pixel along the ridge: the average along it is smooth, and this halves the cost.
        for (let m = 0; m < along; m += 2) {
          const a = m - along / 2;
          const x = roundHalfUp(cx + t * nx + a * ux);
          const y = roundHalfUp(cy + t * ny + a * uy);
          if (x < 0 || y < 0 || x >= width || y >= height) continue;
          s += pixels[y * width + x];
          c++;
        }
        sig[k] = c ? s / c : Number.NaN;
        if (c) {
          mean += sig[k];
          count++;
        }
      }
      if (count < across * 0.75) continue;
      mean /= count;
      let energy = 0;
      for (let k = 0; k < across; k++) {
        sig[k] = Number.isNaN(sig[k]) ? 0 : sig[k] - mean;
        energy += sig[k] * sig[k];
      }
      if (energy <= 1e-6) continue;
      for (let lag = minLag - 1; lag <= maxLag + 1; lag++) {
        let s = 0;
        for (let k = 0; k + lag < across; k++) s += sig[k] * sig[k + lag];
        corr[lag] = s / (across - lag) / (energy / across);
      }
      // First local maximum of the autocorrelation within the plausible range (not the global one, which
      // may be the second harmonic).
      let best = -1;
      let bestValue: number = P.frequencyMinCorrelation;
      for (let lag = minLag; lag <= maxLag; lag++) {
        if (corr[lag] >= corr[lag - 1] && corr[lag] >= corr[lag + 1] && corr[lag] > bestValue) {
          best = lag;
          bestValue = corr[lag];
          break;
        }
      }
      if (best < 0) continue;
      // Parabolic refinement of the peak.
      const a = corr[best - 1];
      const b = corr[best];
      const c = corr[best + 1];
      const denom = a - 2 * b + c;
      const refined = denom < 0 ? best + (0.5 * (a - c)) / denom : best;
      if (refined < minP || refined > maxP) continue;
      period[j * fx + i] = refined;
      valid[j * fx + i] = 1;
      validCount++;
    }
  }
  const validValues: number[] = [];
  for (let k = 0; k < period.length; k++) if (valid[k]) validValues.push(period[k]);
  validValues.sort((a, b) => a - b);
  const medianPeriod = validValues.length
    ? validValues[validValues.length >> 1]
    : scaled(P.defaultRidgePeriodPx, ppi);
  // Fill untrusted blocks from trusted neighbours, growing outward; whatever remains gets the median.
  for (let pass = 0; pass < 8; pass++) {
    let changed = false;
    const snapshot = Uint8Array.from(valid);
    for (let j = 0; j < fy; j++) {
      for (let i = 0; i < fx; i++) {
        const k = j * fx + i;
        if (snapshot[k]) continue;
        let s = 0;
        let c = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const ii = i + dx;
            const jj = j + dy;
            if (ii < 0 || jj < 0 || ii >= fx || jj >= fy) continue;
            const kk = jj * fx + ii;
            if (snapshot[kk]) {
              s += period[kk];
              c++;
            }
          }
        }
        if (c) {
          period[k] = s / c;
          valid[k] = 1;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  for (let k = 0; k < period.length; k++) if (!valid[k]) period[k] = medianPeriod;
  // 3x3 box smoothing of the period map.
  const smooth = new Float32Array(period.length);
  for (let j = 0; j < fy; j++) {
    for (let i = 0; i < fx; i++) {
      let s = 0;
      let c = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const ii = i + dx;
          const jj = j + dy;
          if (ii < 0 || jj < 0 || ii >= fx || jj >= fy) continue;
          s += period[jj * fx + ii];
          c++;
        }
      }
      smooth[j * fx + i] = s / c;
    }
  }
  const blockPeriod = new Float32Array(blocksX * blocksY);
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      blockPeriod[by * blocksX + bx] = smooth[((by / factor) | 0) * fx + ((bx / factor) | 0)];
    }
  }
  return {
    blockPeriod,
    medianPeriod,
    reliableShare: foregroundCount ? validCount / foregroundCount : 0,
  };
}

/**
 * Math.round for |v| < 2^51 (up to the sign of a zero result), about twice as fast in V8, which matters
 * for the ~70k signature samples per image. floor(v + 0.5) is Math.round except where v + 0.5 rounds up
 * to the next integer: only v = 0.5 - 2^-54 (the sum's rounding is exact or harmless elsewhere), which
 * the check catches (there v - (r - 1) = v < 0.5; otherwise it is at least 0.5).
 */
function roundHalfUp(v: number): number {
  const r = Math.floor(v + 0.5);
  return v - (r - 1) < 0.5 ? r - 1 : r;
}
