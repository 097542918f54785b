/**
 * Stage 1: segmentation. Separates the finger (foreground) from the sensor background on the block map
 * by local grey-level spread (Mehtre's variance criterion) and, for moderate spread, a dominant ridge
 * direction (orientation coherence: sensor texture has contrast but no direction); then cleans the block
 * mask with block-level morphology, keeps the largest region and fills its holes. The gradient tensors
 * behind the coherence are computed once (orientation.ts) and shared with the orientation stage.
 */
import type { GrayImage } from '../types.js';
import { type BlockGrid, blockGrid, blocksToPixels } from './blocks.js';
import { extractParameters as P, scaled } from './parameters.js';

export interface SegmentationMask {
  grid: BlockGrid;
  /** Per block: 1 foreground, 0 background. */
  blocks: Uint8Array;
  /** Per pixel: 1 foreground, 0 background. */
  pixels: Uint8Array;
  /** Per block grey-level standard deviation over its 3x3-block window (contrast), for inspection. */
  blockContrast: Float32Array;
  /** Per block mean grey level. */
  blockMean: Float32Array;
  /** Number of foreground pixels. */
  foregroundArea: number;
}

/** The block grid of an image at its resolution. */
export function imageGrid(image: GrayImage): BlockGrid {
  return blockGrid(image.width, image.height, Math.max(4, Math.round(scaled(P.blockSizePx, image.ppi))));
}

/**
 * `coherence` is the unsmoothed orientation coherence per block (orientation.ts localCoherence): sensor
 * texture and smudges have contrast but no dominant ridge direction.
 */
export function segment(image: GrayImage, grid: BlockGrid, coherence: Float32Array): SegmentationMask {
  const { width, height, pixels } = image;
  const { blockSize } = grid;
  const { blocksX, blocksY } = grid;
  // Per-block sums of grey levels and their squares in one pass, then the spread over each block and its
  // neighbours (a window of 3x3 blocks, 24 px at 500 ppi).
  const nBlocks = blocksX * blocksY;
  const blockSum = new Float64Array(nBlocks);
  const blockSumSq = new Float64Array(nBlocks);
  const blockCount = new Float64Array(nBlocks);
  // Integer sums, so adding each row's run per block gives exactly the per-pixel sums.
  for (let y = 0; y < height; y++) {
    const rowBlock = ((y / blockSize) | 0) * blocksX;
    const row = y * width;
    for (let bx = 0; bx < blocksX; bx++) {
      const end = row + Math.min(width, (bx + 1) * blockSize);
      let sum = 0;
      let sumSq = 0;
      for (let i = row + bx * blockSize; i < end; i++) {
        const v = pixels[i];
        sum += v;
        sumSq += v * v;
      }
      blockSum[rowBlock + bx] += sum;
      blockSumSq[rowBlock + bx] += sumSq;
    }
  }
  for (let by = 0; by < blocksY; by++) {
    const h = Math.min(blockSize, height - by * blockSize);
    for (let bx = 0; bx < blocksX; bx++)
      blockCount[by * blocksX + bx] = h * Math.min(blockSize, width - bx * blockSize);
  }
  const window = P.segmentationWindowBlocks;
  const contrast = new Float32Array(nBlocks);
  const mean = new Float32Array(nBlocks);
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      let s = 0;
      let sq = 0;
      let n = 0;
      for (let yy = Math.max(0, by - window); yy <= Math.min(blocksY - 1, by + window); yy++) {
        for (let xx = Math.max(0, bx - window); xx <= Math.min(blocksX - 1, bx + window); xx++) {
          const j = yy * blocksX + xx;
          s += blockSum[j];
          sq += blockSumSq[j];
          n += blockCount[j];
        }
      }
      const m = s / n;
      contrast[by * blocksX + bx] = Math.sqrt(Math.max(0, sq / n - m * m));
      mean[by * blocksX + bx] = m;
    }
  }
  const sorted = Float32Array.from(contrast).sort();
  const high = sorted[Math.floor(sorted.length * 0.9)] ?? 0;
  const threshold = Math.max(P.segmentationAbsoluteThreshold, P.segmentationRelativeThreshold * high);
  let blocks: Uint8Array = new Uint8Array(blocksX * blocksY);
  for (let i = 0; i < blocks.length; i++) {
    const ridged = coherence[i] >= P.segmentationMinCoherence || contrast[i] > 2 * threshold;
    blocks[i] = contrast[i] > threshold && ridged ? 1 : 0;
  }

  const r = P.segmentationMorphologyBlocks;
  blocks = erode(dilate(blocks, blocksX, blocksY, r), blocksX, blocksY, r); // closing: fill pinholes
  blocks = dilate(erode(blocks, blocksX, blocksY, r), blocksX, blocksY, r); // opening: drop specks
  blocks = largestComponent(blocks, blocksX, blocksY);
  fillHoles(blocks, blocksX, blocksY);

  const pixelMask = blocksToPixels(grid, blocks);
  // The outermost pixel frame is never foreground: later stages then look at the 8 neighbours of any
  // foreground pixel without bounds checks.
  for (let x = 0; x < width; x++) {
    pixelMask[x] = 0;
    pixelMask[(height - 1) * width + x] = 0;
  }
  for (let y = 0; y < height; y++) {
    pixelMask[y * width] = 0;
    pixelMask[y * width + width - 1] = 0;
  }
  const area = foregroundArea(grid, blocks);
  return { grid, blocks, pixels: pixelMask, blockContrast: contrast, blockMean: mean, foregroundArea: area };
}

/**
 * Pixels of the foreground blocks outside the image's outermost frame: the pixel mask's area, counted
 * per block instead of per pixel.
 */
function foregroundArea(grid: BlockGrid, blocks: Uint8Array): number {
  const { width, height, blockSize, blocksX, blocksY } = grid;
  // Pixels of a block span [start, end) that are not on the frame (first or last pixel of the side).
  const inside = (start: number, end: number, side: number) =>
    end - start - (start === 0 ? 1 : 0) - (end === side ? 1 : 0);
  let area = 0;
  for (let by = 0; by < blocksY; by++) {
    const rows = inside(by * blockSize, Math.min(height, (by + 1) * blockSize), height);
    for (let bx = 0; bx < blocksX; bx++) {
      if (!blocks[by * blocksX + bx]) continue;
      area += rows * inside(bx * blockSize, Math.min(width, (bx + 1) * blockSize), width);
    }
  }
  return area;
}

/** Square structuring element of radius r on a small binary grid. */
export function dilate(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let hit = 0;
      for (let dy = -r; dy <= r && !hit; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w && mask[yy * w + xx]) {
            hit = 1;
            break;
          }
        }
      }
      out[y * w + x] = hit;
    }
  }
  return out;
}

/** Erosion; outside the grid counts as foreground so a finger touching the image edge is not eaten. */
export function erode(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let keep = 1;
      for (let dy = -r; dy <= r && keep; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w && !mask[yy * w + xx]) {
            keep = 0;
            break;
          }
        }
      }
      out[y * w + x] = keep;
    }
  }
  return out;
}

/** Labels 4-connected regions of `value` and returns, per cell, its region id (0 = other value). */
function label(
  mask: Uint8Array,
  w: number,
  h: number,
  value: number,
): { labels: Int32Array; sizes: number[] } {
  const labels = new Int32Array(mask.length);
  const sizes = [0];
  const stack = new Int32Array(mask.length);
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== value || labels[start]) continue;
    const id = sizes.length;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    let size = 0;
    while (top > 0) {
      const i = stack[--top];
      size++;
      const x = i % w;
      const y = (i - x) / w;
      if (x > 0 && mask[i - 1] === value && !labels[i - 1]) {
        labels[i - 1] = id;
        stack[top++] = i - 1;
      }
      if (x < w - 1 && mask[i + 1] === value && !labels[i + 1]) {
        labels[i + 1] = id;
        stack[top++] = i + 1;
      }
      if (y > 0 && mask[i - w] === value && !labels[i - w]) {
        labels[i - w] = id;
        stack[top++] = i - w;
      }
      if (y < h - 1 && mask[i + w] === value && !labels[i + w]) {
        labels[i + w] = id;
        stack[top++] = i + w;
      }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}

function largestComponent(mask: Uint8Array, w: number, h: number): Uint8Array {
  const { labels, sizes } = label(mask, w, h, 1);
  let best = 0;
  for (let id = 1; id < sizes.length; id++) if (sizes[id] > (sizes[best] ?? 0)) best = id;
  const out = new Uint8Array(mask.length);
  if (best === 0) return out;
  for (let i = 0; i < mask.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return out;
}

/** Background regions that do not touch the grid edge are holes in the finger: fill them. */
function fillHoles(mask: Uint8Array, w: number, h: number): void {
  const { labels, sizes } = label(mask, w, h, 0);
  const touches = new Uint8Array(sizes.length);
  for (let x = 0; x < w; x++) {
    touches[labels[x]] = 1;
    touches[labels[(h - 1) * w + x]] = 1;
  }
  for (let y = 0; y < h; y++) {
    touches[labels[y * w]] = 1;
    touches[labels[y * w + w - 1]] = 1;
  }
  for (let i = 0; i < mask.length; i++) if (!mask[i] && !touches[labels[i]]) mask[i] = 1;
}

/**
 * Chessboard distance from every foreground cell to the nearest background cell or the grid's edge (two
 * raster sweeps, Rosenfeld & Pfaltz). Used on pixel masks (distance to the finger's edge) and block masks.
 */
export function blockDistanceToBackground(mask: Uint8Array, w: number, h: number): Uint16Array {
  const d = new Uint16Array(mask.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!mask[i]) continue;
      let m = Math.min(x, y) + 1;
      if (x > 0 && d[i - 1] + 1 < m) m = d[i - 1] + 1;
      if (y > 0) {
        if (d[i - w] + 1 < m) m = d[i - w] + 1;
        if (x > 0 && d[i - w - 1] + 1 < m) m = d[i - w - 1] + 1;
        if (x < w - 1 && d[i - w + 1] + 1 < m) m = d[i - w + 1] + 1;
      }
      d[i] = m;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!d[i]) continue;
      let m = d[i];
      if (w - x < m) m = w - x;
      if (h - y < m) m = h - y;
      if (x < w - 1 && d[i + 1] + 1 < m) m = d[i + 1] + 1;
      if (y < h - 1) {
        if (d[i + w] + 1 < m) m = d[i + w] + 1;
        if (x < w - 1 && d[i + w + 1] + 1 < m) m = d[i + w + 1] + 1;
        if (x > 0 && d[i + w - 1] + 1 < m) m = d[i + w - 1] + 1;
      }
      d[i] = m;
    }
  }
  return d;
}
