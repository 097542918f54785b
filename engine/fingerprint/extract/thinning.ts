/**
 * Stage 6: thinning. Topology-preserving peeling of the binary ridges to one-pixel, 8-connected centre
 * lines: in four directional sub-iterations (north, south, east, west borders) candidate pixels are
 * marked in parallel and then deleted one by one if still "simple" (deleting them changes neither the
 * number of ridge components nor of valley components; Rosenfeld's simple-point criterion) and not line
 * ends. Peeling stops when no border pixel is deletable, which also leaves no staircase corner, so every
 * skeleton pixel away from junctions and line ends has exactly two neighbours (the minutiae stage relies
 * on it).
 */
import type { BinaryImage } from './binarisation.js';

export interface Skeleton {
  width: number;
  height: number;
  /** 1 on the ridge centre line. */
  pixels: Uint8Array;
}

/**
 * Neighbour bit order, counter-clockwise from east: E, NE, N, NW, W, SW, S, SE.
 * dx/dy in image coordinates (y down).
 */
export const NEIGHBOUR_DX = [1, 1, 0, -1, -1, -1, 0, 1] as const;
export const NEIGHBOUR_DY = [0, -1, -1, -1, 0, 1, 1, 1] as const;

/** Per 8-neighbour configuration: number of 8-connected ridge components among the neighbours. */
export const RIDGE_COMPONENTS = new Uint8Array(256);
/** Per configuration: 1 when the centre pixel is simple (deletable without changing topology). */
const SIMPLE = new Uint8Array(256);
/** Per configuration: 1 when thinning may delete the centre (simple and not a line end). */
const DELETABLE = new Uint8Array(256);
/** Per configuration: number of ridge neighbours. */
export const NEIGHBOUR_COUNT = new Uint8Array(256);

(function buildTables() {
  for (let c = 0; c < 256; c++) {
    const on = (k: number) => (c >> (k & 7)) & 1;
    // Ridge components, 8-adjacency: ring neighbours k, k+1 always touch; edge neighbours (even k) also
    // touch k+2 across the corner between them.
    const parent = [0, 1, 2, 3, 4, 5, 6, 7];
    const find = (k: number): number => {
      while (parent[k] !== k) k = parent[k];
      return k;
    };
    const join = (a: number, b: number) => {
      parent[find(a)] = find(b);
    };
    for (let k = 0; k < 8; k++) {
      if (!on(k)) continue;
      if (on(k + 1)) join(k, (k + 1) & 7);
      if (k % 2 === 0 && on(k + 2)) join(k, (k + 2) & 7);
    }
    const roots = new Set<number>();
    let count = 0;
    for (let k = 0; k < 8; k++) {
      if (on(k)) {
        roots.add(find(k));
        count++;
      }
    }
    // Valley components, 4-adjacency, counting only those that touch the centre (contain an edge neighbour).
    const vparent = [0, 1, 2, 3, 4, 5, 6, 7];
    const vfind = (k: number): number => {
      while (vparent[k] !== k) k = vparent[k];
      return k;
    };
    for (let k = 0; k < 8; k++) {
      if (!on(k) && !on(k + 1)) vparent[vfind(k)] = vfind((k + 1) & 7);
    }
    const vroots = new Set<number>();
    for (let k = 0; k < 8; k += 2) if (!on(k)) vroots.add(vfind(k));
    RIDGE_COMPONENTS[c] = roots.size;
    NEIGHBOUR_COUNT[c] = count;
    SIMPLE[c] = roots.size === 1 && vroots.size === 1 ? 1 : 0;
    DELETABLE[c] = SIMPLE[c] && count >= 2 ? 1 : 0;
  }
})();

export function neighbourhood(pixels: Uint8Array, width: number, i: number): number {
  return (
    pixels[i + 1] |
    (pixels[i - width + 1] << 1) |
    (pixels[i - width] << 2) |
    (pixels[i - width - 1] << 3) |
    (pixels[i - 1] << 4) |
    (pixels[i + width - 1] << 5) |
    (pixels[i + width] << 6) |
    (pixels[i + width + 1] << 7)
  );
}

export function thin(binary: BinaryImage): Skeleton {
  const { width, height } = binary;
  const pixels = Uint8Array.from(binary.pixels);
  // The outermost frame is cleared so neighbourhood() never reads outside the buffer.
  for (let x = 0; x < width; x++) {
    pixels[x] = 0;
    pixels[(height - 1) * width + x] = 0;
  }
  for (let y = 0; y < height; y++) {
    pixels[y * width] = 0;
    pixels[y * width + width - 1] = 0;
  }
  peel(pixels, width);
  // At convergence no pixel is simple and a non-end: staircase corners (two touching neighbours) are
  // simple and border pixels, so they are gone too, and interior line pixels have exactly two neighbours.
  return { width, height, pixels };
}

/**
 * The peeling loop. Whether a pixel is marked in a sub-iteration depends only on its 3x3 neighbourhood,
 * so a pixel none of whose neighbours was deleted since the last sub-iteration of the same direction
 * keeps its earlier verdict: not marked (had it been marked, it would be gone or have a deleted
 * neighbour). Most of the peeling happens in the first few passes; the many passes after them delete a
 * handful of pixels each, and there only the neighbours of the pixels deleted in the last four
 * sub-iterations are examined instead of every live pixel (those passes were half the full scans).
 * Marking stays parallel (judged on the image as the sub-iteration starts) and deletion sequential in
 * increasing pixel index, so the skeleton is the one the full scans give.
 */
function peel(pixels: Uint8Array, width: number): void {
  // Work list of ridge pixels in index order, compacted (before full scans) as they are deleted.
  const live = new Int32Array(pixels.length);
  let liveCount = 0;
  for (let i = 0; i < pixels.length; i++) if (pixels[i]) live[liveCount++] = i;
  const marked = new Int32Array(liveCount);
  // Every deleted pixel in deletion order; stepStart[s] is where sub-iteration s's deletions begin.
  const deleted = new Int32Array(liveCount);
  let deletedCount = 0;
  const stepStart: number[] = [];
  const visitedAt = new Int32Array(pixels.length).fill(-1);
  const around = [1, -width + 1, -width, -width - 1, -1, width - 1, width, width + 1];
  const borderOffsets = [-width, width, 1, -1]; // N, S, E, W
  let remaining = liveCount;
  let changed = true;
  while (changed) {
    changed = false;
    for (const offset of borderOffsets) {
      const step = stepStart.length;
      const recent = step >= 4 ? stepStart[step - 4] : 0;
      let markedCount = 0;
      // Each recent deletion brings up to 8 neighbours to examine: while deletions are many, one pass over
      // the live pixels is cheaper (the threshold was tuned on FVC2002; either path gives the same marks).
      if (step < 4 || 4 * (deletedCount - recent) >= remaining) {
        if (liveCount !== remaining) liveCount = compact(pixels, live, liveCount);
        for (let k = 0; k < liveCount; k++) {
          const i = live[k];
          if (!pixels[i + offset] && DELETABLE[neighbourhood(pixels, width, i)]) marked[markedCount++] = i;
        }
      } else {
        for (let k = recent; k < deletedCount; k++) {
          for (const o of around) {
            const i = deleted[k] + o;
            if (!pixels[i] || visitedAt[i] === step) continue;
            visitedAt[i] = step;
            if (!pixels[i + offset] && DELETABLE[neighbourhood(pixels, width, i)]) marked[markedCount++] = i;
          }
        }
        if (markedCount > 1) marked.subarray(0, markedCount).sort();
      }
      stepStart.push(deletedCount);
      for (let k = 0; k < markedCount; k++) {
        const i = marked[k];
        if (!DELETABLE[neighbourhood(pixels, width, i)]) continue;
        pixels[i] = 0;
        deleted[deletedCount++] = i;
        changed = true;
      }
      remaining -= deletedCount - stepStart[step];
    }
  }
}

/** Drops deleted pixels from the work list, keeping index order; returns the new length. */
function compact(pixels: Uint8Array, live: Int32Array, liveCount: number): number {
  let n = 0;
  for (let k = 0; k < liveCount; k++) if (pixels[live[k]]) live[n++] = live[k];
  return n;
}

/**
 * Removes spurs: skeleton branches that run from a line end to a junction in fewer than `maxLength`
 * pixels. Those are mostly bumps of the ridge outline turned into lines by thinning; cutting them before
 * minutiae detection keeps the real bifurcation or ending next to them (a rule applied afterwards would
 * have to drop both ends). Two rounds, since cutting one spur can expose another. Works in place.
 */
export function pruneSpurs(skeleton: Skeleton, maxLength: number): number {
  const { width, height, pixels } = skeleton;
  const path = new Int32Array(Math.ceil(maxLength) + 2);
  let removed = 0;
  const junctions: number[] = [];
  // Pruning only deletes, so both rounds visit the skeleton pixels of the start, in raster order.
  const skeletal = skeletonPixels(pixels, width, height);
  for (let round = 0; round < 2; round++) {
    junctions.length = 0;
    for (const start of skeletal) {
      if (!pixels[start] || NEIGHBOUR_COUNT[neighbourhood(pixels, width, start)] !== 1) continue;
      let prev = -1;
      let cur = start;
      let length = 0;
      let reachedJunction = false;
      while (length < maxLength) {
        path[length++] = cur;
        let next = -1;
        for (let k = 0; k < 8; k++) {
          const m = cur + NEIGHBOUR_DY[k] * width + NEIGHBOUR_DX[k];
          if (m !== prev && pixels[m]) {
            next = m;
            if (k % 2 === 0) break; // edge neighbours first
          }
        }
        if (next < 0) break;
        const count = NEIGHBOUR_COUNT[neighbourhood(pixels, width, next)];
        if (count >= 3) {
          reachedJunction = true;
          junctions.push(next);
          break;
        }
        if (count === 1) break; // an isolated fragment: not a spur
        prev = cur;
        cur = next;
      }
      if (!reachedJunction) continue;
      for (let k = 0; k < length; k++) pixels[path[k]] = 0;
      removed += length;
    }
    // Cutting a spur can leave a redundant corner pixel at its junction.
    for (const j of junctions) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const i = j + dy * width + dx;
          if (!pixels[i] || i < width || i >= pixels.length - width) continue;
          const c = neighbourhood(pixels, width, i);
          if (DELETABLE[c]) pixels[i] = 0;
        }
      }
    }
  }
  return removed;
}

/**
 * Indices of the set pixels inside the outermost frame, in raster order. A skeleton covers a few percent
 * of the image, so the scan reads four pixels at a time where the buffer allows and skips empty words.
 */
export function skeletonPixels(pixels: Uint8Array, width: number, height: number): Int32Array {
  const found: number[] = [];
  const aligned = pixels.byteOffset % 4 === 0 ? pixels.length >> 2 : 0;
  const words = new Uint32Array(pixels.buffer, pixels.byteOffset, aligned);
  for (let w = 0; w < aligned; w++) {
    if (!words[w]) continue;
    for (let i = 4 * w; i < 4 * w + 4; i++) if (pixels[i]) found.push(i);
  }
  for (let i = 4 * aligned; i < pixels.length; i++) if (pixels[i]) found.push(i);
  const list = new Int32Array(found.length);
  let n = 0;
  for (const i of found) {
    const x = i % width;
    if (x > 0 && x < width - 1 && i >= width && i < (height - 1) * width) list[n++] = i;
  }
  return list.subarray(0, n);
}
