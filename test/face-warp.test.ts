/**
 * The resampling and tensor packing of engine/face/warp.ts against straightforward reference versions:
 * the written-out warp must give the same chips to the bit (inside the source, across its borders, at
 * every supersampling factor), and packing must give `(pixel - mean) / std` in every layout and colour
 * order, with the image placed where asked and black around it.
 */
import { describe, expect, it } from 'vitest';

import type { RgbImage } from '../engine/face/decode.js';
import type { InputSpec } from '../engine/face/models.js';
import { type Affine, chipsToTensor, packRgb, warpRgb } from '../engine/face/warp.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) / 16777216;
  };
}

function noiseImage(width: number, height: number, seed: number): RgbImage {
  const random = lcg(seed);
  return {
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(random() * 256)),
  };
}

/** The warp as first written (supersampled bilinear, black outside), kept here as its specification. */
function referenceWarp(img: RgbImage, m: Affine, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const stretch = Math.max(Math.hypot(m.a, m.d), Math.hypot(m.b, m.e));
  const k = Math.min(6, Math.max(1, Math.ceil(stretch - 1e-6)));
  const { width: W, height: H, data } = img;
  const acc = [0, 0, 0];
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sj = 0; sj < k; sj++) {
        for (let si = 0; si < k; si++) {
          const pu = u + (si + 0.5) / k;
          const pv = v + (sj + 0.5) / k;
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
      out[o] = Math.round(acc[0] / (k * k));
      out[o + 1] = Math.round(acc[1] / (k * k));
      out[o + 2] = Math.round(acc[2] / (k * k));
    }
  }
  return { width, height, data: out };
}

describe('warpRgb', () => {
  const img = noiseImage(97, 83, 11);

  it('gives the reference chips to the bit: rotations, scales from 0.5 to 7, inside and across the borders', () => {
    const random = lcg(5);
    for (let trial = 0; trial < 40; trial++) {
      const scale = 0.5 + 6.5 * random();
      const angle = (random() - 0.5) * 1.2;
      const m: Affine = {
        a: scale * Math.cos(angle),
        b: -scale * Math.sin(angle),
        c: (random() - 0.3) * 120,
        d: scale * Math.sin(angle),
        e: scale * Math.cos(angle),
        f: (random() - 0.3) * 100,
      };
      const size = 8 + Math.floor(random() * 24);
      expect(warpRgb(img, m, size, size).data).toEqual(referenceWarp(img, m, size, size).data);
    }
  });

  it('is black outside the source', () => {
    const far: Affine = { a: 1, b: 0, c: 1000, d: 0, e: 1, f: 1000 };
    expect(warpRgb(img, far, 5, 5).data.every((x) => x === 0)).toBe(true);
  });
});

describe('packRgb and chipsToTensor', () => {
  const chip = noiseImage(6, 4, 3);
  const spec = (layout: InputSpec['layout'], colour: InputSpec['colour'], mean: number, std: number) =>
    ({
      name: 'x',
      width: 6,
      height: 4,
      layout,
      colour,
      mean: [mean, mean + 1, mean + 2],
      std: [std, std * 2, std * 3],
    }) as InputSpec;

  /** Element of channel c (in the model's colour order) at pixel i, as the model expects it. */
  const expected = (s: InputSpec, i: number, c: number) => {
    const source = s.colour === 'BGR' ? 2 - c : c;
    return Math.fround((chip.data[3 * i + source] - s.mean[c]) / s.std[c]);
  };

  it('normalises, orders colours and lays out NHWC and NCHW as the spec says', () => {
    for (const layout of ['NHWC', 'NCHW'] as const) {
      for (const colour of ['RGB', 'BGR'] as const) {
        for (const [mean, std] of [
          [0, 1],
          [127.5, 128],
        ]) {
          const s = spec(layout, colour, mean, std);
          const out = chipsToTensor([chip, chip], s);
          const plane = 24;
          for (let n = 0; n < 2; n++)
            for (let i = 0; i < plane; i++)
              for (let c = 0; c < 3; c++) {
                const at = n * plane * 3 + (layout === 'NHWC' ? 3 * i + c : c * plane + i);
                expect(out[at]).toBe(expected(s, i, c));
              }
        }
      }
    }
  });

  it('places a smaller image at (left, top) with black, as normalised, around it', () => {
    const small: RgbImage = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 40, 50, 60]) };
    for (const s of [spec('NHWC', 'RGB', 0, 1), spec('NCHW', 'BGR', 127.5, 128)]) {
      const out = new Float32Array(6 * 4 * 3);
      packRgb(small, s, out, 0, 3, 2);
      const value = (x: number, y: number, c: number) =>
        out[s.layout === 'NHWC' ? 3 * (y * 6 + x) + c : c * 24 + y * 6 + x];
      const source = (c: number) => (s.colour === 'BGR' ? 2 - c : c);
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 6; x++)
          for (let c = 0; c < 3; c++) {
            const inside = y === 2 && (x === 3 || x === 4);
            const level = inside ? small.data[3 * (x - 3) + source(c)] : 0;
            expect(value(x, y, c)).toBe(Math.fround((level - s.mean[c]) / s.std[c]));
          }
    }
    expect(() => packRgb(small, spec('NHWC', 'RGB', 0, 1), new Float32Array(72), 0, 5, 0)).toThrow();
  });
});
