/**
 * Slap segmentation: the fingertips of a plain multi-finger impression (ANSI/NIST-ITL positions 13 and
 * 14, four fingers taken simultaneously; 15, both thumbs) or of a plain thumb box (11, 12), each cut out
 * with its finger position.
 *
 * Slaps come from inked cards as well as live scanners, so the image can hold printed captions,
 * handwriting, punch holes, and each finger's lower phalanges as separate blobs below its tip. We find
 * friction ridge the way the latent region does (latent/roi.ts: blocks whose grey levels across the ridge
 * flow oscillate at a ridge spacing), take its connected components of fingertip size, and keep as
 * fingertips those with no ridge blob above them: a phalanx lies under its own finger's tip, while the
 * little finger's tip, lower than the others, has nothing above it. The tips, ordered left to right,
 * take the positions of the capture convention (right hand: index to little; left hand: little to
 * index; thumbs: left, right), which the NIST tenprint card in the shared data confirms finger by
 * finger against its rolled prints (test/fp-slap.test.ts). When the tips found are fewer than the
 * fingers expected (fingers pressed together into one blob, a missing finger) the slap is refused with
 * the reason: a finger enrolled under the wrong position is worse than one not enrolled.
 */
import { IdmError } from '../errors.js';
import { labelComponents } from './block-components.js';
import { ridgeRegion } from './latent/roi.js';
import type { GrayImage } from './types.js';

/** Finger positions of a slap's fingertips from left to right, by the slap's position code. */
const SLAP_FINGERS: Record<number, number[]> = {
  11: [1],
  12: [6],
  13: [2, 3, 4, 5],
  14: [10, 9, 8, 7],
  15: [6, 1],
};

const PARAMETERS = {
  /** Smoothed ridge score a block needs (the latent region's threshold). */
  ridgeThreshold: 0.15,
  /** A fingertip covers at least this share of a square inch. */
  minTipSquareInches: 0.05,
  /**
   * ...and is at least this tall: a thinner blob is the edge of the next box's prints on a card (a
   * fingertip cut by the image edge still shows half an inch of ridges).
   */
  minTipInches: 0.3,
  /**
   * A blob lies below another (a phalanx under its tip) when their column ranges overlap by this share
   * of the narrower one and the gap between them is at most maxCreaseInches (the flexion crease).
   */
  columnOverlap: 0.3,
  maxCreaseInches: 0.3,
  /** A tip is cut at most this far below its top (a distal phalanx is about an inch long). */
  maxTipInches: 1.3,
  /** Blocks kept around the tip's blob, so minutiae at its edge keep their neighbours. */
  marginBlocks: 2,
} as const;

/** The finger positions a slap position code holds from left to right, or undefined for a single finger. */
export function slapFingers(position: number): number[] | undefined {
  return SLAP_FINGERS[position];
}

export interface SlapFinger {
  position: number;
  /** Where the tip was cut from, in the slap image's pixels. */
  box: { x: number; y: number; width: number; height: number };
  /** The tip, with everything outside its ridge blob set to background white. */
  image: GrayImage;
}

interface Blob {
  id: number;
  size: number;
  /** Block bounds, inclusive. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  centreX: number;
  centreY: number;
}

function blobsOf(label: Int32Array, sizes: number[], cols: number): Blob[] {
  const blobs: Blob[] = sizes.map((size, id) => ({
    id,
    size,
    left: Number.POSITIVE_INFINITY,
    right: -1,
    top: Number.POSITIVE_INFINITY,
    bottom: -1,
    centreX: 0,
    centreY: 0,
  }));
  for (let i = 0; i < label.length; i++) {
    const blob = blobs[label[i]];
    if (!blob) continue;
    const x = i % cols;
    const y = (i - x) / cols;
    blob.left = Math.min(blob.left, x);
    blob.right = Math.max(blob.right, x);
    blob.top = Math.min(blob.top, y);
    blob.bottom = Math.max(blob.bottom, y);
    blob.centreX += x / blob.size;
    blob.centreY += y / blob.size;
  }
  return blobs;
}

/** Whether `lower` lies under `upper` (a lower phalanx under its finger's tip); `crease` in blocks. */
function isBelow(lower: Blob, upper: Blob, crease: number): boolean {
  if (lower.centreY <= upper.centreY || lower.top - upper.bottom > crease) return false;
  const overlap = Math.min(lower.right, upper.right) - Math.max(lower.left, upper.left) + 1;
  const narrower = Math.min(lower.right - lower.left, upper.right - upper.left) + 1;
  return overlap >= PARAMETERS.columnOverlap * narrower;
}

/** The tip's pixels: its blob (grown by the margin) up to maxTipInches below its top, the rest white. */
function cutTip(
  image: GrayImage,
  label: Int32Array,
  blob: Blob,
  grid: { block: number; cols: number; rows: number; ppi: number },
): SlapFinger['image'] & { box: SlapFinger['box'] } {
  const { block, cols, rows } = grid;
  const m = PARAMETERS.marginBlocks;
  const maxRows = Math.ceil((PARAMETERS.maxTipInches * grid.ppi) / block);
  const bx0 = Math.max(0, blob.left - m);
  const bx1 = Math.min(cols - 1, blob.right + m);
  const by0 = Math.max(0, blob.top - m);
  const by1 = Math.min(rows - 1, blob.bottom + m, blob.top + maxRows);
  // Blocks of the blob grown by the margin (a square neighbourhood), inside the cut.
  const inside = new Uint8Array((bx1 - bx0 + 1) * (by1 - by0 + 1));
  const w = bx1 - bx0 + 1;
  for (let by = by0; by <= by1; by++) {
    for (let bx = bx0; bx <= bx1; bx++) {
      let near = 0;
      for (let dy = -m; dy <= m && !near; dy++) {
        for (let dx = -m; dx <= m; dx++) {
          const x = bx + dx;
          const y = by + dy;
          if (x >= 0 && y >= 0 && x < cols && y < rows && label[y * cols + x] === blob.id) {
            near = 1;
            break;
          }
        }
      }
      inside[(by - by0) * w + bx - bx0] = near;
    }
  }
  const x0 = bx0 * block;
  const y0 = by0 * block;
  const width = Math.min(image.width, (bx1 + 1) * block) - x0;
  const height = Math.min(image.height, (by1 + 1) * block) - y0;
  const pixels = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cell = (((((y0 + y) / block) | 0) - by0) * w) + (((x0 + x) / block) | 0) - bx0;
      if (inside[cell]) pixels[y * width + x] = image.pixels[(y0 + y) * image.width + x0 + x];
    }
  }
  return { width, height, ppi: image.ppi, pixels, box: { x: x0, y: y0, width, height } };
}

/**
 * The fingertips of a slap image with their positions, left to right. Throws
 * IDM_SEGMENTATION when the position code is not a slap's or the expected tips cannot all be found.
 */
export function segmentSlap(image: GrayImage, slapPosition: number): SlapFinger[] {
  const positions = slapFingers(slapPosition);
  if (!positions) throw new IdmError('IDM_SEGMENTATION', `finger position ${slapPosition} is not a slap (11-15)`);
  const ppi = image.ppi > 0 ? image.ppi : 500;
  const region = ridgeRegion(image);
  const { block, cols, rows, score } = region;
  const on = Uint8Array.from(score, (s) => (s >= PARAMETERS.ridgeThreshold ? 1 : 0));
  const { label, sizes } = labelComponents(on, cols, rows);
  const minBlocks = (PARAMETERS.minTipSquareInches * (ppi / block) ** 2) | 0;
  const minRows = (PARAMETERS.minTipInches * ppi) / block;
  const crease = (PARAMETERS.maxCreaseInches * ppi) / block;
  const blobs = blobsOf(label, sizes, cols).filter((b) => b.size >= minBlocks && b.bottom - b.top + 1 >= minRows);
  const tips = blobs.filter((b) => !blobs.some((other) => other !== b && isBelow(b, other, crease)));
  if (tips.length < positions.length) {
    throw new IdmError(
      'IDM_SEGMENTATION',
      `found ${tips.length} fingertip(s) in the slap at position ${slapPosition}, expected ${positions.length}`,
    );
  }
  // More blobs than fingers (a smudge, a thumb's edge): the largest are the fingertips.
  const chosen = tips.sort((a, b) => b.size - a.size).slice(0, positions.length).sort((a, b) => a.centreX - b.centreX);
  return chosen.map((blob, i) => {
    const { box, ...tip } = cutTip(image, label, blob, { block, cols, rows, ppi });
    return { position: positions[i], box, image: tip };
  });
}
