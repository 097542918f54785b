/**
 * The 1:1 comparison core: root finding through an edge hash, pairing-graph expansion, consolidation.
 *
 * Why this design (issue 7 asks to say so). The pairing graph of SourceAFIS grows a set of paired
 * minutiae one neighbour edge at a time, always taking the edge pair with the smallest geometric error
 * next. Every test is local (an edge length and its two end angles), so elastic distortion, small
 * between neighbours but large across a print, does not break it, and it needs nothing but the
 * minutiae: a template stays a few hundred bytes of typed arrays. Minutia Cylinder-Code needs a
 * cylinder of several hundred cells per minutia plus an n*m similarity matrix and a relaxation over it:
 * far more memory per gallery template for the re-ranking stage. We did not implement MCC for
 * comparison; what we take from it is the local-similarity vote: a root is chosen by how many
 * neighbour edges agree around a minutia pair (not by a single edge), so few roots need trying.
 *
 * Two things are our own. (1) The graph's pairs go to consolidation (consolidate.ts), which fits one
 * constrained affine transform and pairs every minutia it brings into agreement: on FVC2002 this
 * recovered the genuine pairs that the graph's edge tolerances miss under strong distortion; against
 * scoring the graph alone it cut the mean EER over DB1-4_B (ISO templates) from 2.7% to 1.8% (fvc)
 * and 2.9% to 2.2% (fvc-large) and halved the mean ZeroFMR. (2) The score judges those pairs against the
 * minutiae in the common area, not against whole templates, so partial overlaps are not punished.
 * (3) Each consolidated pair is weighted by the graph edges that confirm it (graphSupportShare), so
 * chance pairs that consolidation's loose first round collects for an impostor count for less.
 *
 * Speed (issue 7): root votes are collected without a branch and only the cells that received one are
 * scanned; each undirected probe edge is filed once; graphs too weak to matter (minGraphScore) are not
 * consolidated, the strongest is consolidated first and the others stop as soon as they cannot beat it,
 * and consolidation stops refitting once a round returns the pairs of the round before.
 *
 * All working memory is module-level scratch reused across calls (one instance per worker thread).
 */
import { matchParameters as P } from './parameters.js';
import { type Affine, assign, assignment, fitTransform, measureOverlap } from './consolidate.js';
import type { PreparedTemplate } from './prepare.js';

const TWO_PI = 2 * Math.PI;

const MAX_DISTANCE_ERROR = P.maxDistanceError;
const DISTANCE_ERROR_RATIO = P.distanceErrorRatio;

function lengthTolerance(length: number): number {
  return MAX_DISTANCE_ERROR + DISTANCE_ERROR_RATIO * length;
}

// --- edge hash of a probe: every root-capable edge is filed under every bucket its tolerance box
// touches, so that a candidate edge only looks in its own bucket (SourceAFIS files probe edges the same
// way). The entries carry a copy of their edge's data, so a lookup reads one contiguous run of memory
// and, in 1:N, the probe's hash (built once per probe, cached) stays in cache while candidates stream past.

interface EdgeHash {
  /** Bucket b holds entries start[b] .. start[b+1]-1. */
  readonly start: Uint32Array;
  /** Entries in the fullest bucket (bounds the votes one lookup can cast). */
  readonly maxBucket: number;
  readonly length: Float32Array;
  /** 1 / length tolerance of the entry's edge (multiplying is cheaper than dividing in the vote loop). */
  readonly inverseTolerance: Float32Array;
  readonly refAngle: Float32Array;
  readonly nbrAngle: Float32Array;
  /** Probe minutia the edge leaves (high 16 bits) and the one it reaches (low 16 bits). */
  readonly ends: Uint32Array;
}

const LENGTH_BIN = P.hashLengthBin;
const ANGLE_BINS = P.hashAngleBins;
const INVERSE_ANGLE_BIN = ANGLE_BINS / TWO_PI;
const INVERSE_LENGTH_BIN = 1 / LENGTH_BIN;
const LENGTH_BINS = Math.ceil((P.neighborRange + lengthTolerance(P.neighborRange)) / LENGTH_BIN) + 1;
const BUCKETS = LENGTH_BINS * ANGLE_BINS * ANGLE_BINS;

const ROOT_NEIGHBORS = P.rootNeighborCount;
const hashCache = new WeakMap<PreparedTemplate, EdgeHash>();

function bucketOf(length: number, refAngle: number, nbrAngle: number): number {
  // Lengths and angles are non-negative, so truncation is the floor (and stays in small-integer arithmetic).
  // Angles are below 2*pi, so only rounding can reach ANGLE_BINS: a subtraction, not an integer division, wraps it.
  const l = Math.min(LENGTH_BINS - 1, (length * INVERSE_LENGTH_BIN) | 0);
  let a = (refAngle * INVERSE_ANGLE_BIN) | 0;
  let b = (nbrAngle * INVERSE_ANGLE_BIN) | 0;
  if (a >= ANGLE_BINS) a -= ANGLE_BINS;
  if (b >= ANGLE_BINS) b -= ANGLE_BINS;
  return (l * ANGLE_BINS + a) * ANGLE_BINS + b;
}

function forEachBucket(t: PreparedTemplate, slot: number, visit: (bucket: number) => void): void {
  const length = t.edgeLength[slot];
  const tol = lengthTolerance(length);
  const l0 = Math.max(0, Math.floor((length - tol) * INVERSE_LENGTH_BIN));
  const l1 = Math.min(LENGTH_BINS - 1, Math.floor((length + tol) * INVERSE_LENGTH_BIN));
  const ra = t.edgeRefAngle[slot];
  const na = t.edgeNbrAngle[slot];
  const a0 = Math.floor((ra - P.maxAngleError) * INVERSE_ANGLE_BIN);
  const a1 = Math.floor((ra + P.maxAngleError) * INVERSE_ANGLE_BIN);
  const b0 = Math.floor((na - P.maxAngleError) * INVERSE_ANGLE_BIN);
  const b1 = Math.floor((na + P.maxAngleError) * INVERSE_ANGLE_BIN);
  for (let l = l0; l <= l1; l++) {
    for (let a = a0; a <= a1; a++) {
      const aw = ((a % ANGLE_BINS) + ANGLE_BINS) % ANGLE_BINS;
      for (let b = b0; b <= b1; b++) {
        const bw = ((b % ANGLE_BINS) + ANGLE_BINS) % ANGLE_BINS;
        visit((l * ANGLE_BINS + aw) * ANGLE_BINS + bw);
      }
    }
  }
}

/** Whether b's root-voting edges (its ROOT_NEIGHBORS nearest, long enough) include the edge b->a. */
function isRootEdge(t: PreparedTemplate, b: number, a: number): boolean {
  const base = b * t.stride;
  const end = base + Math.min(t.edgeCount[b], ROOT_NEIGHBORS);
  for (let slot = base; slot < end; slot++)
    if (t.edgeTarget[slot] === a) return t.edgeLength[slot] >= P.minRootEdgeLength;
  return false;
}

function edgeHash(t: PreparedTemplate): EdgeHash {
  const cached = hashCache.get(t);
  if (cached) return cached;
  const counts = new Uint32Array(BUCKETS + 1);
  const rootEdges: number[] = [];
  for (let a = 0; a < t.count; a++) {
    const count = Math.min(t.edgeCount[a], ROOT_NEIGHBORS);
    for (let s = 0; s < count; s++) {
      const slot = a * t.stride + s;
      if (t.edgeLength[slot] < P.minRootEdgeLength) continue;
      // Mutual neighbours have the edge both ways; a candidate edge meeting either direction casts the
      // same two votes, so filing both would count every such agreement twice for twice the work.
      const b = t.edgeTarget[slot];
      if (b < a && isRootEdge(t, b, a)) continue;
      rootEdges.push(slot);
    }
  }
  for (const slot of rootEdges) forEachBucket(t, slot, (bucket) => counts[bucket + 1]++);
  for (let i = 0; i < BUCKETS; i++) counts[i + 1] += counts[i];
  const total = counts[BUCKETS];
  const start = counts;
  let maxBucket = 0;
  for (let i = 0; i < BUCKETS; i++) maxBucket = Math.max(maxBucket, start[i + 1] - start[i]);
  const fill = counts.slice(0, BUCKETS);
  const length = new Float32Array(total);
  const inverseTolerance = new Float32Array(total);
  const refAngle = new Float32Array(total);
  const nbrAngle = new Float32Array(total);
  const ends = new Uint32Array(total);
  for (const slot of rootEdges) {
    const from = (slot / t.stride) | 0;
    forEachBucket(t, slot, (bucket) => {
      const k = fill[bucket]++;
      length[k] = t.edgeLength[slot];
      inverseTolerance[k] = 1 / lengthTolerance(t.edgeLength[slot]);
      refAngle[k] = t.edgeRefAngle[slot];
      nbrAngle[k] = t.edgeNbrAngle[slot];
      ends[k] = from * 0x10000 + t.edgeTarget[slot];
    });
  }
  const hash = { start, maxBucket, length, inverseTolerance, refAngle, nbrAngle, ends };
  hashCache.set(t, hash);
  return hash;
}

// --- scratch memory

const ROOTS = P.rootCount;
const KEPT = P.consolidatedPairings;

class GraphScratch {
  /** Root votes per (probe, candidate) minutia pair; all zero between comparisons. */
  votes = new Float32Array(64 * 64);
  /** Cells of `votes` that received a vote (with repeats), so that only they are scanned and cleared. */
  touched = new Int32Array(1024);
  /** tried[p * m + c] === stamp: the pair is inside a pairing graph of this comparison (no clearing needed). */
  tried = new Uint32Array(64 * 64);
  stamp = 0;
  pairedP = new Int32Array(256);
  pairedC = new Int32Array(256);
  pairP = new Int32Array(256);
  /** Per probe minutia: its partner in the pairing graph being consolidated (-1 none), and that pair's support. */
  graphPartner = new Int32Array(256);
  graphSupport = new Int32Array(256);
  /** Per pair of the last consolidation: its weight in the score. */
  pairWeight = new Float64Array(256);
  pairC = new Int32Array(256);
  support = new Int32Array(256);
  pairCount = 0;
  heapErr = new Float64Array(1024);
  heapQ = new Int32Array(1024);
  heapR = new Int32Array(1024);
  heapSize = 0;
  rootP = new Int32Array(ROOTS);
  rootC = new Int32Array(ROOTS);
  rootVote = new Float32Array(ROOTS);
  keptStride = 256;
  keptP = new Int32Array(KEPT * 256);
  keptC = new Int32Array(KEPT * 256);
  keptS = new Int32Array(KEPT * 256);
  keptCount = new Int32Array(KEPT);
  keptScore = new Float64Array(KEPT);
  /** Kept slots by decreasing graph score. */
  order = new Int32Array(KEPT);
  transform: Affine = { a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0 };
  bestSlot = -1;

  ensure(n: number, m: number): void {
    if (this.votes.length < n * m) {
      this.votes = new Float32Array(n * m * 2);
      this.tried = new Uint32Array(n * m * 2);
      this.stamp = 0;
    }
    const k = Math.max(n, m);
    if (this.pairedP.length < k) {
      this.pairedP = new Int32Array(k * 2);
      this.pairedC = new Int32Array(k * 2);
      this.pairP = new Int32Array(k * 2);
      this.graphPartner = new Int32Array(k * 2);
      this.graphSupport = new Int32Array(k * 2);
      this.pairWeight = new Float64Array(k * 2);
      this.pairC = new Int32Array(k * 2);
      this.support = new Int32Array(k * 2);
    }
    if (this.keptStride < k) {
      this.keptStride = k * 2;
      this.keptP = new Int32Array(KEPT * this.keptStride);
      this.keptC = new Int32Array(KEPT * this.keptStride);
      this.keptS = new Int32Array(KEPT * this.keptStride);
    }
  }

  heapPush(err: number, q: number, r: number): void {
    if (this.heapSize === this.heapErr.length) {
      const e = new Float64Array(this.heapSize * 2);
      e.set(this.heapErr);
      this.heapErr = e;
      const a = new Int32Array(this.heapSize * 2);
      a.set(this.heapQ);
      this.heapQ = a;
      const b = new Int32Array(this.heapSize * 2);
      b.set(this.heapR);
      this.heapR = b;
    }
    const { heapErr, heapQ, heapR } = this;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heapErr[parent] <= err) break;
      heapErr[i] = heapErr[parent];
      heapQ[i] = heapQ[parent];
      heapR[i] = heapR[parent];
      i = parent;
    }
    heapErr[i] = err;
    heapQ[i] = q;
    heapR[i] = r;
  }

  /** Removes the minimum; returns its q * 65536 + r. */
  heapPop(): number {
    const { heapErr, heapQ, heapR } = this;
    const top = heapQ[0] * 65536 + heapR[0];
    const last = --this.heapSize;
    const err = heapErr[last];
    const q = heapQ[last];
    const r = heapR[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && heapErr[child + 1] < heapErr[child]) child++;
      if (heapErr[child] >= err) break;
      heapErr[i] = heapErr[child];
      heapQ[i] = heapQ[child];
      heapR[i] = heapR[child];
      i = child;
    }
    heapErr[i] = err;
    heapQ[i] = q;
    heapR[i] = r;
    return top;
  }

  addPair(p: number, c: number): void {
    const k = this.pairCount++;
    this.pairedP[p] = k;
    this.pairedC[c] = k;
    this.pairP[k] = p;
    this.pairC[k] = c;
    this.support[k] = 0;
  }

  /** Keeps the current pairing if it is among the KEPT best by graph score. */
  keep(score: number): void {
    const { keptScore } = this;
    let slot = 0;
    for (let k = 1; k < KEPT; k++) if (keptScore[k] < keptScore[slot]) slot = k;
    if (keptScore[slot] >= score) return;
    const count = this.pairCount;
    keptScore[slot] = score;
    this.keptCount[slot] = count;
    const offset = slot * this.keptStride;
    const { keptP, keptC, keptS, pairP, pairC, support } = this;
    for (let i = 0; i < count; i++) {
      keptP[offset + i] = pairP[i];
      keptC[offset + i] = pairC[i];
      keptS[offset + i] = support[i];
    }
  }
}

const G = new GraphScratch();

// --- root finding

/** Root order: more votes first, then the lower (probe, candidate) cell index. */
function before(v: number, i: number, u: number, k: number): boolean {
  return v > u || (v === u && i < k);
}

/** Fills G.rootP/rootC with the best-voted minutia pairs; returns how many. */
function findRoots(probe: PreparedTemplate, cand: PreparedTemplate): number {
  const m = cand.count;
  const votes = G.votes;
  const hash = edgeHash(probe);
  const { start } = hash;
  const hLen = hash.length;
  const hInvTol = hash.inverseTolerance;
  const hRef = hash.refAngle;
  const hNbr = hash.nbrAngle;
  const hEnds = hash.ends;
  const cLen = cand.edgeLength;
  const cRef = cand.edgeRefAngle;
  const cNbr = cand.edgeNbrAngle;
  const cTarget = cand.edgeTarget;
  const inverseMaxAngle = 1 / P.maxAngleError;
  const minRoot = P.minRootEdgeLength;
  // Each hash entry can touch two cells: make room for the worst case up front.
  const maxTouched = 2 * m * ROOT_NEIGHBORS * hash.maxBucket;
  if (G.touched.length < maxTouched) G.touched = new Int32Array(maxTouched * 2);
  let touchedCount = 0;
  const touched = G.touched;
  for (let c = 0; c < m; c++) {
    const base = c * cand.stride;
    const end = base + Math.min(cand.edgeCount[c], ROOT_NEIGHBORS);
    for (let slot = base; slot < end; slot++) {
      const length = cLen[slot];
      if (length < minRoot) continue;
      const ra = cRef[slot];
      const na = cNbr[slot];
      const bucket = bucketOf(length, ra, na);
      const stop = start[bucket + 1];
      // Branch-free on purpose: which probe edges pass is data-dependent and unpredictable, and
      // mispredicted branches, not arithmetic, dominated the cost of this loop.
      for (let k = start[bucket]; k < stop; k++) {
        const dl = Math.abs(hLen[k] - length) * hInvTol[k];
        const ra0 = Math.abs(hRef[k] - ra);
        const da = Math.min(ra0, TWO_PI - ra0) * inverseMaxAngle;
        const na0 = Math.abs(hNbr[k] - na);
        const db = Math.min(na0, TWO_PI - na0) * inverseMaxAngle;
        // Each error is scaled to 1 at its tolerance.
        const w = 1 - (dl + da + db) * (1 / 3);
        const ok = Number(dl <= 1) * Number(da <= 1) * Number(db <= 1);
        const ends = hEnds[k];
        const from = (ends >>> 16) * m + c;
        const to = (ends & 0xffff) * m + cTarget[slot];
        votes[from] += w * ok;
        votes[to] += w * ok;
        // Recorded only when the edges agree, still without a branch.
        touched[touchedCount] = from;
        touched[touchedCount + 1] = to;
        touchedCount += 2 * ok;
      }
    }
  }
  // Top ROOTS cells by vote, ties to the lower cell index; each cell is read once and cleared.
  const { rootP, rootC, rootVote } = G;
  let found = 0;
  for (let t = 0; t < touchedCount; t++) {
    const i = touched[t];
    const v = votes[i];
    if (v === 0) continue; // already taken (a cell appears once per vote it received)
    votes[i] = 0;
    if (v < 0 || Number.isNaN(v)) continue;
    if (found === ROOTS && !before(v, i, rootVote[found - 1], rootP[found - 1] * m + rootC[found - 1]))
      continue;
    let j = found < ROOTS ? found++ : found - 1;
    while (j > 0 && before(v, i, rootVote[j - 1], rootP[j - 1] * m + rootC[j - 1])) {
      rootVote[j] = rootVote[j - 1];
      rootP[j] = rootP[j - 1];
      rootC[j] = rootC[j - 1];
      j--;
    }
    rootVote[j] = v;
    rootP[j] = (i / m) | 0;
    rootC[j] = i % m;
  }
  return found;
}

// --- pairing-graph expansion

/** Queues every compatible (probe edge, candidate edge) pair leaving the pair (p, c). */
function pushEdges(probe: PreparedTemplate, cand: PreparedTemplate, p: number, c: number): void {
  const pBase = p * probe.stride;
  const pEnd = pBase + probe.edgeCount[p];
  const cBase = c * cand.stride;
  const cEnd = cBase + cand.edgeCount[c];
  const { pairedP, pairedC, support } = G;
  const selfPair = pairedP[p];
  const pLen = probe.edgeLength;
  const cLen = cand.edgeLength;
  const cRef = cand.edgeRefAngle;
  const cNbr = cand.edgeNbrAngle;
  const cTarget = cand.edgeTarget;
  const pTarget = probe.edgeTarget;
  const pRef = probe.edgeRefAngle;
  const pNbr = probe.edgeNbrAngle;
  const maxAngle = P.maxAngleError;
  let lo = cBase;
  // Both edge lists are sorted by length, so compatible candidate edges form a window that only moves right.
  for (let ep = pBase; ep < pEnd; ep++) {
    const pl = pLen[ep];
    const tol = lengthTolerance(pl);
    while (lo < cEnd && cLen[lo] < pl - tol) lo++;
    const q = pTarget[ep];
    const qPair = pairedP[q];
    const pra = pRef[ep];
    const pna = pNbr[ep];
    for (let ec = lo; ec < cEnd; ec++) {
      const cl = cLen[ec];
      if (cl > pl + tol) break;
      const r = cTarget[ec];
      if (qPair !== pairedC[r]) continue; // one end paired elsewhere, or both paired to different partners
      let da = pra > cRef[ec] ? pra - cRef[ec] : cRef[ec] - pra;
      if (da > Math.PI) da = TWO_PI - da;
      if (da > maxAngle) continue;
      let db = pna > cNbr[ec] ? pna - cNbr[ec] : cNbr[ec] - pna;
      if (db > Math.PI) db = TWO_PI - db;
      if (db > maxAngle) continue;
      if (qPair >= 0) {
        // Both ends already paired to each other: this edge confirms the two pairs.
        support[qPair]++;
        support[selfPair]++;
      } else {
        const dl = pl > cl ? pl - cl : cl - pl;
        G.heapPush(dl / tol + (da + db) / maxAngle, q, r);
      }
    }
  }
}

function expand(probe: PreparedTemplate, cand: PreparedTemplate, p0: number, c0: number): void {
  const { pairedP, pairedC } = G;
  pairedP.fill(-1, 0, probe.count);
  pairedC.fill(-1, 0, cand.count);
  G.pairCount = 0;
  G.heapSize = 0;
  G.addPair(p0, c0);
  pushEdges(probe, cand, p0, c0);
  while (G.heapSize > 0) {
    const top = G.heapPop();
    const q = top >>> 16;
    const r = top & 0xffff;
    if (pairedP[q] >= 0 || pairedC[r] >= 0) continue;
    G.addPair(q, r);
    pushEdges(probe, cand, q, r);
  }
}

/** Graph score of the pairing in G: pairs weighted by their confirming edges. Ranks pairings for consolidation. */
function graphScore(probe: PreparedTemplate, cand: PreparedTemplate): number {
  const { support, pairP, pairC } = G;
  let score = 0;
  for (let i = 0; i < G.pairCount; i++) {
    const s = support[i];
    if (s === 0) continue;
    score += P.pairBase + P.supportWeight * Math.min(s, P.supportCap);
    if (probe.type[pairP[i]] === cand.type[pairC[i]]) score += P.typeMatchWeight;
  }
  return (score * score) / Math.sqrt(probe.count * cand.count);
}

/**
 * Sum of the pair weights of the current assignment: its closeness, scaled by how well the pairing
 * graph `slot` confirmed the pair. A pair that consolidation alone found, or that no graph edge
 * confirmed, counts (1 - graphSupportShare); one confirmed by supportCap edges counts in full. Chance
 * pairs of an impostor are rarely tied into the graph by several edges, genuine ones usually are.
 */
function pairWeights(probe: PreparedTemplate, slot: number, pairs: number): number {
  const { graphPartner, graphSupport } = G;
  graphPartner.fill(-1, 0, probe.count);
  const offset = slot * G.keptStride;
  for (let i = 0; i < G.keptCount[slot]; i++) {
    graphPartner[G.keptP[offset + i]] = G.keptC[offset + i];
    graphSupport[G.keptP[offset + i]] = G.keptS[offset + i];
  }
  const share = P.graphSupportShare;
  let weight = 0;
  for (let i = 0; i < pairs; i++) {
    const p = assignment.probe[i];
    const support = graphPartner[p] === assignment.candidate[i] ? Math.min(graphSupport[p], P.supportCap) : 0;
    const w = assignment.closeness[i] * (1 - share + (share * support) / P.supportCap);
    G.pairWeight[i] = w;
    weight += w;
  }
  return weight;
}

const saved = { probe: new Int32Array(256), candidate: new Int32Array(256) };

function savePairs(pairs: number): void {
  if (saved.probe.length < pairs) {
    saved.probe = new Int32Array(pairs * 2);
    saved.candidate = new Int32Array(pairs * 2);
  }
  for (let i = 0; i < pairs; i++) {
    saved.probe[i] = assignment.probe[i];
    saved.candidate[i] = assignment.candidate[i];
  }
}

/** Whether the current assignment holds exactly the saved pairs (both come out in error order). */
function sameAsSaved(pairs: number): boolean {
  for (let i = 0; i < pairs; i++)
    if (saved.probe[i] !== assignment.probe[i] || saved.candidate[i] !== assignment.candidate[i])
      return false;
  return true;
}

/**
 * Consolidates the kept pairing in `slot` (ICP-like rounds: a loose first assignment recovers pairs
 * the graph missed, each refit tightens), leaving the final assignment in `assignment` and the
 * transform in G.transform. Returns the final score.
 */
function consolidate(probe: PreparedTemplate, cand: PreparedTemplate, slot: number, toBeat: number): number {
  const offset = slot * G.keptStride;
  const t = fitTransform(probe, cand, G.keptP, G.keptC, offset, G.keptCount[slot], G.transform);
  let pairs = 0;
  const rounds = P.consolidationRounds;
  for (let round = 0; round < rounds; round++) {
    const previous = pairs;
    pairs = assign(probe, cand, t, round === 0 && rounds > 1 ? P.firstRoundLooseness : 1);
    if (pairs < 2) return 0;
    // The loose first round finds (nearly) every pair later rounds can: when even that many perfect
    // pairs in the smallest common area could not beat the score to beat, stop here.
    if (round === 0 && pairs * pairs < toBeat * Math.max(pairs, P.minOverlapCount)) return 0;
    if (round < rounds - 1) {
      // Same pairs as the round before: the refit would give the same transform and the same pairs again.
      if (round > 0 && pairs === previous && sameAsSaved(pairs)) break;
      savePairs(pairs);
      fitTransform(probe, cand, assignment.probe, assignment.candidate, 0, pairs, t);
    }
  }
  measureOverlap(probe, cand);
  const weight = pairWeights(probe, slot, pairs);
  // The score grows with the square of the closeness-weighted pair count and falls with the geometric
  // mean of the minutiae in the common area (each counted at least minOverlapCount), so it rewards
  // many pairs, and many pairs out of few chances, but not a handful of pairs in a sliver of overlap.
  const np = Math.max(assignment.overlapProbe, pairs, P.minOverlapCount);
  const nc = Math.max(assignment.overlapCandidate, pairs, P.minOverlapCount);
  return (weight * weight) / Math.sqrt(np * nc);
}

export interface PairingResult {
  score: number;
  probe: Int32Array;
  candidate: Int32Array;
  /** Per pair: edges of the pairing graph confirming it (0 for pairs added by consolidation). */
  support: Int32Array;
  /** Per pair: its share of the score (the shares sum to the score). */
  contribution: Float64Array;
  transform: Affine;
}

/** Runs the whole comparison; returns the score and leaves the winning kept slot in G.bestSlot (-1 for none). */
function run(probe: PreparedTemplate, cand: PreparedTemplate): number {
  const n = probe.count;
  const m = cand.count;
  G.keptScore.fill(0);
  G.keptCount.fill(0);
  G.bestSlot = -1;
  if (n === 0 || m === 0) return 0;
  G.ensure(n, m);
  const roots = findRoots(probe, cand);
  const tried = G.tried;
  if (G.stamp === 0xffffffff) {
    tried.fill(0);
    G.stamp = 0;
  }
  const stamp = ++G.stamp;
  for (let k = 0; k < roots; k++) {
    const p0 = G.rootP[k];
    const c0 = G.rootC[k];
    // A root already inside an earlier pairing would grow (nearly) the same graph again.
    if (tried[p0 * m + c0] === stamp) continue;
    expand(probe, cand, p0, c0);
    for (let i = 0; i < G.pairCount; i++) tried[G.pairP[i] * m + G.pairC[i]] = stamp;
    G.keep(graphScore(probe, cand));
  }
  let best = 0;
  let bestSlot = -1;
  // Best graph first, so that the bound in consolidate() can cut the others short.
  const order = G.order;
  for (let k = 0; k < KEPT; k++) {
    let j = k;
    while (j > 0 && G.keptScore[order[j - 1]] < G.keptScore[k]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = k;
  }
  for (let k = 0; k < KEPT; k++) {
    const slot = order[k];
    if (G.keptCount[slot] < P.minGraphPairs) continue;
    // Sorted by graph score: every remaining graph is weaker still.
    if (G.keptScore[slot] < P.minGraphScore) break;
    const score = consolidate(probe, cand, slot, best);
    if (score > best) {
      best = score;
      bestSlot = slot;
    }
  }
  G.bestSlot = bestSlot;
  return best;
}

/**
 * Builds (and caches) the probe-side edge hash now instead of on the first comparison: a search
 * prepares its probe once, before comparing it with the gallery.
 */
export function indexProbe(probe: PreparedTemplate): void {
  edgeHash(probe);
}

/** Similarity score of two prepared templates (0 = nothing in common). Allocates nothing in steady state. */
export function compareScore(probe: PreparedTemplate, cand: PreparedTemplate): number {
  return run(probe, cand);
}

/** The full result of a comparison, for explanation: pairs, per-pair contributions, transform. */
export function comparePairing(probe: PreparedTemplate, cand: PreparedTemplate): PairingResult {
  const score = run(probe, cand);
  const slot = G.bestSlot;
  if (slot < 0) {
    return {
      score: 0,
      probe: new Int32Array(0),
      candidate: new Int32Array(0),
      support: new Int32Array(0),
      contribution: new Float64Array(0),
      transform: { a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0 },
    };
  }
  consolidate(probe, cand, slot, 0);
  const pairs = assignment.count;
  const probeIdx = assignment.probe.slice(0, pairs);
  const candIdx = assignment.candidate.slice(0, pairs);
  const graphSupport = new Map<number, number>();
  const offset = slot * G.keptStride;
  for (let i = 0; i < G.keptCount[slot]; i++)
    graphSupport.set(G.keptP[offset + i] * 65536 + G.keptC[offset + i], G.keptS[offset + i]);
  const support = Int32Array.from(probeIdx, (p, i) => graphSupport.get(p * 65536 + candIdx[i]) ?? 0);
  let weight = 0;
  for (let i = 0; i < pairs; i++) weight += G.pairWeight[i];
  const contribution = Float64Array.from(G.pairWeight.subarray(0, pairs), (w) =>
    weight > 0 ? (w * score) / weight : 0,
  );
  return { score, probe: probeIdx, candidate: candIdx, support, contribution, transform: { ...G.transform } };
}
