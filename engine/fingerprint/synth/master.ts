/**
 * The master fingerprint (SFinGe's first phase): finger silhouette, orientation field from cores and
 * deltas, ridge-frequency map, and ridges grown from noise by iterating the oriented Gabor filter of the
 * extractor's enhancement stage. True minutiae are read off the master's clean ridge pattern with the
 * extractor's own thinning and skeleton stages (on a noise-free pattern they are unambiguous).
 */
import { binarise } from '../extract/binarisation.js';
import { filterOriented, orientedGaborBank, periodBinOf } from '../extract/enhancement.js';
import { candidates, filterMinutiae, toMinutiae } from '../extract/filtering.js';
import { skeletonNodes } from '../extract/minutiae.js';
import { blockDistanceToBackground } from '../extract/segmentation.js';
import { thin } from '../extract/thinning.js';
import type { Minutia } from '../types.js';
import { synthParameters as S } from './parameters.js';
import { type Random, seededRandom } from './random.js';

export type FingerClass = 'leftLoop' | 'rightLoop' | 'whorl' | 'tentedArch' | 'arch';

export interface Point {
  x: number;
  y: number;
}

export interface MasterFinger {
  seed: number;
  fingerClass: FingerClass;
  width: number;
  height: number;
  ppi: number;
  cores: Point[];
  deltas: Point[];
  /** Ridge orientation per pixel, radians in [0, pi), image axes. */
  orientation: Float32Array;
  /** Ridge period per pixel, px. */
  period: Float32Array;
  /** 1 inside the finger's silhouette. */
  shape: Uint8Array;
  /** Ridge pattern in [-1, 1]: negative on ridges. */
  ridges: Float32Array;
  /** True minutiae of the master, in its coordinates. */
  minutiae: Minutia[];
}

export interface MasterOptions {
  fingerClass?: FingerClass;
  width?: number;
  height?: number;
}

function pickClass(rng: Random): FingerClass {
  const entries = Object.entries(S.classWeights) as Array<[FingerClass, number]>;
  let u = rng.next() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [name, w] of entries) {
    u -= w;
    if (u < 0) return name;
  }
  return entries[0][0];
}

function singularities(
  fingerClass: FingerClass,
  w: number,
  h: number,
  rng: Random,
): { cores: Point[]; deltas: Point[] } {
  const cx = w / 2 + rng.normal(0, w * 0.04);
  const cy = h * 0.4 + rng.normal(0, h * 0.04);
  const side = fingerClass === 'leftLoop' ? -1 : 1;
  switch (fingerClass) {
    case 'leftLoop':
    case 'rightLoop':
      return {
        cores: [{ x: cx - side * rng.uniform(5, 20), y: cy }],
        deltas: [{ x: cx + side * rng.uniform(0.22, 0.32) * w, y: cy + rng.uniform(0.22, 0.3) * h }],
      };
    case 'whorl': {
      const tilt = rng.uniform(-12, 12);
      const gap = rng.uniform(10, 22);
      return {
        cores: [
          { x: cx - gap / 2, y: cy - tilt / 2 },
          { x: cx + gap / 2, y: cy + tilt / 2 },
        ],
        deltas: [
          { x: cx - rng.uniform(0.25, 0.33) * w, y: cy + rng.uniform(0.22, 0.3) * h },
          { x: cx + rng.uniform(0.25, 0.33) * w, y: cy + rng.uniform(0.22, 0.3) * h },
        ],
      };
    }
    case 'tentedArch':
      return {
        cores: [{ x: cx, y: cy }],
        deltas: [{ x: cx + rng.normal(0, 4), y: cy + rng.uniform(0.1, 0.16) * h }],
      };
    default:
      return { cores: [], deltas: [] };
  }
}

/** Smooth random field: a few low-frequency cosines, values roughly in [-1, 1]. */
function smoothNoise(rng: Random, terms: number, minWavelength: number, maxWavelength: number) {
  const waves: Array<{ kx: number; ky: number; phase: number; amp: number }> = [];
  for (let k = 0; k < terms; k++) {
    const direction = rng.uniform(0, Math.PI * 2);
    const wavelength = rng.uniform(minWavelength, maxWavelength);
    waves.push({
      kx: (Math.cos(direction) * 2 * Math.PI) / wavelength,
      ky: (Math.sin(direction) * 2 * Math.PI) / wavelength,
      phase: rng.uniform(0, Math.PI * 2),
      amp: 1 / Math.sqrt(terms),
    });
  }
  return (x: number, y: number) => {
    let s = 0;
    for (const wave of waves) s += wave.amp * Math.cos(wave.kx * x + wave.ky * y + wave.phase);
    return s;
  };
}

/**
 * Orientation model: theta = theta0 + 1/2 (sum arg(z - delta) - sum arg(z - core)) (Sherlock & Monro
 * 1993), an arch term when there are no singularities, and a smooth perturbation.
 */
function orientationModel(
  fingerClass: FingerClass,
  cores: Point[],
  deltas: Point[],
  w: number,
  h: number,
  rng: Random,
): Float32Array {
  const out = new Float32Array(w * h);
  const noise = coarseField(smoothNoise(rng, 4, w * 0.8, w * 2), w, h, 8);
  const archHeight = rng.uniform(0.5, 1.1);
  const archWidth = w * rng.uniform(0.18, 0.26);
  const archX = w / 2 + rng.normal(0, w * 0.04);
  const archY = h * rng.uniform(0.45, 0.6);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let theta = 0;
      // With y pointing down, image-axes arguments turn clockwise: the signs are those of the y-up model.
      for (const d of deltas) theta -= 0.5 * Math.atan2(y - d.y, x - d.x);
      for (const c of cores) theta += 0.5 * Math.atan2(y - c.y, x - c.x);
      if (fingerClass === 'arch') {
        const u = (x - archX) / archWidth;
        const fade = Math.exp(-(((y - archY) / (h * 0.35)) ** 2));
        theta += Math.atan(archHeight * u * Math.exp(-0.5 * u * u) * fade);
      }
      theta += S.orientationNoiseRad * noise[y * w + x];
      theta %= Math.PI;
      if (theta < 0) theta += Math.PI;
      out[y * w + x] = theta;
    }
  }
  return out;
}

function silhouette(w: number, h: number, rng: Random): Uint8Array {
  const a = w * rng.uniform(S.shapeSemiAxisX[0], S.shapeSemiAxisX[1]);
  const b = h * rng.uniform(S.shapeSemiAxisY[0], S.shapeSemiAxisY[1]);
  const cx = w / 2;
  const cy = h / 2 + rng.normal(0, 4);
  const bottomPower = rng.uniform(2.4, 3.4);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const v = Math.abs(y - cy) / b;
    if (v > 1) continue;
    const p = y > cy ? bottomPower : 2;
    // |u|^p + v^p <= 1  <=>  |x - cx| <= a (1 - v^p)^(1/p): one power per row, not per pixel.
    const half = a * (1 - v ** p) ** (1 / p);
    const x0 = Math.max(0, Math.ceil(cx - half));
    const x1 = Math.min(w - 1, Math.floor(cx + half));
    out.fill(1, y * w + x0, y * w + x1 + 1);
  }
  return out;
}

/** Samples a smooth field every `step` pixels and interpolates bilinearly (it varies over ~100 px). */
function coarseField(f: (x: number, y: number) => number, w: number, h: number, step: number): Float32Array {
  const gw = Math.ceil(w / step) + 1;
  const gh = Math.ceil(h / step) + 1;
  const grid = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++) for (let i = 0; i < gw; i++) grid[j * gw + i] = f(i * step, j * step);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const j = (y / step) | 0;
    const ty = y / step - j;
    for (let x = 0; x < w; x++) {
      const i = (x / step) | 0;
      const tx = x / step - i;
      const k = j * gw + i;
      out[y * w + x] =
        (1 - ty) * ((1 - tx) * grid[k] + tx * grid[k + 1]) +
        ty * ((1 - tx) * grid[k + gw] + tx * grid[k + gw + 1]);
    }
  }
  return out;
}

export function synthesizeMaster(seed: number, options: MasterOptions = {}): MasterFinger {
  const rng = seededRandom(seed);
  const w = options.width ?? S.masterWidth;
  const h = options.height ?? S.masterHeight;
  const ppi = S.ppi;
  const fingerClass = options.fingerClass ?? pickClass(rng);
  const { cores, deltas } = singularities(fingerClass, w, h, rng);
  const orientation = orientationModel(fingerClass, cores, deltas, w, h, rng);
  const shape = silhouette(w, h, rng);
  const meanPeriod = rng.uniform(S.meanPeriodPx[0], S.meanPeriodPx[1]);
  const period = coarseField(smoothNoise(rng, 3, w, w * 3), w, h, 8);
  for (let i = 0; i < period.length; i++) period[i] = meanPeriod * (1 + S.periodVariation * period[i]);
  const bins = S.orientationBins;
  const bank = orientedGaborBank(w, ppi, bins, S.growthSigmaAlongPx);
  const orientationBin = new Uint8Array(w * h);
  const periodBin = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    orientationBin[i] = Math.round((orientation[i] * bins) / Math.PI) % bins;
    periodBin[i] = periodBinOf(bank, period[i]);
  }
  // Ridge growth: white noise, then repeatedly filter and clip (SFinGe grows from a few seeds; starting
  // from noise converges in fewer iterations and gives natural minutiae density).
  // Growth is confined to the silhouette plus a margin (the rest of the canvas is never shown).
  const grown = growRegion(shape, w, h, Math.ceil(S.growthMarginPx));
  let ridges: Float32Array = new Float32Array(w * h);
  for (let i = 0; i < ridges.length; i++) if (grown[i]) ridges[i] = rng.uniform(-1, 1);
  let next: Float32Array = new Float32Array(w * h);
  for (let it = 0; it < S.growthIterations; it++) {
    filterOriented(ridges, w, h, bank, orientationBin, periodBin, grown, next);
    binomialBlur(next, ridges, w, h);
    let energy = 0;
    let count = 0;
    for (let i = 0; i < next.length; i++) {
      if (!grown[i]) continue;
      energy += next[i] * next[i];
      count++;
    }
    const scale = S.growthGain / Math.sqrt(energy / Math.max(1, count) || 1);
    for (let i = 0; i < next.length; i++) {
      if (grown[i]) next[i] = Math.min(1, Math.max(-1, next[i] * scale));
    }
    [ridges, next] = [next, ridges];
  }
  const minutiae = masterMinutiae(ridges, shape, orientation, w, h, ppi);
  return {
    seed,
    fingerClass,
    width: w,
    height: h,
    ppi,
    cores,
    deltas,
    orientation,
    period,
    shape,
    ridges,
    minutiae,
  };
}

/**
 * [1 2 1]/4 in x then y, in place on `values` (`work` is scratch). The 1-D filters sample rotated taps at
 * rounded pixel positions, which lets a diagonal checkerboard (constant along 45-degree lines) through;
 * iterating would amplify it into visible hatching. This blur cancels exactly that frequency.
 */
function binomialBlur(values: Float32Array, work: Float32Array, w: number, h: number): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    work[row] = values[row];
    work[row + w - 1] = values[row + w - 1];
    for (let x = 1; x < w - 1; x++)
      work[row + x] = 0.25 * (values[row + x - 1] + 2 * values[row + x] + values[row + x + 1]);
  }
  for (let x = 0; x < w; x++) {
    values[x] = work[x];
    values[(h - 1) * w + x] = work[(h - 1) * w + x];
  }
  for (let y = 1; y < h - 1; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++)
      values[row + x] = 0.25 * (work[row + x - w] + 2 * work[row + x] + work[row + x + w]);
  }
}

/** The shape grown by `margin` pixels (separable square dilation). */
function growRegion(shape: Uint8Array, w: number, h: number, margin: number): Uint8Array {
  const rows = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let nextOn = Infinity;
    let last = -Infinity;
    const row = y * w;
    // Two sweeps: distance to the nearest shape pixel on the left and on the right.
    const left = new Uint8Array(w);
    for (let x = 0; x < w; x++) {
      if (shape[row + x]) last = x;
      left[x] = x - last <= margin ? 1 : 0;
    }
    for (let x = w - 1; x >= 0; x--) {
      if (shape[row + x]) nextOn = x;
      rows[row + x] = left[x] || nextOn - x <= margin ? 1 : 0;
    }
  }
  const out = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    let last = -Infinity;
    const up = new Uint8Array(h);
    for (let y = 0; y < h; y++) {
      if (rows[y * w + x]) last = y;
      up[y] = y - last <= margin ? 1 : 0;
    }
    let nextOn = Infinity;
    for (let y = h - 1; y >= 0; y--) {
      if (rows[y * w + x]) nextOn = y;
      out[y * w + x] = up[y] || nextOn - y <= margin ? 1 : 0;
    }
  }
  return out;
}

/** True minutiae: the extractor's skeleton stages on the clean master (no enhancement needed). */
function masterMinutiae(
  ridges: Float32Array,
  shape: Uint8Array,
  orientation: Float32Array,
  w: number,
  h: number,
  ppi: number,
): Minutia[] {
  const binary = binarise({ width: w, height: h, values: ridges }, shape, ppi);
  const skeleton = thin(binary);
  const nodes = skeletonNodes(skeleton, shape, ppi);
  const list = candidates(nodes);
  const context = {
    width: w,
    height: h,
    ppi,
    borderDistance: blockDistanceToBackground(shape, w, h),
    coherenceAt: () => 1,
    orientationAt: (x: number, y: number) => orientation[Math.round(y) * w + Math.round(x)],
  };
  filterMinutiae(nodes, list, context);
  return toMinutiae(list, context).map((m) => ({ ...m, quality: 100 }));
}
