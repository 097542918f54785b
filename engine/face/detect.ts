/**
 * Face detection with an SSD-style detector (default: face-api's SSD MobileNet v1 as ONNX). The image is
 * letterboxed into the detector's square (padding at the right and bottom as face-api does, or on every
 * side for the padded second attempt on tight crops), then greedy non-maximum suppression as in
 * face-api's ssdMobilenetv1/nonMaxSuppression.ts.
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

import { IdmError } from '../errors.js';
import type { RgbImage } from './decode.js';
import type { LoadedModel } from './models.js';
import { chipsToTensor, inputDims } from './warp.js';

/** A box in working-image pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  box: Box;
  score: number;
}

export interface DetectOptions {
  minScore: number;
  iou: number;
  maxFaces: number;
  /** Border on each side, as a fraction of the image's long side (0 = face-api's letterbox). */
  padding: number;
}

/**
 * The detector's square canvas, made by libvips: the image scaled to fit `size` minus the borders, on
 * black. Returns the canvas and where the image sits in it.
 */
async function letterbox(img: RgbImage, size: number, padding: number) {
  const long = Math.max(img.width, img.height);
  const scale = size / (long * (1 + 2 * padding)); // canvas px per working px
  const innerW = Math.max(1, Math.min(size, Math.round(img.width * scale)));
  const innerH = Math.max(1, Math.min(size, Math.round(img.height * scale)));
  const left = Math.min(size - innerW, Math.round(padding * long * scale));
  const top = Math.min(size - innerH, Math.round(padding * long * scale));
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(innerW, innerH, { fit: 'fill' })
    .extend({
      left,
      top,
      right: size - innerW - left,
      bottom: size - innerH - top,
      background: { r: 0, g: 0, b: 0 },
    })
    .raw()
    .toBuffer();
  const canvas: RgbImage = {
    width: size,
    height: size,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
  return { canvas, left, top, sx: img.width / innerW, sy: img.height / innerH };
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy NMS: highest score first, drop any box overlapping a kept one by more than `threshold`. */
export function nonMaxSuppression(candidates: Detection[], threshold: number, max: number): Detection[] {
  const sorted = [...candidates].sort((p, q) => q.score - p.score);
  const kept: Detection[] = [];
  for (const c of sorted) {
    if (kept.length >= max) break;
    if (kept.every((k) => iou(k.box, c.box) <= threshold)) kept.push(c);
  }
  return kept;
}

export async function detectFaces(
  model: LoadedModel,
  img: RgbImage,
  options: DetectOptions,
): Promise<Detection[]> {
  const size = model.input.width;
  if (model.input.height !== size)
    throw new IdmError('IDM_MODEL', `detector ${model.name}: input must be square`);
  const { canvas, left: padLeft, top: padTop, sx, sy } = await letterbox(img, size, options.padding);
  const tensor = new ort.Tensor('float32', chipsToTensor([canvas], model.input), inputDims(model.input, 1));
  let outputs: ort.InferenceSession.OnnxValueMapType;
  try {
    outputs = await model.session.run({ [model.input.name]: tensor });
  } catch (error) {
    throw new IdmError('IDM_MODEL', `detector ${model.name} failed: ${(error as Error).message}`);
  }
  const boxes = outputs.boxes?.data as Float32Array | undefined;
  const scores = outputs.scores?.data as Float32Array | undefined;
  if (!boxes || !scores)
    throw new IdmError('IDM_MODEL', `detector ${model.name} must output "boxes" and "scores"`);
  const candidates: Detection[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (!(scores[i] > options.minScore)) continue;
    // (top, left, bottom, right) relative to the detector square -> working-image pixels, clipped to the image
    const top = Math.max(0, (boxes[4 * i] * size - padTop) * sy);
    const left = Math.max(0, (boxes[4 * i + 1] * size - padLeft) * sx);
    const bottom = Math.min(img.height, (boxes[4 * i + 2] * size - padTop) * sy);
    const right = Math.min(img.width, (boxes[4 * i + 3] * size - padLeft) * sx);
    if (right - left < 1 || bottom - top < 1) continue;
    candidates.push({
      box: { x: left, y: top, width: right - left, height: bottom - top },
      score: scores[i],
    });
  }
  return nonMaxSuppression(candidates, options.iou, options.maxFaces);
}
