/**
 * Consolidation: from the pairs a pairing graph found, fit one transform and pair every minutia that
 * it brings into agreement.
 *
 * Why: the pairing graph tests each edge alone, so where skin stretch (or an anisotropic resampling of
 * the image before extraction) bends edges beyond the edge tolerances, the graph stops growing and a
 * genuine comparison ends with few pairs. A least-squares affine transform fitted to the graph's pairs
 * absorbs the first-order part of that distortion (stretch, shear, rotation); a greedy one-to-one
 * assignment under it, refitted and repeated (a short ICP), recovers the missing pairs. The affine fit
 * is constrained (singular values within a band, no reflection) and falls back to a rigid fit with few
 * pairs, so an impostor cannot buy pairs by warping freely.
 */
import { matchParameters as P } from './parameters.js';
import type { PreparedTemplate } from './prepare.js';

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
 * i < k (an offset rather than a subarray, so that the hot path allocates nothing).
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
  let rigid = true;
  const det = sxx * syy - sxy * sxy;
  if (k >= P.minAffinePairs && det > 1e-6 * (sxx + syy) * (sxx + syy)) {
    // Normal equations of the linear part: [a b] = [uX uY] M^-1, [c d] = [vX vY] M^-1.
    const i00 = syy / det;
    const i01 = -sxy / det;
    const i11 = sxx / det;
    const fa = uX * i00 + uY * i01;
    const fb = uX * i01 + uY * i11;
    const fc = vX * i00 + vY * i01;
    const fd = vX * i01 + vY * i11;
    // Singular values of [fa fb; fc fd] in closed form; s2 <= 0 means a reflection or a collapse.
    const q = Math.hypot((fa + fd) / 2, (fc - fb) / 2);
    const r = Math.hypot((fa - fd) / 2, (fc + fb) / 2);
    if (q - r >= P.minAffineScale && q + r <= P.maxAffineScale) {
      out.a = fa;
      out.b = fb;
      out.c = fc;
      out.d = fd;
      rigid = false;
    }
  }
  if (rigid) {
    // Orthogonal Procrustes: the rotation that best maps the centred probe points onto the candidate's.
    const angle = Math.atan2(vX - uY, uX + vY);
    out.a = Math.cos(angle);
    out.b = -Math.sin(angle);
    out.c = -out.b;
    out.d = out.a;
  }
  out.tx = mcx - out.a * mpx - out.b * mpy;
  out.ty = mcy - out.c * mpx - out.d * mpy;
  return out;
}

/** Working memory of the assignment, reused across calls; `probe`/`candidate` hold the last result. */
class AssignmentScratch {
  tx = new Float32Array(256);
  ty = new Float32Array(256);
  ta = new Float32Array(256);
  tb = new Float32Array(256);
  usedP = new Uint8Array(256);
  usedC = new Uint8Array(256);
  binStart = new Uint16Array(64);
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

  ensure(n: number, m: number): void {
    const k = Math.max(n, m);
    if (this.tx.length >= k) return;
    this.tx = new Float32Array(k * 2);
    this.ty = new Float32Array(k * 2);
    this.ta = new Float32Array(k * 2);
    this.tb = new Float32Array(k * 2);
    this.usedP = new Uint8Array(k * 2);
    this.usedC = new Uint8Array(k * 2);
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

/** Maps every probe minutia (position and direction) through `t` into assignment.tx/ty/ta/tb. */
function mapProbe(probe: PreparedTemplate, t: Affine): void {
  const s = assignment;
  const n = probe.count;
  const { tx, ty, ta, tb } = s;
  const { a, b, c, d } = t;
  const pdx = probe.dirX;
  const pdy = probe.dirY;
  for (let i = 0; i < n; i++) {
    const x = probe.x[i];
    const y = probe.y[i];
    tx[i] = a * x + b * y + t.tx;
    ty[i] = c * x + d * y + t.ty;
    // The direction vector mapped by the linear part, renormalised (no trigonometry per call).
    const vx = a * pdx[i] + b * pdy[i];
    const vy = c * pdx[i] + d * pdy[i];
    const norm = 1 / Math.sqrt(vx * vx + vy * vy);
    ta[i] = vx * norm;
    tb[i] = vy * norm;
  }
}

/**
 * Greedy one-to-one assignment of probe minutiae (mapped through `t`) to candidate minutiae within the
 * consolidation tolerances (times `looseness`), smallest error first. Leaves the pairs in
 * `assignment.probe/candidate/closeness`; returns their count.
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
  mapProbe(probe, t);
  const { tx, ty, ta, tb } = s;
  const maxD = P.consolidationDistance * looseness;
  const maxD2 = maxD * maxD;
  const maxA = Math.min(Math.PI, P.consolidationAngle * looseness);
  // Directions agree within maxA when the cosine of their angle is at least cos(maxA); the angular
  // error term uses 1 - cosine, scaled to 1 at the tolerance (monotone in the angle).
  const minCos = Math.cos(maxA);
  const cosScale = 1 / (1 - minCos);
  const xs = cand.xSorted;
  const xo = cand.xOrder;
  // binStart[b]: first candidate (in x order) with x >= x0 + b * maxD.
  const x0 = m > 0 ? xs[0] : 0;
  const bins = m > 0 ? Math.min(4096, Math.ceil((xs[m - 1] - x0) / maxD) + 1) : 0;
  if (s.binStart.length < bins) s.binStart = new Uint16Array(bins * 2);
  const binStart = s.binStart;
  for (let b = 0, k = 0; b < bins; b++) {
    const edge = x0 + b * maxD;
    while (k < m && xs[k] < edge) k++;
    binStart[b] = k;
  }
  const cx = cand.x;
  const cy = cand.y;
  const cdx = cand.dirX;
  const cdy = cand.dirY;
  let found = 0;
  for (let i = 0; i < n; i++) {
    const x = tx[i];
    const y = ty[i];
    const ux = ta[i];
    const uy = tb[i];
    // Candidate minutiae are sorted by x: the bin table gives a start at most one bin before the window
    // [x - maxD, x + maxD] (a binary search here mispredicted a branch per step).
    const left = x - maxD;
    let lo = 0;
    if (left >= x0) lo = binStart[Math.min(bins - 1, ((left - x0) / maxD) | 0)];
    while (lo < m && xs[lo] < left) lo++;
    for (let k = lo; k < m && xs[k] <= x + maxD; k++) {
      const j = xo[k];
      const dx = cx[j] - x;
      const dy = cy[j] - y;
      const d2 = dx * dx + dy * dy;
      if (d2 > maxD2) continue;
      const cos = ux * cdx[j] + uy * cdy[j];
      if (cos < minCos) continue;
      if (found === s.candI.length) s.growCandidates();
      s.candI[found] = i;
      s.candJ[found] = j;
      s.candErr[found] = Math.sqrt(d2) / maxD + (1 - cos) * cosScale;
      found++;
    }
  }
  return pickPairs(probe, cand, found);
}

/** Sorts the `found` candidate pairs by error and keeps them greedily one-to-one. */
function pickPairs(probe: PreparedTemplate, cand: PreparedTemplate, found: number): number {
  const s = assignment;
  const n = probe.count;
  const m = cand.count;
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
  usedP.fill(0, 0, n);
  usedC.fill(0, 0, m);
  let pairs = 0;
  for (let k = 0; k < found; k++) {
    const i = candI[k];
    const j = candJ[k];
    if (usedP[i] || usedC[j]) continue;
    usedP[i] = 1;
    usedC[j] = 1;
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
 * Minutiae in the common area: how many probe minutiae, mapped through `t`, land inside the
 * candidate's minutiae bounding box (plus margin), and how many candidate minutiae land inside the
 * mapped probe's box. Pairs are judged against these, not against the whole templates, so that a
 * partial overlap is not punished for minutiae the other impression never saw. Uses the probe as
 * mapped by the last assign() call; leaves the counts in assignment.overlapProbe/overlapCandidate.
 */
export function measureOverlap(probe: PreparedTemplate, cand: PreparedTemplate): void {
  const margin = P.overlapMargin;
  const m = cand.count;
  const cx0 = cand.xSorted[0] - margin;
  const cx1 = cand.xSorted[m - 1] + margin;
  let cy0 = Number.POSITIVE_INFINITY;
  let cy1 = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < m; j++) {
    const y = cand.y[j];
    if (y < cy0) cy0 = y;
    if (y > cy1) cy1 = y;
  }
  cy0 -= margin;
  cy1 += margin;
  let px0 = Number.POSITIVE_INFINITY;
  let py0 = Number.POSITIVE_INFINITY;
  let px1 = Number.NEGATIVE_INFINITY;
  let py1 = Number.NEGATIVE_INFINITY;
  let inCand = 0;
  const tx = assignment.tx;
  const ty = assignment.ty;
  for (let i = 0; i < probe.count; i++) {
    // assign() has just mapped the probe through the same transform.
    const x = tx[i];
    const y = ty[i];
    if (x < px0) px0 = x;
    if (x > px1) px1 = x;
    if (y < py0) py0 = y;
    if (y > py1) py1 = y;
    if (x >= cx0 && x <= cx1 && y >= cy0 && y <= cy1) inCand++;
  }
  px0 -= margin;
  px1 += margin;
  py0 -= margin;
  py1 += margin;
  let inProbe = 0;
  for (let j = 0; j < m; j++) {
    const x = cand.x[j];
    const y = cand.y[j];
    if (x >= px0 && x <= px1 && y >= py0 && y <= py1) inProbe++;
  }
  assignment.overlapProbe = inCand;
  assignment.overlapCandidate = inProbe;
}
