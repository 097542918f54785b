/**
 * Stage 7: minutiae detection on the skeleton. Line ends (one neighbour, crossing number 1 in Rutovitz's
 * terms) are ridge endings; skeleton pixels with three or more neighbours are junction pixels, touching
 * ones are merged into one node, and a node from which exactly three branches leave is a bifurcation
 * (crossing number 3, measured on the cluster rather than on one pixel). Every branch leaving a
 * node is traced along the skeleton: where it leads (another node, within a few ridge periods) feeds the
 * false-minutia rules, and the point a fixed distance along it gives the minutia direction.
 */
import { extractParameters as P, scaled } from './parameters.js';
import {
  NEIGHBOUR_COUNT,
  NEIGHBOUR_DX,
  NEIGHBOUR_DY,
  type Skeleton,
  neighbourhood,
  skeletonPixels,
} from './thinning.js';

export interface SkeletonBranch {
  /** Pixels walked along the skeleton. */
  length: number;
  /** Index of the node the branch reached within the traced length, or -1. */
  endNode: number;
  /** Unit vector from the node toward the point `directionTraceLengthPx` along the branch (image axes, y down). */
  dx: number;
  dy: number;
}

export interface SkeletonNode {
  /** 'crossing': a junction that is not a clean three-way split (a crossover, or a thinning artefact). */
  kind: 'ending' | 'bifurcation' | 'crossing';
  x: number;
  y: number;
  branches: SkeletonBranch[];
}

const STEP_ORDER = [0, 2, 4, 6, 1, 3, 5, 7] as const;

/** ISO/IEC 19794-2 angle (counter-clockwise from the x axis, y up) of an image-axes direction vector. */
export function isoAngle(dx: number, dy: number): number {
  const a = Math.atan2(-dy, dx);
  return a < 0 ? a + 2 * Math.PI : a;
}

export function skeletonNodes(skeleton: Skeleton, mask: Uint8Array, ppi: number): SkeletonNode[] {
  const { width, height, pixels } = skeleton;
  const nodeOf = new Int32Array(width * height).fill(-1);
  const nodes: SkeletonNode[] = [];
  const nodePixels: number[][] = [];
  const isJunction = new Uint8Array(width * height);
  // The junction pixels in raster order, so merging them needs no second scan of the image.
  const junctionPixels: number[] = [];
  for (const i of skeletonPixels(pixels, width, height)) {
    if (!mask[i]) continue;
    const c = neighbourhood(pixels, width, i);
    if (NEIGHBOUR_COUNT[c] === 1) {
      nodeOf[i] = nodes.length;
      const x = i % width;
      nodes.push({ kind: 'ending', x, y: (i - x) / width, branches: [] });
      nodePixels.push([i]);
    } else if (NEIGHBOUR_COUNT[c] >= 3) {
      // Three or more neighbours on a thinned line: part of a junction. A Y-junction often thins to a
      // small triangle of pixels none of which has three separate neighbour groups (crossing number 3),
      // so the cluster, not the pixel, is the node; the branch count decides what it is.
      isJunction[i] = 1;
      junctionPixels.push(i);
    }
  }
  // Merge touching junction pixels into one node.
  const queue: number[] = [];
  for (const i of junctionPixels) {
    if (nodeOf[i] >= 0) continue;
    const id = nodes.length;
    const members: number[] = [];
    queue.length = 0;
    queue.push(i);
    nodeOf[i] = id;
    while (queue.length) {
      const j = queue.pop()!;
      members.push(j);
      for (let k = 0; k < 8; k++) {
        const n = j + NEIGHBOUR_DY[k] * width + NEIGHBOUR_DX[k];
        if (isJunction[n] && nodeOf[n] < 0) {
          nodeOf[n] = id;
          queue.push(n);
        }
      }
    }
    let sx = 0;
    let sy = 0;
    for (const j of members) {
      sx += j % width;
      sy += (j / width) | 0;
    }
    nodes.push({ kind: 'bifurcation', x: sx / members.length, y: sy / members.length, branches: [] });
    nodePixels.push(members);
  }

  const directionLength = Math.round(scaled(P.directionTraceLengthPx, ppi));
  const maxLength =
    Math.round(scaled(Math.max(P.fragmentLengthPx, P.spurLengthPx, P.bridgeLengthPx, P.lakeLengthPx), ppi)) +
    2;
  const stamp = new Int32Array(width * height);
  for (let n = 0; n < nodes.length; n++) {
    const id = n + 1;
    const own = nodePixels[n];
    for (const j of own) stamp[j] = id;
    const starts: number[] = [];
    const adjacentNodes = new Set<number>();
    for (const j of own) {
      for (let k = 0; k < 8; k++) {
        const s = j + NEIGHBOUR_DY[k] * width + NEIGHBOUR_DX[k];
        if (!pixels[s] || stamp[s] === id) continue;
        if (nodeOf[s] >= 0 && nodeOf[s] !== n) {
          adjacentNodes.add(nodeOf[s]);
          continue;
        }
        stamp[s] = id;
        starts.push(s);
      }
    }
    const node = nodes[n];
    for (const other of adjacentNodes) {
      const o = nodes[other];
      const len = Math.hypot(o.x - node.x, o.y - node.y) || 1;
      node.branches.push({ length: 1, endNode: other, dx: (o.x - node.x) / len, dy: (o.y - node.y) / len });
    }
    for (const s of starts) {
      let cur = s;
      let length = 1;
      let endNode = -1;
      let px = s % width;
      let py = (s - px) / width;
      let dirX = px;
      let dirY = py;
      let dead = false;
      while (length < maxLength) {
        // Edge neighbours first (a diagonal step past an edge neighbour would skip a pixel); a node pixel wins.
        let next = -1;
        for (const k of STEP_ORDER) {
          const m = cur + NEIGHBOUR_DY[k] * width + NEIGHBOUR_DX[k];
          if (!pixels[m] || stamp[m] === id) continue;
          if (nodeOf[m] >= 0) {
            next = m;
            break;
          }
          if (next < 0) next = m;
        }
        if (next < 0) {
          dead = true;
          break;
        }
        cur = next;
        stamp[cur] = id;
        length++;
        px = cur % width;
        py = (cur - px) / width;
        if (length <= directionLength) {
          dirX = px;
          dirY = py;
        }
        if (nodeOf[cur] >= 0) {
          if (nodeOf[cur] !== n) endNode = nodeOf[cur];
          break;
        }
      }
      if (dead && length <= 1) continue;
      const vx = dirX - node.x;
      const vy = dirY - node.y;
      const norm = Math.hypot(vx, vy) || 1;
      node.branches.push({ length, endNode, dx: vx / norm, dy: vy / norm });
    }
    if (node.kind === 'bifurcation' && node.branches.length !== 3) node.kind = 'crossing';
  }
  return nodes;
}
