/**
 * 68-point landmarks (iBUG 300-W order) from the landmark net, run on the detection box widened to a
 * centred square as face-api does (padToSquare with centred inputs), batched over all faces.
 */
import * as ort from 'onnxruntime-node';

import { IdmError } from '../errors.js';
import type { RgbImage } from './decode.js';
import type { Box } from './detect.js';
import type { LoadedModel } from './models.js';
import { type Point, chipsToTensor, inputDims, warpRgb } from './warp.js';

export type Landmarks68 = Point[];

export async function detectLandmarks(
  model: LoadedModel,
  img: RgbImage,
  boxes: Box[],
): Promise<Landmarks68[]> {
  if (boxes.length === 0) return [];
  const { width: w, height: h } = model.input;
  const squares = boxes.map((b) => {
    const side = Math.max(b.width, b.height);
    return { x: b.x + b.width / 2 - side / 2, y: b.y + b.height / 2 - side / 2, side };
  });
  const chips = squares.map((s) =>
    warpRgb(img, { a: s.side / w, b: 0, c: s.x, d: 0, e: s.side / h, f: s.y }, w, h),
  );
  const tensor = new ort.Tensor(
    'float32',
    chipsToTensor(chips, model.input),
    inputDims(model.input, chips.length),
  );
  let out: Float32Array;
  try {
    const result = await model.session.run({ [model.input.name]: tensor });
    out = result[model.session.outputNames[0]].data as Float32Array;
  } catch (error) {
    throw new IdmError('IDM_MODEL', `landmark model ${model.name} failed: ${(error as Error).message}`);
  }
  if (out.length !== boxes.length * 136)
    throw new IdmError('IDM_MODEL', `landmark model ${model.name}: expected 136 values per face`);
  return squares.map((s, n) =>
    Array.from({ length: 68 }, (_, i) => ({
      x: s.x + out[n * 136 + 2 * i] * s.side,
      y: s.y + out[n * 136 + 2 * i + 1] * s.side,
    })),
  );
}

function mean(points: Point[]): Point {
  const s = points.reduce((acc, p) => ({ x: acc.x + p.x, y: acc.y + p.y }), { x: 0, y: 0 });
  return { x: s.x / points.length, y: s.y / points.length };
}

/** The five points of the ArcFace convention, from 68 landmarks: eye centres (image left first), nose tip, mouth corners. */
export function fivePoints(l: Landmarks68): Point[] {
  return [mean(l.slice(36, 42)), mean(l.slice(42, 48)), l[30], l[48], l[54]];
}

/** face-api's reference points for dlib alignment: left eye centre, right eye centre, mouth centre. */
export function dlibPoints(l: Landmarks68): [Point, Point, Point] {
  return [mean(l.slice(36, 42)), mean(l.slice(42, 48)), mean(l.slice(48, 68))];
}
