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
  const { width, height, blockSize, blocksX } = grid;
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const by = (y / blockSize) | 0;
    for (let x = 0; x < width; x++) pixels[y * width + x] = blocks[by * blocksX + ((x / blockSize) | 0)];
  }
  return pixels;
}
