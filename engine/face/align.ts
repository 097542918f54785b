/**
 * Similarity-transform alignment of a face onto the recogniser's input square.
 *
 * - `dlib-3point`: face-api's dlib alignment (FaceLandmarks.alignDlib) made rotation-aware: the chip
 *   side is the mean eye-to-mouth distance / 0.45, the centroid of (left eye, right eye, mouth centre)
 *   lands at (0.5, 0.43) of the chip, and the eye line is made horizontal.
 * - `arcface-5point`: least-squares similarity (Umeyama 1991, "Least-squares estimation of transformation
 *   parameters between two point patterns", without reflection) from the InsightFace 112x112 template to
 *   the five detected points, scaled to the model's input size.
 */
import { type Landmarks68, dlibPoints, fivePoints } from './landmarks.js';
import type { AlignmentKind, InputSpec } from './models.js';
import { faceParameters as P } from './parameters.js';
import type { Affine, Point } from './warp.js';

/** Least-squares similarity (scale, rotation, translation) mapping `from[i]` onto `to[i]`. */
export function similarityTransform(from: Point[], to: Point[]): Affine {
  const n = from.length;
  let ux = 0;
  let uy = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    ux += from[i].x / n;
    uy += from[i].y / n;
    vx += to[i].x / n;
    vy += to[i].y / n;
  }
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i].x - ux;
    const py = from[i].y - uy;
    const qx = to[i].x - vx;
    const qy = to[i].y - vy;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (den === 0) throw new Error('similarityTransform: degenerate points');
  const a = num1 / den;
  const b = num2 / den;
  // (x, y) -> (a x - b y + tx, b x + a y + ty)
  return { a, b: -b, c: vx - a * ux + b * uy, d: b, e: a, f: vy - b * ux - a * uy };
}

/** The affine map from recogniser-chip pixels to working-image pixels for one face. */
export function alignmentTransform(kind: AlignmentKind, landmarks: Landmarks68, spec: InputSpec): Affine {
  if (kind === 'arcface-5point') {
    const template = P.arcfaceTemplate112.map(([x, y]) => ({
      x: (x * spec.width) / 112,
      y: (y * spec.height) / 112,
    }));
    return similarityTransform(template, fivePoints(landmarks));
  }
  const [le, re, mouth] = dlibPoints(landmarks);
  const eyeMouth =
    (Math.hypot(mouth.x - le.x, mouth.y - le.y) + Math.hypot(mouth.x - re.x, mouth.y - re.y)) / 2;
  const s = eyeMouth / P.dlibEyeMouthOverSide / spec.width; // source px per chip px
  const theta = Math.atan2(re.y - le.y, re.x - le.x);
  const cos = Math.cos(theta) * s;
  const sin = Math.sin(theta) * s;
  const cx = (le.x + re.x + mouth.x) / 3;
  const cy = (le.y + re.y + mouth.y) / 3;
  const u0 = P.dlibCentroid[0] * spec.width;
  const v0 = P.dlibCentroid[1] * spec.height;
  return { a: cos, b: -sin, c: cx - cos * u0 + sin * v0, d: sin, e: cos, f: cy - sin * u0 - cos * v0 };
}
