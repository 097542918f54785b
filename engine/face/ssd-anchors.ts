/**
 * Anchors and box decoding of face-api's SSD MobileNet v1 (a TensorFlow Object Detection API SSD), for
 * a detector input of any height and width.
 *
 * face-api ships its anchors as a constant (Output/extra_dim, 5118 boxes) that only fits a 512x512
 * input. They are the TF OD API's ssd_anchor_generator boxes: six feature maps at strides 16 to 512,
 * scales 0.2 to 0.95 of 512 px, aspect ratios 1, 2, 1/2, 3 and 0.3333 plus one interpolated scale, three
 * boxes in the lowest map. test/models-conversion.test.ts checks that this module reproduces them at
 * 512x512.
 *
 * On another input size the convolutions see the same pixels at the same scale, so an anchor keeps its
 * size in pixels (the TF OD API would rescale it to the input, which the network never saw in
 * training) and its place relative to its feature-map cell's receptive field. At 512x512 every stride-2
 * "SAME" convolution has an even input and pads nothing before it, and cell i of a map with stride s is
 * centred at (i + 0.5) * s. An odd input (a 384 px side reaches 3 cells at stride 128) pads one cell
 * before, which moves the cells of that map and of all coarser maps by half a stride; the anchors move
 * with them.
 */

/** The input size the anchors were made for. */
const TRAINING_SIDE = 512;
/** Strides of the six prediction feature maps (MobileNet conv 11, conv 13, then prediction convs 1, 3, 5, 7). */
const MAP_STRIDES = [16, 32, 64, 128, 256, 512];
/** Every stride-2 convolution of the detector (MobileNet's and the prediction layers') is 3x3. */
const KERNEL = 3;
/** The TF OD API anchor configuration of face-api's model (ssd_anchor_generator). */
const MIN_SCALE = 0.2;
const MAX_SCALE = 0.95;
const ASPECT_RATIOS = [1, 2, 0.5, 3, 0.3333];

/** The stride of the backbone's output: canvases whose sides are multiples of it tile the two finest maps exactly. */
export const SSD_BACKBONE_STRIDE = 32;

/** (scale, aspect ratio) of each box of a feature-map cell, in the order of the model's outputs. */
function boxSpecs(map: number): Array<[number, number]> {
  const scale = (i: number) => MIN_SCALE + ((MAX_SCALE - MIN_SCALE) * i) / (MAP_STRIDES.length - 1);
  if (map === 0)
    return [
      [0.1, 1],
      [scale(0), 2],
      [scale(0), 0.5],
    ];
  const s = scale(map);
  const next = map + 1 < MAP_STRIDES.length ? scale(map + 1) : 1;
  // as in the TF OD API version face-api's model was exported with: the interpolated box right after ratio 1
  return ASPECT_RATIOS.flatMap(
    (ratio): Array<[number, number]> =>
      ratio === 1
        ? [
            [s, 1],
            [Math.sqrt(s * next), 1],
          ]
        : [[s, ratio]],
  );
}

/**
 * Along one axis of `side` pixels: for each stride 2, 4, ..., 512, the number of cells and where (in
 * pixels) the window of cell 0 is centred, through 3x3 stride-2 "SAME" convolutions.
 */
function axisGeometry(side: number): Map<number, { cells: number; centre0: number }> {
  const out = new Map<number, { cells: number; centre0: number }>();
  let cells = side;
  let centre0 = 0.5; // pixel 0's centre
  for (let stride = 2; stride <= MAP_STRIDES[MAP_STRIDES.length - 1]; stride *= 2) {
    const next = Math.ceil(cells / 2);
    const padBefore = Math.floor(Math.max((next - 1) * 2 + KERNEL - cells, 0) / 2);
    // output cell j is centred on input cell 2j - padBefore + (KERNEL - 1) / 2
    centre0 += (stride / 2) * ((KERNEL - 1) / 2 - padBefore);
    cells = next;
    out.set(stride, { cells, centre0 });
  }
  return out;
}

/** Anchors in canvas pixels, in the order of the detector's outputs. */
export interface SsdAnchors {
  width: number;
  height: number;
  count: number;
  centreY: Float64Array;
  centreX: Float64Array;
  sizeY: Float64Array;
  sizeX: Float64Array;
}

function buildAnchors(width: number, height: number): SsdAnchors {
  const reference = axisGeometry(TRAINING_SIDE);
  const alongY = axisGeometry(height);
  const alongX = axisGeometry(width);
  const maps = MAP_STRIDES.map((stride, i) => {
    const ref = reference.get(stride);
    const y = alongY.get(stride);
    const x = alongX.get(stride);
    if (!ref || !y || !x) throw new Error(`no feature map at stride ${stride}`);
    return {
      stride,
      rows: y.cells,
      cols: x.cells,
      // the anchor of cell 0 sits where it sits at 512, moved with the cell's window
      y0: stride / 2 + y.centre0 - ref.centre0,
      x0: stride / 2 + x.centre0 - ref.centre0,
      boxes: boxSpecs(i).map(([scale, ratio]) => ({
        h: (TRAINING_SIDE * scale) / Math.sqrt(ratio),
        w: TRAINING_SIDE * scale * Math.sqrt(ratio),
      })),
    };
  });
  const count = maps.reduce((n, m) => n + m.rows * m.cols * m.boxes.length, 0);
  const anchors: SsdAnchors = {
    width,
    height,
    count,
    centreY: new Float64Array(count),
    centreX: new Float64Array(count),
    sizeY: new Float64Array(count),
    sizeX: new Float64Array(count),
  };
  let k = 0;
  for (const m of maps) {
    for (let row = 0; row < m.rows; row++) {
      for (let col = 0; col < m.cols; col++) {
        for (const box of m.boxes) {
          anchors.centreY[k] = m.y0 + row * m.stride;
          anchors.centreX[k] = m.x0 + col * m.stride;
          anchors.sizeY[k] = box.h;
          anchors.sizeX[k] = box.w;
          k++;
        }
      }
    }
  }
  return anchors;
}

// A service sees few canvas sizes (they follow the photos' aspect ratios), so a handful are kept.
const cache = new Map<string, SsdAnchors>();
const CACHE_SIZE = 16;

/** The anchors of a width x height detector input (memoised). */
export function ssdAnchors(width: number, height: number): SsdAnchors {
  const key = `${width}x${height}`;
  let anchors = cache.get(key);
  if (anchors) {
    cache.delete(key); // re-inserted below: most recently used last
  } else {
    anchors = buildAnchors(width, height);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, anchors);
  return anchors;
}

/** A box as (top, left, bottom, right) in canvas pixels. */
export interface CanvasBox {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/**
 * Decodes anchor i's box from the model's (y, x, h, w) encodings as face-api's outputLayer.ts does
 * (centre offsets scaled by 1/10 of the anchor size, log sizes by 1/5).
 */
export function decodeSsdBox(encodings: Float32Array, i: number, anchors: SsdAnchors): CanvasBox {
  const h = anchors.sizeY[i];
  const w = anchors.sizeX[i];
  const cy = (encodings[4 * i] / 10) * h + anchors.centreY[i];
  const cx = (encodings[4 * i + 1] / 10) * w + anchors.centreX[i];
  const halfH = (Math.exp(encodings[4 * i + 2] / 5) * h) / 2;
  const halfW = (Math.exp(encodings[4 * i + 3] / 5) * w) / 2;
  return { top: cy - halfH, left: cx - halfW, bottom: cy + halfH, right: cx + halfW };
}
