/**
 * Stage 8: false-minutia removal (Maltoni et al., Handbook, 3.8; Ratha et al. 1995). Structural rules on
 * the skeleton graph: spurs (an ending joined to a nearby bifurcation), fragments (two endings joined by
 * a short ridge), bridges (two bifurcations joined by a short ridge), lakes (two bifurcations joined by
 * two ridges), broken ridges (two endings
 * facing each other across a short gap); then context rules: too close to the finger's edge, in an area
 * of no clear orientation, where the enhancement found little of the input's contrast in ridge form
 * (its ridges there are invented), or in a dense cluster. Every candidate keeps the reason it was dropped, for
 * transparency.
 */
import type { Minutia, MinutiaType } from '../types.js';
import type { SkeletonNode } from './minutiae.js';
import { isoAngle } from './minutiae.js';
import { extractParameters as P, scaled } from './parameters.js';

export type RemovalReason =
  | 'spur'
  | 'fragment'
  | 'bridge'
  | 'lake'
  | 'gap'
  | 'border'
  | 'coherence'
  | 'clarity'
  | 'cluster'
  | 'crossing';

export interface MinutiaCandidate {
  x: number;
  y: number;
  type: MinutiaType;
  /** Direction as a unit vector in image axes (y down), following the ISO 19794-2 convention. */
  dx: number;
  dy: number;
  node: number;
  removed: RemovalReason | null;
}

export interface FilterContext {
  width: number;
  height: number;
  ppi: number;
  /** Pixel distance (chessboard) from each pixel to the background. */
  borderDistance: Uint16Array;
  /** Orientation coherence of the block containing each pixel. */
  coherenceAt: (x: number, y: number) => number;
  /** Ridge orientation (radians, image axes, [0, pi)) of the block containing each pixel. */
  orientationAt: (x: number, y: number) => number;
  /** Ridge clarity around a point (enhancement.ts ridgeClarity); without it the clarity rule is off
   * (the synthetic generator's clean masters have no enhancement). */
  clarityAt?: (x: number, y: number) => number;
  /** Binary ridge pixels (binarisation.ts); without them endings stay at the skeleton's end. */
  ridge?: Uint8Array;
}

/**
 * ISO/IEC 19794-2 direction of a node: a ridge ending points from the end into its ridge, a bifurcation
 * points away from its stem, between its two forks (so both point to where the ridge material is). These
 * are the directions of the commercial reference templates of our FVC2002 check: with them 67% of the
 * reference endings in DB1 agree within 30 degrees, against 0.4% with the opposite convention.
 */
function nodeDirection(node: SkeletonNode): { dx: number; dy: number } | null {
  if (node.kind === 'ending') {
    const b = node.branches[0];
    return b ? { dx: b.dx, dy: b.dy } : null;
  }
  if (node.kind !== 'bifurcation') return null;
  // The stem is the branch farthest in angle from the other two.
  let stem = 0;
  let best = -Infinity;
  for (let k = 0; k < 3; k++) {
    const a = node.branches[(k + 1) % 3];
    const b = node.branches[(k + 2) % 3];
    const c = node.branches[k];
    // Sum of angular separations via dot products: smaller dot means larger angle.
    const separation = -(c.dx * a.dx + c.dy * a.dy) - (c.dx * b.dx + c.dy * b.dy);
    if (separation > best) {
      best = separation;
      stem = k;
    }
  }
  const s = node.branches[stem];
  return { dx: -s.dx, dy: -s.dy };
}

export function candidates(nodes: SkeletonNode[]): MinutiaCandidate[] {
  const out: MinutiaCandidate[] = [];
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n];
    const direction = nodeDirection(node);
    out.push({
      x: node.x,
      y: node.y,
      type: node.kind === 'ending' ? 'ending' : 'bifurcation',
      dx: direction?.dx ?? 1,
      dy: direction?.dy ?? 0,
      node: n,
      removed: node.kind === 'crossing' ? 'crossing' : null,
    });
  }
  return out;
}

/**
 * Calls `visit` once for every unordered pair closer than `radius`, bucketing the points in a grid of
 * radius-sized cells: linear in the number of points for any realistic density (a noise image can yield
 * hundreds of thousands of candidates, where all pairs would take minutes).
 */
function forNearPairs(
  items: MinutiaCandidate[],
  radius: number,
  visit: (p: MinutiaCandidate, q: MinutiaCandidate) => void,
): void {
  const cells = new Map<number, number[]>();
  const cellOf = (v: number) => Math.floor(v / radius);
  const key = (cx: number, cy: number) => cy * 1_000_003 + cx;
  items.forEach((m, i) => {
    const k = key(cellOf(m.x), cellOf(m.y));
    const cell = cells.get(k);
    if (cell) cell.push(i);
    else cells.set(k, [i]);
  });
  const r2 = radius * radius;
  items.forEach((p, i) => {
    const cx = cellOf(p.x);
    const cy = cellOf(p.y);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        for (const j of cells.get(key(cx + dx, cy + dy)) ?? []) {
          if (j <= i) continue;
          const q = items[j];
          if ((q.x - p.x) ** 2 + (q.y - p.y) ** 2 < r2) visit(p, q);
        }
      }
    }
  });
}

export function filterMinutiae(
  nodes: SkeletonNode[],
  list: MinutiaCandidate[],
  context: FilterContext,
): void {
  const { ppi, width } = context;
  const spur = scaled(P.spurLengthPx, ppi);
  const fragment = scaled(P.fragmentLengthPx, ppi);
  const bridge = scaled(P.bridgeLengthPx, ppi);
  const lake = scaled(P.lakeLengthPx, ppi);
  const byNode = new Map<number, MinutiaCandidate>();
  for (const m of list) byNode.set(m.node, m);
  const drop = (m: MinutiaCandidate | undefined, reason: RemovalReason) => {
    if (m && !m.removed) m.removed = reason;
  };
  // Structural rules, all judged on the unfiltered graph.
  const verdicts: Array<[MinutiaCandidate, RemovalReason]> = [];
  for (const m of list) {
    const node = nodes[m.node];
    if (node.kind !== 'ending') {
      // Lakes: two branches of this junction reach the same junction.
      const seen = new Set<number>();
      for (const b of node.branches) {
        if (b.endNode < 0 || b.length >= lake || nodes[b.endNode].kind === 'ending') continue;
        if (seen.has(b.endNode)) {
          const o = byNode.get(b.endNode);
          if (o) verdicts.push([m, 'lake'], [o, 'lake']);
        }
        seen.add(b.endNode);
      }
    }
    for (const b of node.branches) {
      if (b.endNode < 0) continue;
      const other = nodes[b.endNode];
      const o = byNode.get(b.endNode);
      if (!o) continue;
      if (node.kind === 'ending' && other.kind === 'ending' && b.length < fragment) {
        verdicts.push([m, 'fragment'], [o, 'fragment']);
      } else if (node.kind === 'ending' && other.kind !== 'ending' && b.length < spur) {
        verdicts.push([m, 'spur'], [o, 'spur']);
      } else if (node.kind !== 'ending' && other.kind !== 'ending' && b.length < bridge) {
        // A bridge crosses the valley between two ridges: its direction is across the ridge flow. Two
        // bifurcations one after the other along a ridge are both real.
        const theta = context.orientationAt(node.x, node.y);
        const along = Math.abs(b.dx * Math.cos(theta) + b.dy * Math.sin(theta));
        if (along < Math.cos(P.bridgeMinAngleRad)) verdicts.push([m, 'bridge'], [o, 'bridge']);
      }
    }
  }
  // Broken ridges: two endings close together, pointing at each other.
  const gap = scaled(P.gapDistancePx, ppi);
  const cosTolerance = Math.cos(P.gapAngleToleranceRad);
  const overlapGap = scaled(P.overlapGapPx, ppi);
  const endings = list.filter((m) => m.type === 'ending' && !m.removed);
  forNearPairs(endings, gap, (p, q) => {
    const ex = q.x - p.x;
    const ey = q.y - p.y;
    const d = Math.hypot(ex, ey);
    if (d === 0) return;
    // Anti-parallel directions, each pointing back into its own ridge, away from the other end (the
    // ridge would continue across the gap).
    if (p.dx * q.dx + p.dy * q.dy > -cosTolerance) return;
    if (d < overlapGap || (-p.dx * ex - p.dy * ey) / d >= Math.cos(P.gapAngleToleranceRad * 1.5)) {
      verdicts.push([p, 'gap'], [q, 'gap']);
    }
  });
  for (const [m, reason] of verdicts) drop(m, reason);
  // Context rules.
  // Without a clarity measure (the synthetic generator's clean masters) the fixed margin applies.
  const margin = scaled(context.clarityAt ? P.borderMarginClearPx : P.borderMarginPx, ppi);
  const clearMargin = scaled(P.clarityBorderMarginPx, ppi);
  const perPx = P.clarityPerBorderPx * (P.referencePpi / ppi);
  for (const m of list) {
    if (m.removed) continue;
    const i = Math.round(m.y) * width + Math.round(m.x);
    const border = context.borderDistance[i];
    const coherence = context.coherenceAt(m.x, m.y);
    if (border < margin) drop(m, 'border');
    // The fixed coherence floor only stands in for the clarity rule when there is no clarity measure:
    // with one, low coherence raises the clarity a minutia needs instead (see `minMinutiaCoherence`).
    else if (!context.clarityAt && coherence < P.minMinutiaCoherence) drop(m, 'coherence');
    else if (context.clarityAt) {
      // Near the finger's edge and where the ridge flow is unclear the ridges must be clearer: that is
      // where the filter invents them.
      const needed =
        P.minMinutiaClarity +
        perPx * Math.max(0, clearMargin - border) +
        P.clarityPerCoherence * Math.max(0, P.clarityCoherence - coherence);
      if (context.clarityAt(m.x, m.y) < needed) drop(m, border < clearMargin ? 'border' : 'clarity');
    }
  }
  const radius = scaled(P.clusterRadiusPx, ppi);
  const kept = list.filter((m) => !m.removed);
  const neighbours = new Map<MinutiaCandidate, number>();
  forNearPairs(kept, radius, (p, q) => {
    neighbours.set(p, (neighbours.get(p) ?? 0) + 1);
    neighbours.set(q, (neighbours.get(q) ?? 0) + 1);
  });
  const crowded = kept.filter((m) => (neighbours.get(m) ?? 0) > P.clusterMaxNeighbours);
  for (const m of crowded) drop(m, 'cluster');
}

/** Minutia quality 0-100 from local orientation clarity and distance from the finger's edge. */
export function toMinutiae(list: MinutiaCandidate[], context: FilterContext): Minutia[] {
  const margin = scaled(P.borderMarginPx, context.ppi);
  const out: Minutia[] = [];
  for (const m of list) {
    if (m.removed) continue;
    const i = Math.round(m.y) * context.width + Math.round(m.x);
    const clarity = Math.min(1, context.coherenceAt(m.x, m.y) / P.qualityFullCoherence);
    const inset = Math.min(1, context.borderDistance[i] / (3 * margin));
    const angle = refinedAngle(m, context);
    const [x, y] = m.type === 'ending' ? ridgeTip(m, angle, context) : [m.x, m.y];
    out.push({
      x: Math.round(x),
      y: Math.round(y),
      angleRad: angle,
      type: m.type,
      quality: Math.max(1, Math.round(100 * clarity * (0.5 + 0.5 * inset))),
    });
  }
  return out;
}

/**
 * Where a ridge ending's ridge actually stops. Thinning peels a line end back by about half the ridge
 * width, so the skeleton's end lies inside the ridge; from there we step against the ending's direction
 * (out of the ridge) along the binary ridge, at most `endingTipMaxPx`. On FVC2002 the commercial reference
 * placed endings 1.3-2.2 px (DB1-DB3 means) beyond our skeleton ends along that line.
 */
function ridgeTip(m: MinutiaCandidate, angle: number, context: FilterContext): [number, number] {
  const { ridge, width, height } = context;
  if (!ridge) return [m.x, m.y];
  const ux = Math.cos(angle);
  const uy = -Math.sin(angle);
  const max = scaled(P.endingTipMaxPx, context.ppi);
  let reach = 0;
  for (let s = 0.5; s <= max; s += 0.5) {
    const x = Math.round(m.x - s * ux);
    const y = Math.round(m.y - s * uy);
    if (x < 0 || y < 0 || x >= width || y >= height || !ridge[y * width + x]) break;
    reach = s;
  }
  return [m.x - reach * ux, m.y - reach * uy];
}

/**
 * A minutia's ISO direction: the direction traced along its skeleton (a few pixels, so quantised and
 * bent by thinning artefacts) averaged with the smoothed ridge orientation of its block, taken in the
 * traced sense. Where the two disagree by more than `directionMaxFieldDeviationRad` (a curving ridge near a
 * core, a bifurcation's stem across the flow) the traced direction stands alone.
 */
function refinedAngle(m: MinutiaCandidate, context: FilterContext): number {
  const theta = context.orientationAt(m.x, m.y);
  let ux = Math.cos(theta);
  let uy = Math.sin(theta);
  const dot = ux * m.dx + uy * m.dy;
  if (Math.abs(dot) < Math.cos(P.directionMaxFieldDeviationRad)) return isoAngle(m.dx, m.dy);
  if (dot < 0) {
    ux = -ux;
    uy = -uy;
  }
  const w = P.directionFieldWeight;
  return isoAngle(w * ux + (1 - w) * m.dx, w * uy + (1 - w) * m.dy);
}
