/**
 * Connected components of a block mask (4-connected), for the region finders that work on block maps:
 * the latent's ridge region and the fingertips of a slap.
 */

export interface BlockComponents {
  /** Component of each block, -1 outside the mask. */
  label: Int32Array;
  /** Blocks in each component. */
  sizes: number[];
}

/** The 4-neighbours of block i inside a cols x rows grid (-1 where the grid ends). */
export function blockNeighbours(i: number, cols: number, rows: number): [number, number, number, number] {
  const x = i % cols;
  const y = (i - x) / cols;
  return [x > 0 ? i - 1 : -1, x < cols - 1 ? i + 1 : -1, y > 0 ? i - cols : -1, y < rows - 1 ? i + cols : -1];
}

/** Labels the 4-connected components of the blocks where `on` is 1. */
export function labelComponents(on: Uint8Array, cols: number, rows: number): BlockComponents {
  const label = new Int32Array(on.length).fill(-1);
  const sizes: number[] = [];
  const stack: number[] = [];
  for (let start = 0; start < on.length; start++) {
    if (!on[start] || label[start] >= 0) continue;
    const id = sizes.length;
    let size = 0;
    label[start] = id;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop() as number;
      size++;
      for (const j of blockNeighbours(i, cols, rows)) {
        if (j >= 0 && on[j] && label[j] < 0) {
          label[j] = id;
          stack.push(j);
        }
      }
    }
    sizes.push(size);
  }
  return { label, sizes };
}
