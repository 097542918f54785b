/**
 * Consolidation: from the pairs a pairing graph found, fit one transform and pair every minutia that
 * it brings into agreement.
 *
 * Why: the pairing graph tests each edge alone, so where skin stretch (or an anisotropic resampling of
 * the image before extraction) bends edges beyond the edge tolerances, the graph stops growing and a
 * genuine comparison ends with few pairs. A least-squares affine transform fitted to the graph's pairs
 * absorbs the first-order part of that distortion (stretch, shear, rotation); a greedy one-to-one
 * assignment under it, refitted and repeated (a short ICP), recovers the missing pairs. The affine fit
 * is constrained (shrunk towards rigid, singular values within a band, no reflection) and falls back to
 * a rigid fit with few pairs, so an impostor cannot buy pairs by warping freely.
 *
 * Speed: the candidate's x order, x bins and bounding box come precomputed with the template, the
 * common area is measured while assigning, and the used-marks are stamped rather than cleared.
 */
import { matchParameters as P } from './parameters.js';
import { type PreparedTemplate, X_BINS } from './prepare.js';

/** x' = a*x + b*y + tx, y' = c*x + d*y + ty (probe to candidate, image coordinates with y down). */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares transform mapping probe minutiae idxP[from + i] onto candidate minutiae idxC[from + i],
 * i < k (an offset rather than a subarray, so that the hot path allocates nothing): an affine one shrunk
 * towards the best rotation (matchParameters.affinePrior), or that rotation when the affine leaves the
 * allowed band or the pairs are too few.
 */
export function fitTransform(
  probe: PreparedTemplate,
  cand: PreparedTemplate,
  idxP: Int32Array,
  idxC: Int32Array,
  from: number,
  k: number,
  out: Affine,
): Affine {
  const px = probe.x;
  const py = probe.y;
  const cx = cand.x;
  const cy = cand.y;
  let mpx = 0;
  let mpy = 0;
  let mcx = 0;
  let mcy = 0;
  const end = from + k;
  for (let i = from; i < end; i++) {
    mpx += px[idxP[i]];
    mpy += py[idxP[i]];
    mcx += cx[idxC[i]];
    mcy += cy[idxC[i]];
  }
  mpx /= k;
  mpy /= k;
  mcx /= k;
  mcy /= k;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let uX = 0; // sum of cx~ * px~
  let uY = 0; // sum of cx~ * py~
  let vX = 0; // sum of cy~ * px~
  let vY = 0; // sum of cy~ * py~
  for (let i = from; i < end; i++) {
    const qx = px[idxP[i]] - mpx;
    const qy = py[idxP[i]] - mpy;
    const rx = cx[idxC[i]] - mcx;
    const ry = cy[idxC[i]] - mcy;
    sxx += qx * qx;
    sxy += qx * qy;
    syy += qy * qy;
    uX += rx * qx;
    uY += rx * qy;
    vX += ry * qx;
    vY += ry * qy;
  }
  // The best rotation (orthogonal Procrustes) of the centred probe points onto the candidate's.
  const angle = Math.atan2(vX - uY, uX + vY);
  const ra = Math.cos(angle);
  const rc = Math.sin(angle);
  let rigid = true;
  if (k >= P.minAffinePairs) {
    // Least squares for the linear part, shrunk towards that rotation: minimise
    // sum |A q - r|^2 + lambda |A - R|^2, i.e. A = (U + lambda R)(S + lambda I)^-1. The shrinkage matters
    // where the pairs' spread (S) pins the linear part down poorly: a cluster of pairs from one region
    // fits any shear, and the shear extrapolated across the print is what loses pairs there.
    const lambda = k * P.affinePrior * P.affinePrior;
    const s00 = sxx + lambda;
    const s01 = sxy;
    const s11 = syy + lambda;
    const det = s00 * s11 - s01 * s01;
    const u00 = uX + lambda * ra;
    const u01 = uY - lambda * rc;
    const u10 = vX + lambda * rc;
    const u11 = vY + lambda * ra;
    const i00 = s11 / det;
    const i01 = -s01 / det;
    const i11 = s00 / det;
    const fa = u00 * i00 + u01 * i01;
    const fb = u00 * i01 + u01 * i11;
    const fc = u10 * i00 + u11 * i01;
    const fd = u10 * i01 + u11 * i11;
    // Singular values of [fa fb; fc fd] in closed form; s2 <= 0 means a reflection or a collapse.
    const q = Math.hypot((fa + fd) / 2, (fc - fb) / 2);
    const r = Math.hypot((fa - fd) / 2, (fc + fb) / 2);
    if (Number.isFinite(q + r) && q - r >= P.minAffineScale && q + r <= P.maxAffineScale) {
      out.a = fa;
      out.b = fb;
      out.c = fc;
      out.d = fd;
      rigid = false;
    }
  }
  if (rigid) {
    out.a = ra;
    out.b = -rc;
    out.c = rc;
    out.d = ra;
  }
  out.tx = mcx - out.a * mpx - out.b * mpy;
  out.ty = mcy - out.c * mpx - out.d * mpy;
  return out;
}

/** Working memory of the assignment, reused across calls; `probe`/`candidate` hold the last result. */
class AssignmentScratch {
  tx = new Float32Array(256);
  ty = new Float32Array(256);
  /** usedP[i] === stamp: probe minutia i is assigned in the current pickPairs() (likewise usedC). */
  usedP = new Uint32Array(256);
  usedC = new Uint32Array(256);
  stamp = 0;
  candI = new Int32Array(1024);
  candJ = new Int32Array(1024);
  candErr = new Float64Array(1024);
  probe = new Int32Array(256);
  candidate = new Int32Array(256);
  /** Per assigned pair: 1 for a perfect fit, falling linearly towards the tolerances. */
  closeness = new Float64Array(256);
  /** Pairs of the last assign() call. */
  count = 0;
  overlapProbe = 0;
  overlapCandidate = 0;
  /** The mapped probe's minutiae bounding box plus margin (x0, x1, y0, y1), from the last assign(). */
  probeBox = new Float64Array(4);

  ensure(n: number, m: number): void {
    const k = Math.max(n, m);
    if (this.tx.length >= k) return;
    this.tx = new Float32Array(k * 2);
    this.ty = new Float32Array(k * 2);
    this.usedP = new Uint32Array(k * 2);
    this.usedC = new Uint32Array(k * 2);
    this.stamp = 0;
    this.probe = new Int32Array(k * 2);
    this.candidate = new Int32Array(k * 2);
    this.closeness = new Float64Array(k * 2);
  }

  growCandidates(): void {
    const size = this.candI.length * 2;
    const i = new Int32Array(size);
    i.set(this.candI);
    this.candI = i;
    const j = new Int32Array(size);
    j.set(this.candJ);
    this.candJ = j;
    const e = new Float64Array(size);
    e.set(this.candErr);
    this.candErr = e;
  }
}

export const assignment = new AssignmentScratch();

/**
 * Greedy one-to-one assignment of probe minutiae (mapped through `t`) to candidate minutiae within the
 * consolidation tolerances (times `looseness`), smallest error first. Leaves the pairs in
 * `assignment.probe/candidate/closeness` and the mapped probe positions in `assignment.tx/ty`;
 * returns the pair count.
 */
export function assign(
  probe: PreparedTemplate,
  cand: PreparedTemplate,
  t: Affine,
  looseness: number,
): number {
  const s = assignment;
  const n = probe.count;
  const m = cand.count;
  s.ensure(n, m);
  const { tx, ty } = s;
  const maxD = P.consolidationDistance * looseness;
  const maxD2 = maxD * maxD;
  const maxA = Math.min(Math.PI, P.consolidationAngle * looseness);
  // Directions agree within maxA when the cosine of their angle is at least cos(maxA); the angular
  // error term uses 1 - cosine, scaled to 1 at the tolerance (monotone in the angle).
  const minCos = Math.cos(maxA);
  const cosScale = 1 / (1 - minCos);
  const { a, b, c, d } = t;
  const ox = t.tx;
  const oy = t.ty;
  const px = probe.x;
  const py = probe.y;
  const pdx = probe.dirX;
  const pdy = probe.dirY;
  const xs = cand.xSorted;
  const xo = cand.xOrder;
  const x0 = cand.minX;
  const xBin = cand.xBin;
  const binScale = cand.xBinScale;
  const cx = cand.x;
  const cy = cand.y;
  const cdx = cand.dirX;
  const cdy = cand.dirY;
  // The common area is measured on the way (measureOverlap): the mapped probe's bounding box, and how
  // many mapped probe minutiae fall inside the candidate's (both with a margin).
  const margin = P.overlapMargin;
  const cx0 = cand.minX - margin;
  const cx1 = cand.maxX + margin;
  const cy0 = cand.minY - margin;
  const cy1 = cand.maxY + margin;
  let px0 = Number.POSITIVE_INFINITY;
  let py0 = Number.POSITIVE_INFINITY;
  let px1 = Number.NEGATIVE_INFINITY;
  let py1 = Number.NEGATIVE_INFINITY;
  let inCand = 0;
  let found = 0;
  for (let i = 0; i < n; i++) {
    const x = a * px[i] + b * py[i] + ox;
    const y = c * px[i] + d * py[i] + oy;
    tx[i] = x;
    ty[i] = y;
    px0 = Math.min(px0, x);
    px1 = Math.max(px1, x);
    py0 = Math.min(py0, y);
    py1 = Math.max(py1, y);
    // Counted without branches: whether a minutia is inside is unpredictable.
    inCand += Number(x >= cx0) * Number(x <= cx1) * Number(y >= cy0) * Number(y <= cy1);
    // Candidate minutiae are sorted by x: the template's bin table gives a start at most one bin
    // (a few pixels) before the window [x - maxD, x + maxD] (a binary search here mispredicted a
    // branch per step).
    const left = x - maxD;
    let lo = xBin[Math.min(X_BINS, Math.max(0, ((left - x0) * binScale) | 0))];
    while (lo < m && xs[lo] < left) lo++;
    const right = x + maxD;
    for (let k = lo; k < m && xs[k] <= right; k++) {
      const j = xo[k];
      const dx = cx[j] - x;
      const dy = cy[j] - y;
      const d2 = dx * dx + dy * dy;
      if (d2 > maxD2) continue;
      // The direction mapped by the linear part (renormalised: no trigonometry per pair).
      const vx = a * pdx[i] + b * pdy[i];
      const vy = c * pdx[i] + d * pdy[i];
      const cos = (vx * cdx[j] + vy * cdy[j]) / Math.sqrt(vx * vx + vy * vy);
      if (cos < minCos) continue;
      if (found === s.candI.length) s.growCandidates();
      s.candI[found] = i;
      s.candJ[found] = j;
      s.candErr[found] = Math.sqrt(d2) / maxD + (1 - cos) * cosScale;
      found++;
    }
  }
  s.probeBox[0] = px0 - margin;
  s.probeBox[1] = px1 + margin;
  s.probeBox[2] = py0 - margin;
  s.probeBox[3] = py1 + margin;
  s.overlapProbe = inCand;
  return pickPairs(probe, cand, found);
}

/** Sorts the `found` candidate pairs by error and keeps them greedily one-to-one. */
function pickPairs(probe: PreparedTemplate, cand: PreparedTemplate, found: number): number {
  const s = assignment;
  const { candI, candJ, candErr, usedP, usedC } = s;
  // Insertion sort by error: after the tolerance filter the list is short (tens of entries).
  for (let k = 1; k < found; k++) {
    const e = candErr[k];
    const i = candI[k];
    const j = candJ[k];
    let l = k - 1;
    while (l >= 0 && candErr[l] > e) {
      candErr[l + 1] = candErr[l];
      candI[l + 1] = candI[l];
      candJ[l + 1] = candJ[l];
      l--;
    }
    candErr[l + 1] = e;
    candI[l + 1] = i;
    candJ[l + 1] = j;
  }
  if (s.stamp === 0xffffffff) {
    usedP.fill(0);
    usedC.fill(0);
    s.stamp = 0;
  }
  const stamp = ++s.stamp;
  let pairs = 0;
  for (let k = 0; k < found; k++) {
    const i = candI[k];
    const j = candJ[k];
    if (usedP[i] === stamp || usedC[j] === stamp) continue;
    usedP[i] = stamp;
    usedC[j] = stamp;
    s.probe[pairs] = i;
    s.candidate[pairs] = j;
    s.closeness[pairs] =
      (1 - P.closenessSlope * candErr[k]) * (probe.type[i] === cand.type[j] ? 1 : P.typeMismatchFactor);
    pairs++;
  }
  s.count = pairs;
  return pairs;
}

/**
 * Minutiae in the common area: how many probe minutiae, mapped through the last assign()'s transform,
 * land inside the candidate's minutiae bounding box (plus margin; counted by assign()), and how many
 * candidate minutiae land inside the mapped probe's box. Pairs are judged against these, not against
 * the whole templates, so that a partial overlap is not punished for minutiae the other impression
 * never saw. Leaves the counts in assignment.overlapProbe/overlapCandidate.
 */
export function measureOverlap(cand: PreparedTemplate): void {
  const box = assignment.probeBox;
  const x0 = box[0];
  const x1 = box[1];
  const y0 = box[2];
  const y1 = box[3];
  const cx = cand.x;
  const cy = cand.y;
  let inProbe = 0;
  for (let j = 0; j < cand.count; j++) {
    const x = cx[j];
    const y = cy[j];
    inProbe += Number(x >= x0) * Number(x <= x1) * Number(y >= y0) * Number(y <= y1);
  }
  assignment.overlapCandidate = inProbe;
}
