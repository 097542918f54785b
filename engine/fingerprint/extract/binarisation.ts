/**
 * Stage 5: binarisation. The enhanced image's sign is the ridge/valley decision (the Gabor response is
 * zero-mean, negative on dark ridges). Ridge islands and valley holes too small to be skin are flipped,
 * which removes most dots, pores and bridges before thinning turns them into false minutiae.
 */
import type { EnhancedImage } from './enhancement.js';
import { maskRowSpans } from './blocks.js';
import { extractParameters as P } from './parameters.js';

type RowSpans = ReturnType<typeof maskRowSpans>;

export interface BinaryImage {
  width: number;
  height: number;
  /** 1 ridge, 0 valley or background. */
  pixels: Uint8Array;
}

export function binarise(enhanced: EnhancedImage, mask: Uint8Array, ppi: number): BinaryImage {
  const { width, height, values } = enhanced;
  const pixels = new Uint8Array(width * height);
  const spans = maskRowSpans(mask, width, height);
  for (let y = 0; y < height; y++) {
    const end = y * width + spans.max[y];
    for (let i = y * width + spans.min[y]; i <= end; i++) pixels[i] = mask[i] && values[i] < 0 ? 1 : 0;
  }
  const areaScale = (ppi / P.referencePpi) ** 2;
  const minIsland = Math.round(P.minRidgeIslandPx * areaScale);
  const minHole = Math.round(P.minValleyHolePx * areaScale);
  if (minIsland > 1) flipSmallRegions(pixels, width, 1, minIsland, mask, spans);
  if (minHole > 1) flipSmallRegions(pixels, width, 0, minHole, mask, spans);
  return { width, height, pixels };
}

/**
 * Flips connected regions of `value` smaller than `minArea`: ridges are 8-connected, valleys 4-connected
 * (the usual dual pair, so the two never cross). Valley regions touching the background are never holes.
 * The mask's outer pixel frame is background (segmentation guarantees it), so neighbours of masked
 * pixels are always inside the image.
 *
 * Regions are labelled by runs (one union-find node per horizontal run of region pixels, joined to the
 * touching runs of the row above) rather than by a pixel flood fill: rows are read in order, and the
 * union-find touches a few thousand runs instead of every pixel's neighbours. Flipping a region changes
 * no other region of the same value, so the result does not depend on the labelling order.
 */
function flipSmallRegions(
  pixels: Uint8Array,
  width: number,
  value: 0 | 1,
  minArea: number,
  mask: Uint8Array,
  spans: RowSpans,
): void {
  const height = pixels.length / width;
  const { start, end, rowFirst, count } = regionRuns(pixels, width, height, value, mask, spans);
  const parent = new Int32Array(count);
  const size = new Int32Array(count);
  const open = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    parent[r] = r;
    size[r] = end[r] - start[r];
    if (value === 0) open[r] = touchesBackground(mask, width, start[r], end[r]);
  }
  // 8-connected runs also touch diagonally: they may end one pixel before the other begins.
  const reach = value === 1 ? 1 : 0;
  for (let y = 2; y < height - 1; y++) {
    // Both rows' runs are sorted: walk them together, comparing the row above shifted down one row.
    let q = rowFirst[y - 1];
    const qEnd = rowFirst[y];
    for (let r = rowFirst[y]; r < rowFirst[y + 1]; r++) {
      while (q < qEnd && end[q] + width + reach <= start[r]) q++;
      for (let k = q; k < qEnd && start[k] + width < end[r] + reach; k++) union(parent, size, open, k, r);
    }
  }
  for (let r = 0; r < count; r++) {
    const root = find(parent, r);
    if (size[root] < minArea && (value === 1 || !open[root])) pixels.fill(1 - value, start[r], end[r]);
  }
}

/**
 * Horizontal runs of masked pixels equal to `value`, in raster order, as [start, end) pixel indices;
 * the runs of row y are rowFirst[y] to rowFirst[y + 1].
 */
function regionRuns(
  pixels: Uint8Array,
  width: number,
  height: number,
  value: number,
  mask: Uint8Array,
  spans: RowSpans,
): { start: Int32Array; end: Int32Array; rowFirst: Int32Array; count: number } {
  const capacity = (pixels.length >> 1) + height;
  const start = new Int32Array(capacity);
  const end = new Int32Array(capacity);
  const rowFirst = new Int32Array(height + 1);
  let count = 0;
  for (let y = 0; y < height; y++) {
    rowFirst[y] = count;
    // Region pixels are masked: only the row's mask span is read (the frame rows have none).
    const rowEnd = y * width + spans.max[y] + 1;
    let i = y * width + spans.min[y];
    while (i < rowEnd) {
      if (pixels[i] !== value || !mask[i]) {
        i++;
        continue;
      }
      start[count] = i;
      while (i < rowEnd && pixels[i] === value && mask[i]) i++;
      end[count++] = i;
    }
  }
  rowFirst[height] = count;
  return { start, end, rowFirst, count };
}

/** 1 when a pixel of the run [start, end) has a background 4-neighbour. */
function touchesBackground(mask: Uint8Array, width: number, start: number, end: number): number {
  if (!mask[start - 1] || !mask[end]) return 1;
  for (let i = start; i < end; i++) if (!mask[i - width] || !mask[i + width]) return 1;
  return 0;
}

function find(parent: Int32Array, r: number): number {
  while (parent[r] !== r) {
    parent[r] = parent[parent[r]];
    r = parent[r];
  }
  return r;
}

function union(parent: Int32Array, size: Int32Array, open: Uint8Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra === rb) return;
  parent[rb] = ra;
  size[ra] += size[rb];
  open[ra] |= open[rb];
}
