/**
 * Detection on canvases that follow the photo's aspect ratio: the canvas geometry, the SSD anchors for
 * any input size (equal to face-api's 512x512 grid wherever the feature maps line up, moved with the
 * cells where an odd map size shifts them), and the faces found on a 3:2 photo's 512x352 canvas against
 * face-api's 512x512 letterbox of the same photo.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeImage } from '../engine/face/decode.js';
import { type Box, canvasLayout, detectFaces } from '../engine/face/detect.js';
import type { LoadedModels } from '../engine/face/models.js';
import { ssdAnchors } from '../engine/face/ssd-anchors.js';
import { defaultModels, demoPhoto } from './face-fixtures.js';

describe('detector canvas', () => {
  it('a 640x480 photo fills a 512x384 canvas (no letterbox)', () => {
    expect(canvasLayout(640, 480, 512, 512, 0)).toEqual({
      width: 512,
      height: 384,
      left: 0,
      top: 0,
      innerWidth: 512,
      innerHeight: 384,
    });
  });

  it('rounds the short side up to a multiple of 32, the rest black at the right or bottom', () => {
    expect(canvasLayout(1533, 2048, 512, 512, 0)).toMatchObject({ width: 384, height: 512, innerWidth: 383 });
    expect(canvasLayout(1920, 1280, 512, 512, 0)).toMatchObject({
      width: 512,
      height: 352,
      innerHeight: 341,
    });
    expect(canvasLayout(2000, 100, 512, 512, 0)).toMatchObject({ width: 512, height: 32, innerHeight: 26 });
  });

  it('gives a tight crop its border on every side, within the model size', () => {
    const c = canvasLayout(300, 400, 512, 512, 0.25);
    // border = 0.25 x 400 = 100 px each side; (400 + 200) -> 512
    expect(c.innerHeight).toBe(341);
    expect(c.top).toBe(85);
    expect(c.left).toBe(85);
    expect(c.height).toBe(512);
    expect(c.width).toBe(448);
    expect(c.left + c.innerWidth).toBeLessThanOrEqual(c.width);
  });
});

describe('SSD anchors for any input size', () => {
  const square = ssdAnchors(512, 512);
  const landscape = ssdAnchors(512, 384);

  it('count 3 boxes per cell of the stride-16 map and 6 per cell of the five coarser ones', () => {
    expect(square.count).toBe(32 * 32 * 3 + (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2 + 1) * 6);
    expect(landscape.count).toBe(24 * 32 * 3 + (12 * 16 + 6 * 8 + 3 * 4 + 2 * 2 + 1) * 6);
  });

  it('are the 512x512 anchors, row for row, on every map that 384 rows still tile (strides 16 to 128)', () => {
    let s = 0;
    let l = 0;
    for (const [cols, rows512, rows384, boxes] of [
      [32, 32, 24, 3],
      [16, 16, 12, 6],
      [8, 8, 6, 6],
      [4, 4, 3, 6],
    ]) {
      const n = rows384 * cols * boxes;
      for (let i = 0; i < n; i++) {
        expect(landscape.centreY[l + i]).toBe(square.centreY[s + i]);
        expect(landscape.centreX[l + i]).toBe(square.centreX[s + i]);
        expect(landscape.sizeY[l + i]).toBe(square.sizeY[s + i]);
        expect(landscape.sizeX[l + i]).toBe(square.sizeX[s + i]);
      }
      s += rows512 * cols * boxes;
      l += n;
    }
  });

  it('move with the cells where an odd map pads before: 3 rows at stride 128 -> 2 at stride 256', () => {
    // at 512 the stride-256 anchors are at 128 and 384 (their windows centred 127.5 px further on); from 3
    // rows, "SAME" padding adds a row before, so the windows, and with them the anchors, sit 128 px earlier
    const start = 24 * 32 * 3 + (12 * 16 + 6 * 8 + 3 * 4) * 6;
    expect([landscape.centreY[start], landscape.centreY[start + 2 * 6]]).toEqual([0, 256]);
    expect([landscape.centreX[start], landscape.centreX[start + 6]]).toEqual([128, 384]);
  });
});

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (ix * iy) / (a.width * a.height + b.width * b.height - ix * iy);
}

describe('detection on the aspect-ratio canvas', () => {
  let models: LoadedModels;

  beforeAll(async () => {
    models = await defaultModels();
  });
  afterAll(async () => models?.release());

  it("finds the faces face-api's 512x512 letterbox finds, with the same boxes and scores", async () => {
    const options = { minScore: 0.3, iou: 0.5, maxFaces: 100, padding: 0 };
    for (const name of ['sample1.jpg', 'sample3.jpg', 'sample5.jpg', 'sample6.jpg']) {
      const image = (await decodeImage(demoPhoto(name))).working;
      // the letterbox: the photo on a black square, scaled to 512x512 as a whole
      const side = Math.max(image.width, image.height);
      const square = await sharp(image.data, {
        raw: { width: image.width, height: image.height, channels: 3 },
      })
        .extend({ right: side - image.width, bottom: side - image.height, background: '#000' })
        .raw()
        .toBuffer();
      const boxed = await detectFaces(models.detector, { width: side, height: side, data: square }, options);
      const fitted = await detectFaces(models.detector, image, options);
      expect(fitted.length).toBe(boxed.length);
      for (const face of boxed) {
        const best = fitted.reduce((p, q) => (iou(face.box, q.box) > iou(face.box, p.box) ? q : p));
        expect(iou(face.box, best.box)).toBeGreaterThan(0.9);
        expect(Math.abs(face.score - best.score)).toBeLessThan(0.05);
      }
    }
  });
});
