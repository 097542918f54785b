/**
 * Resampling for model inputs: an affine map from output pixels to source pixels, bilinear sampling
 * with supersampling when shrinking (so a 10x reduction averages instead of aliasing), and the packing
 * of RGB chips into a model's input tensor (layout, colour order, mean/std).
 */
import type { RgbImage } from './decode.js';
import type { InputSpec } from './models.js';

/** Source point of output pixel centre (u, v): x = a*u + b*v + c, y = d*u + e*v + f (pixel-centre coordinates). */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export interface Point {
  x: number;
  y: number;
}

export function applyAffine(m: Affine, u: number, v: number): Point {
  return { x: m.a * u + m.b * v + m.c, y: m.d * u + m.e * v + m.f };
}

const MAX_SUPERSAMPLE = 6;

/**
 * Warps `img` into a width x height RGB chip; points outside the source are black (as face-api pads
 * with zeros). Coordinates are continuous: pixel (i, j) of the source covers [i, i+1) x [j, j+1).
 */
export function warpRgb(img: RgbImage, m: Affine, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const stretch = Math.max(Math.hypot(m.a, m.d), Math.hypot(m.b, m.e));
  const k = Math.min(MAX_SUPERSAMPLE, Math.max(1, Math.ceil(stretch - 1e-6)));
  const { width: W, height: H, data } = img;
  const acc = [0, 0, 0];
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sj = 0; sj < k; sj++) {
        for (let si = 0; si < k; si++) {
          const pu = u + (si + 0.5) / k;
          const pv = v + (sj + 0.5) / k;
          // continuous source position, then to pixel-index space (centres at i + 0.5)
          const x = m.a * pu + m.b * pv + m.c - 0.5;
          const y = m.d * pu + m.e * pv + m.f - 0.5;
          if (x <= -1 || y <= -1 || x >= W || y >= H) continue;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= H) continue;
            const wy = dy ? fy : 1 - fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= W) continue;
              const w = wy * (dx ? fx : 1 - fx);
              const p = (yy * W + xx) * 3;
              acc[0] += w * data[p];
              acc[1] += w * data[p + 1];
              acc[2] += w * data[p + 2];
            }
          }
        }
      }
      const o = (v * width + u) * 3;
      const n = k * k;
      out[o] = Math.round(acc[0] / n);
      out[o + 1] = Math.round(acc[1] / n);
      out[o + 2] = Math.round(acc[2] / n);
    }
  }
  return { width, height, data: out };
}

/** Packs chips (each spec.width x spec.height RGB) into one batch tensor as the model expects. */
export function chipsToTensor(chips: RgbImage[], spec: InputSpec): Float32Array {
  const { width: w, height: h } = spec;
  const plane = w * h;
  const out = new Float32Array(chips.length * plane * 3);
  const order = spec.colour === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  chips.forEach((chip, n) => {
    if (chip.width !== w || chip.height !== h)
      throw new Error(`chip ${chip.width}x${chip.height}, model wants ${w}x${h}`);
    const base = n * plane * 3;
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        const value = (chip.data[i * 3 + order[c]] - spec.mean[c]) / spec.std[c];
        if (spec.layout === 'NHWC') out[base + i * 3 + c] = value;
        else out[base + c * plane + i] = value;
      }
    }
  });
  return out;
}

/** Tensor dimensions for a batch of `n` inputs. */
export function inputDims(spec: InputSpec, n: number): number[] {
  return spec.layout === 'NHWC' ? [n, spec.height, spec.width, 3] : [n, 3, spec.height, spec.width];
}
