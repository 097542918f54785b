/**
 * Impressions of a master fingerprint (SFinGe's second phase): a contact area that depends on pressure,
 * ridge thickness from pressure and skin dryness, elastic distortion (a smooth displacement field on top
 * of a rotation and translation, after Cappelli, Maio & Maltoni 2001 in spirit), dry or smudged patches,
 * sensor noise and blur. Every true minutia of the master is carried through the same transformation.
 */
import { isoAngle } from '../extract/minutiae.js';
import { blockDistanceToBackground } from '../extract/segmentation.js';
import type { GrayImage, Minutia } from '../types.js';
import type { MasterFinger } from './master.js';
import { synthParameters as S } from './parameters.js';
import { mixSeed, seededRandom } from './random.js';

export interface Impression {
  image: GrayImage;
  /** True minutiae in the impression's coordinates (quality 100 deep inside the contact area, lower near its edge). */
  minutiae: Minutia[];
}

export interface ImpressionOptions {
  width?: number;
  height?: number;
  /** Scale the random rotation, translation and distortion (0 = none, 1 = the default ranges). */
  variability?: number;
  /** Scale the sensor noise, blotches and dryness (0 = a clean print). */
  noise?: number;
}

/** Output -> master mapping: p = c + R^-1 (q - c - t) + D(q), with D a smooth displacement field. */
interface Warp {
  cx: number;
  cy: number;
  cos: number;
  sin: number;
  tx: number;
  ty: number;
  bumps: Array<{ x: number; y: number; dx: number; dy: number }>;
  sigma: number;
}

function displacement(warp: Warp, x: number, y: number): [number, number] {
  let dx = 0;
  let dy = 0;
  const k = -1 / (2 * warp.sigma * warp.sigma);
  for (const b of warp.bumps) {
    const g = Math.exp(k * ((x - b.x) ** 2 + (y - b.y) ** 2));
    dx += g * b.dx;
    dy += g * b.dy;
  }
  return [dx, dy];
}

function toMaster(warp: Warp, x: number, y: number): [number, number] {
  const [dx, dy] = displacement(warp, x, y);
  const ux = x - warp.cx - warp.tx;
  const uy = y - warp.cy - warp.ty;
  // R^-1 for rotation by angle a (image axes): [cos sin; -sin cos].
  return [warp.cx + warp.cos * ux + warp.sin * uy + dx, warp.cy - warp.sin * ux + warp.cos * uy + dy];
}

/** Master -> output: fixed-point inversion of toMaster (the displacement is small and smooth). */
function fromMaster(warp: Warp, px: number, py: number): [number, number] {
  let dx = 0;
  let dy = 0;
  let qx = 0;
  let qy = 0;
  for (let it = 0; it < 8; it++) {
    const ux = px - dx - warp.cx;
    const uy = py - dy - warp.cy;
    qx = warp.cx + warp.cos * ux - warp.sin * uy + warp.tx;
    qy = warp.cy + warp.sin * ux + warp.cos * uy + warp.ty;
    [dx, dy] = displacement(warp, qx, qy);
  }
  return [qx, qy];
}

function bilinear(
  values: Float32Array | Uint8Array,
  w: number,
  h: number,
  x: number,
  y: number,
  outside: number,
): number {
  if (x < 0 || y < 0 || x > w - 1 || y > h - 1) return outside;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = x0 + 1 < w ? x0 + 1 : x0;
  const y1 = y0 + 1 < h ? y0 + 1 : y0;
  const tx = x - x0;
  const ty = y - y0;
  const a = values[y0 * w + x0] * (1 - tx) + values[y0 * w + x1] * tx;
  const b = values[y1 * w + x0] * (1 - tx) + values[y1 * w + x1] * tx;
  return a * (1 - ty) + b * ty;
}

export function synthesizeImpression(
  master: MasterFinger,
  seed: number,
  options: ImpressionOptions = {},
): Impression {
  const rng = seededRandom(mixSeed(master.seed, seed, 0x1a9));
  const width = options.width ?? S.impressionWidth;
  const height = options.height ?? S.impressionHeight;
  const variability = options.variability ?? 1;
  const noiseLevel = options.noise ?? 1;
  const mw = master.width;
  const mh = master.height;
  const rotation = rng.uniform(-1, 1) * S.maxRotationRad * variability;
  const warp: Warp = {
    cx: width / 2,
    cy: height / 2,
    cos: Math.cos(rotation),
    sin: Math.sin(rotation),
    tx: rng.uniform(-1, 1) * S.maxTranslationPx * variability + (width - mw) / 2,
    ty: rng.uniform(-1, 1) * S.maxTranslationPx * variability + (height - mh) / 2,
    bumps: [],
    sigma: S.distortionSigmaPx,
  };
  for (let k = 0; k < S.distortionBumps; k++) {
    warp.bumps.push({
      x: rng.uniform(0, width),
      y: rng.uniform(0, height),
      dx: rng.normal(0, S.distortionAmplitudePx * variability),
      dy: rng.normal(0, S.distortionAmplitudePx * variability),
    });
  }
  // Pressure: ridge thickness and contact size. The contact area is an ellipse centred near the finger's
  // centre, cut from the silhouette.
  const pressure = rng.uniform(-1, 1);
  const threshold = pressure * S.maxPressureShift * (0.5 + 0.5 * noiseLevel);
  const share = S.contactShare[0] + ((pressure + 1) / 2) * (S.contactShare[1] - S.contactShare[0]);
  const contactX = mw / 2 + rng.normal(0, mw * 0.04);
  const contactY = mh / 2 + rng.normal(0, mh * 0.05);
  const contactA = (mw / 2) * Math.sqrt(share) * 1.05;
  const contactB = (mh / 2) * Math.sqrt(share) * 1.05;
  const background = rng.uniform(S.backgroundGrey[0], S.backgroundGrey[1]);
  const contrast = rng.uniform(S.ridgeContrast[0], S.ridgeContrast[1]);
  const noiseSigma = rng.uniform(S.noiseSigmaGrey[0], S.noiseSigmaGrey[1]) * noiseLevel;
  const blotches: Array<{ x: number; y: number; r: number; strength: number }> = [];
  for (let k = 0; k < S.blotches; k++) {
    blotches.push({
      x: rng.uniform(0, mw),
      y: rng.uniform(0, mh),
      r: rng.uniform(12, 40),
      strength: rng.uniform(0.3, 0.9) * noiseLevel,
    });
  }
  // Displacement on a coarse grid, interpolated: the Gaussian bumps are far smoother than 8 px.
  const step = 8;
  const gw = Math.ceil(width / step) + 1;
  const gh = Math.ceil(height / step) + 1;
  const gridX = new Float32Array(gw * gh);
  const gridY = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++) {
    for (let i = 0; i < gw; i++) {
      const [px, py] = toMaster(warp, i * step, j * step);
      gridX[j * gw + i] = px;
      gridY[j * gw + i] = py;
    }
  }
  const contact = new Uint8Array(width * height);
  const tone = new Float32Array(width * height);
  const sharpness = 5;
  for (let y = 0; y < height; y++) {
    const fy = y / step;
    const j0 = Math.floor(fy);
    const ty = fy - j0;
    for (let x = 0; x < width; x++) {
      const fx = x / step;
      const i0 = Math.floor(fx);
      const tx = fx - i0;
      const k = j0 * gw + i0;
      const px =
        (1 - ty) * ((1 - tx) * gridX[k] + tx * gridX[k + 1]) +
        ty * ((1 - tx) * gridX[k + gw] + tx * gridX[k + gw + 1]);
      const py =
        (1 - ty) * ((1 - tx) * gridY[k] + tx * gridY[k + 1]) +
        ty * ((1 - tx) * gridY[k + gw] + tx * gridY[k + gw + 1]);
      const inShape = bilinear(master.shape, mw, mh, px, py, 0) >= 0.5;
      const ex = (px - contactX) / contactA;
      const ey = (py - contactY) / contactB;
      const i = y * width + x;
      if (!inShape || ex * ex + ey * ey > 1) {
        tone[i] = background;
        continue;
      }
      contact[i] = 1;
      const v = bilinear(master.ridges, mw, mh, px, py, 1);
      // Ridge darkness: a soft threshold of the ridge pattern, shifted by pressure.
      const dark = 1 / (1 + Math.exp(sharpness * (v - threshold)));
      let fade = 1;
      for (const b of blotches) {
        const d2 = ((px - b.x) ** 2 + (py - b.y) ** 2) / (b.r * b.r);
        if (d2 < 4) fade *= 1 - b.strength * Math.exp(-d2);
      }
      // Contact fades out toward the edge of the contact ellipse, as skin lifts off the platen.
      const rim = Math.min(1, (1 - (ex * ex + ey * ey)) * 6);
      tone[i] = background - contrast * dark * fade * (0.4 + 0.6 * rim);
    }
  }
  // Sensor: 3x3 blur then Gaussian noise.
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      let c = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          s += tone[yy * width + xx];
          c++;
        }
      }
      const v = s / c + (noiseSigma ? rng.normal(0, noiseSigma) : 0);
      pixels[y * width + x] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  // True minutiae through the same warp; those off the contact area are not in this impression.
  const edge = blockDistanceToBackground(contact, width, height);
  const minutiae: Minutia[] = [];
  for (const m of master.minutiae) {
    const [qx, qy] = fromMaster(warp, m.x, m.y);
    const x = Math.round(qx);
    const y = Math.round(qy);
    if (x < 0 || y < 0 || x >= width || y >= height) continue;
    const inset = edge[y * width + x];
    if (inset < S.truthEdgeMarginPx) continue;
    const [ax, ay] = fromMaster(warp, m.x + 6 * Math.cos(m.angleRad), m.y - 6 * Math.sin(m.angleRad));
    minutiae.push({
      x,
      y,
      angleRad: isoAngle(ax - qx, ay - qy),
      type: m.type,
      quality: Math.max(20, Math.min(100, Math.round((100 * inset) / 24))),
    });
  }
  return { image: { width, height, ppi: master.ppi, pixels }, minutiae };
}
