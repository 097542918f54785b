/**
 * Face detection with face-api's SSD MobileNet v1 (ONNX, any input size). The image is scaled onto a
 * canvas that follows its aspect ratio, the anchors of that canvas decode the boxes scoring above the
 * threshold (engine/face/ssd-anchors.ts), then greedy non-maximum suppression as in face-api's
 * ssdMobilenetv1/nonMaxSuppression.ts.
 *
 * face-api letterboxes every image into 512x512; a 640x480 photo then spends a quarter of the
 * detector's work on 128 black rows. Here that photo becomes a 512x384 canvas at the same scale, for
 * three quarters of the work. Faces come out the same, except near the right and bottom edges, which
 * now meet the convolutions' zero padding instead of black pixels: scores there move by up to about
 * 0.1 either way (test/face-detect.test.ts; the bench's notes in bench/RESULTS.md).
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

import { IdmError } from '../errors.js';
import type { RgbImage } from './decode.js';
import type { LoadedModel } from './models.js';
import { SSD_BACKBONE_STRIDE, decodeSsdBox, ssdAnchors } from './ssd-anchors.js';
import { inputDims, packRgb } from './warp.js';

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
  /** Border on each side, as a fraction of the image's long side (0 = image at the top left, as face-api). */
  padding: number;
}

/** Where the image lies on the detector's canvas, in canvas pixels. */
export interface CanvasLayout {
  width: number;
  height: number;
  left: number;
  top: number;
  innerWidth: number;
  innerHeight: number;
}

/**
 * The canvas for an image of imageWidth x imageHeight with a border of `padding` x its long side on each
 * side: the image and borders scaled to fit maxWidth x maxHeight, each canvas side rounded up to a
 * multiple of the backbone's stride (32) so that the finest feature maps tile it exactly. The image sits
 * `border` from the top left; whatever is left at the right and bottom is black.
 */
export function canvasLayout(
  imageWidth: number,
  imageHeight: number,
  maxWidth: number,
  maxHeight: number,
  padding: number,
): CanvasLayout {
  const border = padding * Math.max(imageWidth, imageHeight);
  const scale = Math.min(maxWidth / (imageWidth + 2 * border), maxHeight / (imageHeight + 2 * border));
  const innerWidth = Math.max(1, Math.min(maxWidth, Math.round(imageWidth * scale)));
  const innerHeight = Math.max(1, Math.min(maxHeight, Math.round(imageHeight * scale)));
  const edge = Math.round(border * scale);
  const side = (inner: number, max: number) =>
    Math.min(max, Math.ceil((inner + 2 * edge) / SSD_BACKBONE_STRIDE) * SSD_BACKBONE_STRIDE);
  const width = side(innerWidth, maxWidth);
  const height = side(innerHeight, maxHeight);
  return {
    width,
    height,
    left: Math.min(width - innerWidth, edge),
    top: Math.min(height - innerHeight, edge),
    innerWidth,
    innerHeight,
  };
}

/** The image scaled to the canvas (by libvips), packed straight into the detector's input tensor. */
async function canvasTensor(model: LoadedModel, img: RgbImage, layout: CanvasLayout): Promise<ort.Tensor> {
  let scaled = img;
  if (layout.innerWidth !== img.width || layout.innerHeight !== img.height) {
    const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .resize(layout.innerWidth, layout.innerHeight, { fit: 'fill' })
      .raw()
      .toBuffer();
    scaled = { width: layout.innerWidth, height: layout.innerHeight, data };
  }
  const spec = { ...model.input, width: layout.width, height: layout.height };
  const pixels = new Float32Array(layout.width * layout.height * 3);
  packRgb(scaled, spec, pixels, 0, layout.left, layout.top);
  return new ort.Tensor('float32', pixels, inputDims(spec, 1));
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
  const layout = canvasLayout(img.width, img.height, model.input.width, model.input.height, options.padding);
  const tensor = await canvasTensor(model, img, layout);
  let outputs: ort.InferenceSession.OnnxValueMapType;
  try {
    outputs = await model.session.run({ [model.input.name]: tensor });
  } catch (error) {
    throw new IdmError('IDM_MODEL', `detector ${model.name} failed: ${(error as Error).message}`);
  }
  const encodings = outputs.box_encodings?.data as Float32Array | undefined;
  const scores = outputs.scores?.data as Float32Array | undefined;
  if (!encodings || !scores)
    throw new IdmError('IDM_MODEL', `detector ${model.name} must output "box_encodings" and "scores"`);
  const anchors = ssdAnchors(layout.width, layout.height);
  if (scores.length !== anchors.count || encodings.length !== 4 * anchors.count) {
    throw new IdmError(
      'IDM_MODEL',
      `detector ${model.name}: ${scores.length} scores for ${anchors.count} anchors of a ${layout.width}x${layout.height} input`,
    );
  }
  // canvas pixels -> working-image pixels
  const sx = img.width / layout.innerWidth;
  const sy = img.height / layout.innerHeight;
  const candidates: Detection[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (!(scores[i] > options.minScore)) continue;
    const b = decodeSsdBox(encodings, i, anchors);
    const top = Math.max(0, (b.top - layout.top) * sy);
    const left = Math.max(0, (b.left - layout.left) * sx);
    const bottom = Math.min(img.height, (b.bottom - layout.top) * sy);
    const right = Math.min(img.width, (b.right - layout.left) * sx);
    if (right - left < 1 || bottom - top < 1) continue;
    candidates.push({
      box: { x: left, y: top, width: right - left, height: bottom - top },
      score: scores[i],
    });
  }
  return nonMaxSuppression(candidates, options.iou, options.maxFaces);
}
