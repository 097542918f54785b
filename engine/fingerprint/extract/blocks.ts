/** The block map every stage shares: the image cut in square blocks (SourceAFIS's BlockMap). */
export interface BlockGrid {
  width: number;
  height: number;
  blockSize: number;
  blocksX: number;
  blocksY: number;
}

export function blockGrid(width: number, height: number, blockSize: number): BlockGrid {
  return {
    width,
    height,
    blockSize,
    blocksX: Math.ceil(width / blockSize),
    blocksY: Math.ceil(height / blockSize),
  };
}

/** Expands a block-resolution mask to pixels. */
export function blocksToPixels(grid: BlockGrid, blocks: Uint8Array): Uint8Array {
  const { width, height, blockSize, blocksX, blocksY } = grid;
  const pixels = new Uint8Array(width * height);
  // One row per block row is filled run by run; the block row's other pixel rows are copies of it.
  for (let by = 0; by < blocksY; by++) {
    const first = by * blockSize * width;
    for (let bx = 0; bx < blocksX; bx++) {
      const value = blocks[by * blocksX + bx];
      if (value) pixels.fill(value, first + bx * blockSize, first + Math.min(width, (bx + 1) * blockSize));
    }
    const yEnd = Math.min(height, (by + 1) * blockSize);
    for (let y = by * blockSize + 1; y < yEnd; y++) pixels.copyWithin(y * width, first, first + width);
  }
  return pixels;
}

/**
 * Per row, the first and last set pixel of a pixel mask (min = width, max = -1 for a row without any).
 * Rows are scanned inward from both ends, so the mask's inside is not read; loops over the mask pixels
 * can then skip the background beside the finger.
 */
export function maskRowSpans(
  mask: Uint8Array,
  width: number,
  height: number,
): { min: Int32Array; max: Int32Array } {
  const min = new Int32Array(height).fill(width);
  const max = new Int32Array(height).fill(-1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let lo = 0;
    while (lo < width && !mask[row + lo]) lo++;
    if (lo === width) continue;
    let hi = width - 1;
    while (!mask[row + hi]) hi--;
    min[y] = lo;
    max[y] = hi;
  }
  return { min, max };
}
