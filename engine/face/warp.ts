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

/** Sub-pixel offsets (s + 0.5) / k of a k x k supersampling grid, for each k. */
const SUBSAMPLE_OFFSETS = Array.from({ length: MAX_SUPERSAMPLE + 1 }, (_, k) =>
  Float64Array.from({ length: k }, (_, s) => (s + 0.5) / k),
);

/**
 * Warps `img` into a width x height RGB chip; points outside the source are black (as face-api pads
 * with zeros). Coordinates are continuous: pixel (i, j) of the source covers [i, i+1) x [j, j+1).
 *
 * This runs for every face (the landmark chip and the recogniser chip), so the loops are written out:
 * plain local accumulators, and the four taps read without bounds checks when all lie inside the
 * source, which is nearly always. The arithmetic and its order are those of the straightforward
 * version, so the chips are the same to the bit.
 */
export function warpRgb(img: RgbImage, m: Affine, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const stretch = Math.max(Math.hypot(m.a, m.d), Math.hypot(m.b, m.e));
  const k = Math.min(MAX_SUPERSAMPLE, Math.max(1, Math.ceil(stretch - 1e-6)));
  const offsets = SUBSAMPLE_OFFSETS[k];
  const n = k * k;
  const { width: W, height: H, data } = img;
  const rowStride = W * 3;
  const { a, b, c, d, e, f } = m;
  let o = 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let sj = 0; sj < k; sj++) {
        const pv = v + offsets[sj];
        for (let si = 0; si < k; si++) {
          const pu = u + offsets[si];
          // continuous source position, then to pixel-index space (centres at i + 0.5)
          const x = a * pu + b * pv + c - 0.5;
          const y = d * pu + e * pv + f - 0.5;
          if (x >= 0 && y >= 0 && x < W - 1 && y < H - 1) {
            // all four taps inside the source (nearly always)
            const x0 = x | 0;
            const y0 = y | 0;
            const fx = x - x0;
            const fy = y - y0;
            const p = (y0 * W + x0) * 3;
            const q = p + rowStride;
            const w00 = (1 - fy) * (1 - fx);
            const w01 = (1 - fy) * fx;
            const w10 = fy * (1 - fx);
            const w11 = fy * fx;
            red += w00 * data[p];
            green += w00 * data[p + 1];
            blue += w00 * data[p + 2];
            red += w01 * data[p + 3];
            green += w01 * data[p + 4];
            blue += w01 * data[p + 5];
            red += w10 * data[q];
            green += w10 * data[q + 1];
            blue += w10 * data[q + 2];
            red += w11 * data[q + 3];
            green += w11 * data[q + 4];
            blue += w11 * data[q + 5];
            continue;
          }
          if (x <= -1 || y <= -1 || x >= W || y >= H) continue;
          // at the border: only the taps inside the source count (black outside)
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
              red += w * data[p];
              green += w * data[p + 1];
              blue += w * data[p + 2];
            }
          }
        }
      }
      out[o] = Math.round(red / n);
      out[o + 1] = Math.round(green / n);
      out[o + 2] = Math.round(blue / n);
      o += 3;
    }
  }
  return { width, height, data: out };
}

/**
 * For each tensor channel, the model's value of every 8-bit level, `(level - mean) / std` as float32:
 * packing a pixel is then three table reads, with the same values as computing it. Keyed by the
 * normalisation (a service has a handful).
 */
const levelTables = new Map<string, Float32Array[]>();

function channelLevels(spec: InputSpec): Float32Array[] {
  const key = `${spec.mean.join(',')}/${spec.std.join(',')}`;
  let tables = levelTables.get(key);
  if (!tables) {
    tables = [0, 1, 2].map((ch) =>
      Float32Array.from({ length: 256 }, (_, level) => (level - spec.mean[ch]) / spec.std[ch]),
    );
    levelTables.set(key, tables);
  }
  return tables;
}

/**
 * Writes `img` into one spec.width x spec.height input of a batch tensor (starting at element `base`),
 * with its top-left pixel at (left, top); the rest of that input is black. Layout, colour order and
 * normalisation as the spec says.
 */
export function packRgb(
  img: RgbImage,
  spec: InputSpec,
  out: Float32Array,
  base: number,
  left = 0,
  top = 0,
): void {
  const { width: w, height: h } = spec;
  if (left < 0 || top < 0 || left + img.width > w || top + img.height > h)
    throw new Error(`image ${img.width}x${img.height} at (${left}, ${top}) does not fit ${w}x${h}`);
  const plane = w * h;
  const [t0, t1, t2] = channelLevels(spec);
  // tensor channel c reads source channel s_c
  const [s0, s1, s2] = spec.colour === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const covered = img.width === w && img.height === h;
  if (!covered && (t0[0] !== 0 || t1[0] !== 0 || t2[0] !== 0)) {
    // black is not 0 after normalisation: paint the background first
    for (let i = 0; i < plane; i++) {
      if (spec.layout === 'NHWC') {
        out[base + 3 * i] = t0[0];
        out[base + 3 * i + 1] = t1[0];
        out[base + 3 * i + 2] = t2[0];
      } else {
        out[base + i] = t0[0];
        out[base + plane + i] = t1[0];
        out[base + 2 * plane + i] = t2[0];
      }
    }
  }
  const data = img.data;
  const rowLength = img.width * 3;
  if (spec.layout === 'NHWC' && isIdentity(spec)) {
    // the default models: the pixels as they are, so each row is one native Uint8 -> Float32 copy
    for (let y = 0; y < img.height; y++) {
      const row = data.subarray(y * rowLength, (y + 1) * rowLength);
      out.set(row, base + ((top + y) * w + left) * 3);
    }
    return;
  }
  for (let y = 0; y < img.height; y++) {
    let s = y * rowLength;
    const end = s + rowLength;
    const pixel = (top + y) * w + left;
    if (spec.layout === 'NHWC') {
      for (let o = base + pixel * 3; s < end; s += 3, o += 3) {
        out[o] = t0[data[s + s0]];
        out[o + 1] = t1[data[s + s1]];
        out[o + 2] = t2[data[s + s2]];
      }
    } else {
      for (let o = base + pixel; s < end; s += 3, o++) {
        out[o] = t0[data[s + s0]];
        out[o + plane] = t1[data[s + s1]];
        out[o + 2 * plane] = t2[data[s + s2]];
      }
    }
  }
}

/** RGB order, mean 0 and std 1: the tensor holds the pixel values themselves. */
function isIdentity(spec: InputSpec): boolean {
  return spec.colour === 'RGB' && spec.mean.every((m) => m === 0) && spec.std.every((s) => s === 1);
}

/** Packs chips (each spec.width x spec.height RGB) into one batch tensor as the model expects. */
export function chipsToTensor(chips: RgbImage[], spec: InputSpec): Float32Array {
  const size = spec.width * spec.height * 3;
  const out = new Float32Array(chips.length * size);
  chips.forEach((chip, n) => {
    if (chip.width !== spec.width || chip.height !== spec.height)
      throw new Error(`chip ${chip.width}x${chip.height}, model wants ${spec.width}x${spec.height}`);
    packRgb(chip, spec, out, n * size);
  });
  return out;
}

/** Tensor dimensions for a batch of `n` inputs. */
export function inputDims(spec: InputSpec, n: number): number[] {
  return spec.layout === 'NHWC' ? [n, spec.height, spec.width, 3] : [n, 3, spec.height, spec.width];
}
