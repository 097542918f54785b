/**
 * Stage 5: binarisation. The enhanced image's sign is the ridge/valley decision (the Gabor response is
 * zero-mean, negative on dark ridges). Ridge islands and valley holes too small to be skin are flipped,
 * which removes most dots, pores and bridges before thinning turns them into false minutiae.
 */
import type { EnhancedImage } from './enhancement.js';
import { extractParameters as P } from './parameters.js';

export interface BinaryImage {
  width: number;
  height: number;
  /** 1 ridge, 0 valley or background. */
  pixels: Uint8Array;
}

export function binarise(enhanced: EnhancedImage, mask: Uint8Array, ppi: number): BinaryImage {
  const { width, height, values } = enhanced;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = mask[i] && values[i] < 0 ? 1 : 0;
  const areaScale = (ppi / P.referencePpi) ** 2;
  const seen = new Uint8Array(pixels.length);
  const stack = new Int32Array(pixels.length);
  const minIsland = Math.round(P.minRidgeIslandPx * areaScale);
  const minHole = Math.round(P.minValleyHolePx * areaScale);
  if (minIsland > 1) flipSmallRegions(pixels, width, 1, minIsland, mask, seen, stack);
  if (minHole > 1) flipSmallRegions(pixels, width, 0, minHole, mask, seen, stack);
  return { width, height, pixels };
}

/**
 * Flips connected regions of `value` smaller than `minArea`: ridges are 8-connected, valleys 4-connected
 * (the usual dual pair, so the two never cross). Valley regions touching the background are never holes.
 * The mask's outer pixel frame is background (segmentation guarantees it), so neighbours of masked
 * pixels are always inside the image.
 */
function flipSmallRegions(
  pixels: Uint8Array,
  width: number,
  value: 0 | 1,
  minArea: number,
  mask: Uint8Array,
  seen: Uint8Array,
  stack: Int32Array,
): void {
  // `seen` is shared between the ridge and the valley pass, marked with the pass's own stamp.
  const stamp = value + 1;
  const region = new Int32Array(minArea + 1);
  const offsets =
    value === 1
      ? [1, -1, width, -width, width + 1, width - 1, -width + 1, -width - 1]
      : [1, -1, width, -width];
  const n = offsets.length;
  for (let start = 0; start < pixels.length; start++) {
    if (seen[start] === stamp || pixels[start] !== value || !mask[start]) continue;
    let top = 0;
    let size = 0;
    let open = false;
    stack[top++] = start;
    seen[start] = stamp;
    while (top > 0) {
      const i = stack[--top];
      if (size < region.length) region[size] = i;
      size++;
      for (let k = 0; k < n; k++) {
        const j = i + offsets[k];
        if (!mask[j]) {
          open = true;
          continue;
        }
        if (seen[j] === stamp || pixels[j] !== value) continue;
        seen[j] = stamp;
        stack[top++] = j;
      }
    }
    if (size < minArea && (value === 1 || !open)) {
      for (let k = 0; k < size; k++) pixels[region[k]] = value === 1 ? 0 : 1;
    }
  }
}
