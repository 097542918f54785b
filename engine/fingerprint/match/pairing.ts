/**
 * The 1:1 comparison core: root finding through an edge hash, pairing graphs, consolidation, score.
 *
 * Why this design (issue 7 asks to say so). A pairing graph in the manner of SourceAFIS grows a set of
 * paired minutiae one neighbour edge at a time, always taking the agreeing edge pair with the smallest
 * geometric error next. Every test is local (an edge length and its two end angles), so elastic
 * distortion, small between neighbours but large across a print, does not break it, and it needs
 * nothing but the minutiae: a template stays a few hundred bytes of typed arrays. Minutia Cylinder-Code
 * needs a cylinder of several hundred cells per minutia plus an n*m similarity matrix and a relaxation
 * over it: far more memory per gallery template for the re-ranking stage. What we take from MCC is the
 * local-similarity vote: a root is chosen by how many neighbour edges agree around a minutia pair.
 *
 * The steps:
 * 1. Roots (edge-hash.ts): every candidate root edge is looked up in the probe's edge hash; each agreeing
 *    pair of edges votes for the two minutia pairs at its ends, and is recorded.
 * 2. Pairing graphs: from each of the best-voted minutia pairs, a graph grows over the recorded agreeing
 *    edge pairs, smallest error first. Step 1 has already found every agreeing edge pair, so growing a
 *    graph is a walk over short adjacency lists, not a fresh comparison of two neighbourhoods per pair.
 * 3. Consolidation (consolidate.ts) of the best graphs: one constrained affine transform fitted to the
 *    graph's pairs, then a one-to-one assignment of every minutia it brings into agreement, refitted
 *    (a short ICP). On FVC2002 this recovers the genuine pairs that edge tolerances miss under strong
 *    distortion (against scoring the graph alone it cut the mean EER over DB1-4_B, ISO templates, from
 *    2.7% to 1.8% fvc and 2.9% to 2.2% fvc-large).
 * 4. Score: each assigned pair is weighted by its closeness and by its local support, the neighbour edges
 *    (all `neighborCount` of them) that agree at both ends: a chance pair an impostor collects is rarely
 *    tied to its neighbours, a genuine one usually is. The pairs are judged against the minutiae in the
 *    common area, not against whole templates, so partial overlaps are not punished.
 * 5. Ridge flow, when both templates carry orientation descriptors (descriptor.ts; our extractor's
 *    templates do, imported records do not): the roots are the best of a larger pool by vote times
 *    descriptor agreement, every pair's weight (and the floor's estimate) is scaled by its agreement, the
 *    early-exit gates open (parameters.ts `flowGates`), and the score is carried onto the minutiae-only
 *    scale by equal FMR, so that both kinds of comparison rank together in one search.
 *
 * All working memory is module-level scratch reused across calls (one instance per worker thread).
 */
import { rescore } from './calibration.js';
import { FLOW_CALIBRATION, SHIPPED_CALIBRATION } from './calibration-table.js';
import { type Affine, assign, assignment, fitTransform, measureOverlap } from './consolidate.js';
import { descriptorFactor, descriptorSimilarity } from './descriptor.js';
import { ENTRY, edgeHash, lengthTolerance } from './edge-hash.js';
import { matchParameters as P } from './parameters.js';
import type { PreparedTemplate } from './prepare.js';

const TWO_PI = 2 * Math.PI;
const ROOTS = P.rootCount;
/** Best-voted pairs from which the roots are chosen when both templates carry orientation descriptors. */
const POOL = Math.max(P.rootPool, ROOTS);
const KEPT = P.consolidatedPairings;

/** What stops a comparison's weak pairing graphs and consolidations early (parameters.ts). */
interface Gates {
  minGraphPairs: number;
  minGraphScore: number;
  consolidationFloor: number;
  minOverlapCount: number;
}

const MINUTIAE_GATES: Gates = {
  minGraphPairs: P.minGraphPairs,
  minGraphScore: P.minGraphScore,
  consolidationFloor: P.consolidationFloor,
  minOverlapCount: P.minOverlapCount,
};
const FLOW_GATES: Gates = P.flowGates;

// --- scratch memory

class Scratch {
  /** Root votes per (probe, candidate) minutia pair (cell c * n + p); all zero between comparisons. */
  votes = new Float64Array(64 * 64);
  /**
   * Agreeing edge pairs of this comparison: pair e joins the cells ends[2e] and ends[2e + 1] with
   * error err[e] (the three scaled errors summed).
   */
  ends = new Int32Array(1024);
  err = new Float32Array(512);
  endCount = 0;
  /**
   * Adjacency lists over `ends`: head[cell] (valid when headStamp[cell] === stamp, else none) and
   * next[slot] (-1 ends a list).
   */
  head = new Int32Array(64 * 64);
  headStamp = new Uint32Array(64 * 64);
  next = new Int32Array(1024);
  /**
   * tried[cell] === stamp: the pair is inside a pairing graph of this comparison (no clearing needed).
   * The stamp counts comparisons.
   */
  tried = new Uint32Array(64 * 64);
  stamp = 0;
  /**
   * Descriptor factor of a minutia pair (cell c * n + p), valid when flowStamp[cell] === stamp: a pair is
   * judged when it is a root candidate, in the floor's estimate and in the final weights, often all three.
   */
  flow = new Float32Array(64 * 64);
  flowStamp = new Uint32Array(64 * 64);
  /** The graph being grown: index of the pair each minutia is in (-1 none; all -1 between graphs), the pairs, their support. */
  pairedP = new Int32Array(256).fill(-1);
  pairedC = new Int32Array(256).fill(-1);
  pairP = new Int32Array(256);
  pairC = new Int32Array(256);
  support = new Int32Array(256);
  pairCount = 0;
  heapErr = new Float64Array(256);
  heapQ = new Int32Array(256);
  heapR = new Int32Array(256);
  heapSize = 0;
  rootP = new Int32Array(POOL);
  rootC = new Int32Array(POOL);
  rootVote = new Float32Array(POOL);
  /** The roots chosen from the pool by descriptor agreement (rerankRoots). */
  bestP = new Int32Array(ROOTS);
  bestC = new Int32Array(ROOTS);
  bestVote = new Float32Array(ROOTS);
  /** The KEPT best graphs by graph score: pairs of slot k at k * keptStride. */
  keptStride = 256;
  keptP = new Int32Array(KEPT * 256);
  keptC = new Int32Array(KEPT * 256);
  keptCount = new Int32Array(KEPT);
  keptScore = new Float64Array(KEPT);
  order = new Int32Array(KEPT);
  /** Per candidate minutia: the edge slot of the current candidate minutia reaching it, valid when markStamp matches. */
  mark = new Int32Array(256);
  markStamp = new Uint32Array(256);
  markNow = 0;
  /** Per probe minutia: its partner in the assignment being scored (-1 none). */
  partner = new Int32Array(256);
  /** Per assigned pair of the last scoring: local support and weight. */
  localSupport = new Int32Array(256);
  pairWeight = new Float64Array(256);
  transform: Affine = { a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0 };
  bestSlot = -1;
  /** Both templates of this comparison carry orientation descriptors. */
  withFlow = false;
  /** The gates of this comparison (matchParameters or, with descriptors, matchParameters.flowGates). */
  gates: Gates = MINUTIAE_GATES;

  ensure(n: number, m: number): void {
    if (this.votes.length < n * m) {
      this.votes = new Float64Array(n * m * 2);
      this.head = new Int32Array(n * m * 2);
      this.headStamp = new Uint32Array(n * m * 2);
      this.tried = new Uint32Array(n * m * 2);
      this.flow = new Float32Array(n * m * 2);
      this.flowStamp = new Uint32Array(n * m * 2);
      this.stamp = 0;
    }
    const k = Math.max(n, m);
    if (this.pairedP.length < k) {
      this.pairedP = new Int32Array(k * 2).fill(-1);
      this.pairedC = new Int32Array(k * 2).fill(-1);
      this.pairP = new Int32Array(k * 2);
      this.pairC = new Int32Array(k * 2);
      this.support = new Int32Array(k * 2);
      this.mark = new Int32Array(k * 2);
      this.markStamp = new Uint32Array(k * 2);
      this.markNow = 0;
      this.partner = new Int32Array(k * 2);
      this.localSupport = new Int32Array(k * 2);
      this.pairWeight = new Float64Array(k * 2);
    }
    if (this.keptStride < k) {
      this.keptStride = k * 2;
      this.keptP = new Int32Array(KEPT * this.keptStride);
      this.keptC = new Int32Array(KEPT * this.keptStride);
    }
  }

  ensureEnds(pairs: number): void {
    if (this.err.length >= pairs) return;
    this.ends = new Int32Array(pairs * 4);
    this.next = new Int32Array(pairs * 4);
    this.err = new Float32Array(pairs * 2);
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

  /** Keeps the current graph if it is among the KEPT best by graph score. */
  keep(score: number): void {
    const { keptScore } = this;
    let slot = 0;
    for (let k = 1; k < KEPT; k++) if (keptScore[k] < keptScore[slot]) slot = k;
    if (keptScore[slot] >= score) return;
    const count = this.pairCount;
    keptScore[slot] = score;
    this.keptCount[slot] = count;
    const offset = slot * this.keptStride;
    const { keptP, keptC, pairP, pairC } = this;
    for (let i = 0; i < count; i++) {
      keptP[offset + i] = pairP[i];
      keptC[offset + i] = pairC[i];
    }
  }
}

const G = new Scratch();

// --- step 1: roots

/** Root order: more votes first, then the lower cell index. */
function before(v: number, i: number, u: number, k: number): boolean {
  return v > u || (v === u && i < k);
}

/**
 * Votes for minutia pairs through the probe's edge hash, records every agreeing edge pair in G.ends /
 * G.err, and fills G.rootP/rootC with the best-voted pairs; returns how many.
 */
function findRoots(probe: PreparedTemplate, cand: PreparedTemplate): number {
  const n = probe.count;
  const stride = cand.stride;
  const votes = G.votes;
  const hash = edgeHash(probe);
  const { start, f: hf, i: hi } = hash;
  const lookups = cand.lookupCount;
  const lookupEdge = cand.lookupEdge;
  const lookupBucket = cand.lookupBucket;
  const cLen = cand.edgeLength;
  const cRef = cand.edgeRefAngle;
  const cNbr = cand.edgeNbrAngle;
  const cTarget = cand.edgeTarget;
  const inverseMaxAngle = 1 / P.maxAngleError;
  // Worst case: every lookup meets a full bucket of agreeing entries.
  G.ensureEnds(lookups * hash.maxBucket);
  const ends = G.ends;
  const err = G.err;
  let count = 0;
  for (let u = 0; u < lookups; u++) {
    const edge = lookupEdge[u];
    const owner = edge >>> 5;
    const slot = owner * stride + ((edge >>> 1) & 15);
    const bucket = lookupBucket[u];
    const length = cLen[slot];
    // The edge's ends and angles in the orientation it is looked up in; cells are c * n + p.
    let from0 = owner * n;
    let to0 = cTarget[slot] * n;
    let ra = cRef[slot];
    let na = cNbr[slot];
    if (edge & 1) {
      const f = from0;
      from0 = to0;
      to0 = f;
      const r = ra;
      ra = na < Math.PI ? na + Math.PI : na - Math.PI;
      na = r < Math.PI ? r + Math.PI : r - Math.PI;
    }
    // Branch-free on purpose: which entries agree is data-dependent and unpredictable, and
    // mispredicted branches, not arithmetic, dominated the cost of this loop.
    for (let k = ENTRY * start[bucket], stop = ENTRY * start[bucket + 1]; k < stop; k += ENTRY) {
      // Each error is scaled to 1 at its tolerance.
      const dl = Math.abs(hf[k] - length) * hf[k + 1];
      const ra0 = Math.abs(hf[k + 2] - ra);
      const da = Math.min(ra0, TWO_PI - ra0) * inverseMaxAngle;
      const na0 = Math.abs(hf[k + 3] - na);
      const db = Math.min(na0, TWO_PI - na0) * inverseMaxAngle;
      const e = dl + da + db;
      const ok = Number(dl <= 1) * Number(da <= 1) * Number(db <= 1);
      // Recorded only when the edges agree (the count only moves then), still without a branch.
      err[count] = e;
      ends[2 * count] = from0 + hi[k + 4];
      ends[2 * count + 1] = to0 + hi[k + 5];
      count += ok;
    }
  }
  G.endCount = count;
  // Votes: each agreeing edge pair votes for the minutia pairs at both its ends, by its closeness.
  for (let e = 0; e < count; e++) {
    const w = 1 - err[e] * (1 / 3);
    votes[ends[2 * e]] += w;
    votes[ends[2 * e + 1]] += w;
  }
  // Top `wanted` cells by vote, ties to the lower cell index; each cell is read once and cleared. On the
  // way, every end of an agreeing edge pair is linked into its cell's adjacency list (for step 2).
  const { rootP, rootC, rootVote, head, headStamp, next } = G;
  const stamp = G.stamp;
  let found = 0;
  const wanted = G.withFlow ? POOL : ROOTS;
  // Vote of the weakest root kept once `wanted` are found (a cell needs at least this to enter).
  let bar = -1;
  for (let t = 0; t < 2 * count; t++) {
    const i = ends[t];
    // head[i] if the cell's list was started in this comparison, else -1 (arithmetic: no branch).
    next[t] = (head[i] + 1) * Number(headStamp[i] === stamp) - 1;
    head[i] = t;
    headStamp[i] = stamp;
    const v = votes[i];
    votes[i] = 0;
    // 0: already taken (a cell appears once per agreeing edge pair at it).
    if (v < bar || v === 0) continue;
    const c = (i / n) | 0;
    const p = i - c * n;
    if (found === wanted && !before(v, i, bar, rootC[wanted - 1] * n + rootP[wanted - 1])) continue;
    let j = found < wanted ? found++ : found - 1;
    while (j > 0 && before(v, i, rootVote[j - 1], rootC[j - 1] * n + rootP[j - 1])) {
      rootVote[j] = rootVote[j - 1];
      rootP[j] = rootP[j - 1];
      rootC[j] = rootC[j - 1];
      j--;
    }
    rootVote[j] = v;
    rootP[j] = p;
    rootC[j] = c;
    if (found === wanted) bar = rootVote[wanted - 1];
  }
  if (G.withFlow) found = rerankRoots(probe, cand, found);
  return found;
}

/** descriptorFactor of the pair (p, c), computed once per comparison. */
function flowFactor(probe: PreparedTemplate, cand: PreparedTemplate, p: number, c: number): number {
  const cell = c * probe.count + p;
  if (G.flowStamp[cell] === G.stamp) return G.flow[cell];
  const factor = descriptorFactor(descriptorSimilarity(probe.descriptor, p, cand.descriptor, c));
  G.flow[cell] = factor;
  G.flowStamp[cell] = G.stamp;
  return factor;
}

/**
 * Chooses the ROOTS best of the pooled roots by vote times their descriptors' agreement: the votes
 * count agreeing neighbour edges, which a genuine pair under distortion or with missing neighbours may
 * have few of and chance pairs of a dense print collect; the ridge flow around the pair tells them
 * apart. The pool is in vote order and a factor is at most 1, so once a pooled vote falls below the
 * weakest adjusted vote kept, no later one can enter: most comparisons judge only a few pooled roots.
 * Returns how many roots remain (in G.rootP/rootC, best first).
 */
function rerankRoots(probe: PreparedTemplate, cand: PreparedTemplate, found: number): number {
  const { rootP, rootC, rootVote, bestP, bestC, bestVote } = G;
  let kept = 0;
  for (let k = 0; k < found; k++) {
    const vote = rootVote[k];
    if (kept === ROOTS && vote <= bestVote[ROOTS - 1]) break;
    const adjusted = vote * flowFactor(probe, cand, rootP[k], rootC[k]);
    if (kept === ROOTS && adjusted <= bestVote[ROOTS - 1]) continue;
    // Insertion into the kept list; equal adjusted votes keep their vote order.
    let j = kept < ROOTS ? kept++ : kept - 1;
    while (j > 0 && bestVote[j - 1] < adjusted) {
      bestVote[j] = bestVote[j - 1];
      bestP[j] = bestP[j - 1];
      bestC[j] = bestC[j - 1];
      j--;
    }
    bestVote[j] = adjusted;
    bestP[j] = rootP[k];
    bestC[j] = rootC[k];
  }
  for (let k = 0; k < kept; k++) {
    rootVote[k] = bestVote[k];
    rootP[k] = bestP[k];
    rootC[k] = bestC[k];
  }
  return kept;
}

// --- step 2: pairing graphs over the recorded edge pairs

/** Queues every agreeing edge pair leaving the pair (p, c), or counts it as support when both ends are paired. */
function pushEdgePairs(n: number, p: number, c: number): void {
  const { pairedP, pairedC, support, ends, head, headStamp, next, err } = G;
  const self = pairedP[p];
  const cell = c * n + p;
  for (let s = (head[cell] + 1) * Number(headStamp[cell] === G.stamp) - 1; s >= 0; s = next[s]) {
    const other = ends[s ^ 1];
    const r = (other / n) | 0;
    const q = other - r * n;
    const qPair = pairedP[q];
    if (qPair !== pairedC[r]) continue; // one end paired elsewhere, or both paired to different partners
    if (qPair >= 0) {
      // Both ends already paired to each other: this edge confirms the two pairs.
      support[qPair]++;
      support[self]++;
    } else {
      G.heapPush(err[s >> 1], q, r);
    }
  }
}

/** Grows the graph of root (p0, c0) into G.pairP/pairC/support. Call clearGraph() once done with it. */
function expand(n: number, p0: number, c0: number): void {
  const { pairedP, pairedC } = G;
  G.pairCount = 0;
  G.heapSize = 0;
  G.addPair(p0, c0);
  pushEdgePairs(n, p0, c0);
  while (G.heapSize > 0) {
    const top = G.heapPop();
    const q = top >>> 16;
    const r = top & 0xffff;
    if (pairedP[q] >= 0 || pairedC[r] >= 0) continue;
    G.addPair(q, r);
    pushEdgePairs(n, q, r);
  }
}

/** Restores pairedP/pairedC to all -1 (touching only the graph's own minutiae). */
function clearGraph(): void {
  const { pairedP, pairedC, pairP, pairC } = G;
  for (let i = 0; i < G.pairCount; i++) {
    pairedP[pairP[i]] = -1;
    pairedC[pairC[i]] = -1;
  }
}

/** Graph score of the graph in G: its confirmed pairs, weighted by their confirming edges. Ranks graphs. */
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

// --- steps 3 and 4: consolidation and score

/**
 * Local support of every assigned pair (p, c): the neighbour edges p->q whose end q is assigned to an r
 * that c reaches by an agreeing edge c->r. Leaves them in G.localSupport.
 */
function measureSupport(probe: PreparedTemplate, cand: PreparedTemplate, pairs: number): void {
  const { partner, mark, markStamp, localSupport } = G;
  const pp = assignment.probe;
  const cc = assignment.candidate;
  partner.fill(-1, 0, probe.count);
  for (let i = 0; i < pairs; i++) partner[pp[i]] = cc[i];
  const pLen = probe.edgeLength;
  const pRef = probe.edgeRefAngle;
  const pNbr = probe.edgeNbrAngle;
  const pTarget = probe.edgeTarget;
  const cLen = cand.edgeLength;
  const cRef = cand.edgeRefAngle;
  const cNbr = cand.edgeNbrAngle;
  const cTarget = cand.edgeTarget;
  const maxAngle = P.maxAngleError;
  if (G.markNow > 0xfffffff0) {
    markStamp.fill(0);
    G.markNow = 0;
  }
  for (let i = 0; i < pairs; i++) {
    const p = pp[i];
    const c = cc[i];
    const now = ++G.markNow;
    const cBase = c * cand.stride;
    const cEnd = cBase + cand.edgeCount[c];
    for (let s = cBase; s < cEnd; s++) {
      mark[cTarget[s]] = s;
      markStamp[cTarget[s]] = now;
    }
    let support = 0;
    const pBase = p * probe.stride;
    const pEnd = pBase + probe.edgeCount[p];
    for (let s = pBase; s < pEnd; s++) {
      const r = partner[pTarget[s]];
      if (r < 0 || markStamp[r] !== now) continue;
      const e = mark[r];
      const pl = pLen[s];
      if (Math.abs(pl - cLen[e]) > lengthTolerance(pl)) continue;
      let da = Math.abs(pRef[s] - cRef[e]);
      if (da > Math.PI) da = TWO_PI - da;
      if (da > maxAngle) continue;
      let db = Math.abs(pNbr[s] - cNbr[e]);
      if (db > Math.PI) db = TWO_PI - db;
      if (db > maxAngle) continue;
      support++;
    }
    localSupport[i] = support;
  }
}

/**
 * Sum of the pair weights of the current assignment: closeness, scaled by local support and, when both
 * templates carry orientation descriptors, by how well the ridge flow around the two minutiae agrees. A
 * pair with no agreeing neighbour edge counts (1 - supportShare), one with supportCap of them in full.
 */
function pairWeights(probe: PreparedTemplate, cand: PreparedTemplate, pairs: number): number {
  measureSupport(probe, cand, pairs);
  const share = P.supportShare;
  const cap = P.supportCap;
  const { localSupport, pairWeight } = G;
  const flow = G.withFlow;
  const pp = assignment.probe;
  const cc = assignment.candidate;
  let weight = 0;
  for (let i = 0; i < pairs; i++) {
    const support = Math.min(localSupport[i], cap);
    let w = assignment.closeness[i] * (1 - share + (share * support) / cap);
    if (flow) w *= flowFactor(probe, cand, pp[i], cc[i]);
    pairWeight[i] = w;
    weight += w;
  }
  return weight;
}

/**
 * The score the loose first round's pairs would give (closeness only, common area under the first
 * transform). Later rounds rarely do better (the final score is a median 0.6 and a 99th percentile 1.1
 * times this on FVC2002), so a consolidation estimated below consolidationFloor is not worth finishing.
 */
function estimate(probe: PreparedTemplate, cand: PreparedTemplate, pairs: number): number {
  measureOverlap(cand);
  let w = 0;
  if (G.withFlow) {
    const pp = assignment.probe;
    const cc = assignment.candidate;
    for (let i = 0; i < pairs; i++) w += assignment.closeness[i] * flowFactor(probe, cand, pp[i], cc[i]);
  } else {
    for (let i = 0; i < pairs; i++) w += assignment.closeness[i];
  }
  const np = Math.max(assignment.overlapProbe, pairs, G.gates.minOverlapCount);
  const nc = Math.max(assignment.overlapCandidate, pairs, G.gates.minOverlapCount);
  return (w * w) / Math.sqrt(np * nc);
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
 * Consolidates the kept graph in `slot` (ICP-like rounds: a loose first assignment recovers pairs the
 * graph missed, each refit tightens), leaving the final assignment in `assignment` and the transform in
 * G.transform. Returns the score, or 0 when it cannot beat `toBeat`.
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
    if (round === 0 && pairs * pairs < toBeat * Math.max(pairs, G.gates.minOverlapCount)) return 0;
    if (
      round === 0 &&
      G.gates.consolidationFloor > 0 &&
      estimate(probe, cand, pairs) < G.gates.consolidationFloor
    )
      return 0;
    if (round < rounds - 1) {
      // Same pairs as the round before: the refit would give the same transform and the same pairs again.
      if (round > 0 && pairs === previous && sameAsSaved(pairs)) break;
      savePairs(pairs);
      fitTransform(probe, cand, assignment.probe, assignment.candidate, 0, pairs, t);
    }
  }
  measureOverlap(cand);
  const weight = pairWeights(probe, cand, pairs);
  // The score grows with the square of the weighted pair count and falls with the geometric mean of the
  // minutiae in the common area (each counted at least minOverlapCount), so it rewards many pairs, and
  // many pairs out of few chances, but not a handful of pairs in a sliver of overlap.
  const np = Math.max(assignment.overlapProbe, pairs, G.gates.minOverlapCount);
  const nc = Math.max(assignment.overlapCandidate, pairs, G.gates.minOverlapCount);
  return (weight * weight) / Math.sqrt(np * nc);
}

/** Runs the whole comparison; returns the score and leaves the winning kept slot in G.bestSlot (-1 for none). */
function run(probe: PreparedTemplate, cand: PreparedTemplate): number {
  const n = probe.count;
  const m = cand.count;
  G.bestSlot = -1;
  if (n === 0 || m === 0) return 0;
  G.ensure(n, m);
  G.withFlow = probe.descriptorLength > 0 && cand.descriptorLength > 0;
  G.gates = G.withFlow ? FLOW_GATES : MINUTIAE_GATES;
  for (let k = 0; k < KEPT; k++) {
    G.keptScore[k] = 0;
    G.keptCount[k] = 0;
  }
  const tried = G.tried;
  if (G.stamp === 0xffffffff) {
    tried.fill(0);
    G.headStamp.fill(0);
    G.flowStamp.fill(0);
    G.stamp = 0;
  }
  const stamp = ++G.stamp;
  const roots = findRoots(probe, cand);
  for (let k = 0; k < roots; k++) {
    const p0 = G.rootP[k];
    const c0 = G.rootC[k];
    // A root already inside an earlier graph would grow (nearly) the same graph again.
    if (tried[c0 * n + p0] === stamp) continue;
    expand(n, p0, c0);
    for (let i = 0; i < G.pairCount; i++) tried[G.pairC[i] * n + G.pairP[i]] = stamp;
    G.keep(graphScore(probe, cand));
    clearGraph();
  }
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
  let best = 0;
  let bestSlot = -1;
  for (let k = 0; k < KEPT; k++) {
    const slot = order[k];
    if (G.keptCount[slot] < G.gates.minGraphPairs) continue;
    // Sorted by graph score: every remaining graph is weaker still.
    if (G.keptScore[slot] < G.gates.minGraphScore) break;
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

/**
 * A ridge-flow comparison's raw score on the common score scale (the minutiae-only calibration's): the
 * score with the same false match rate. Flow scores run lower for genuine and impostor pairs alike, and
 * one search may compare a probe with templates that have orientation maps and with imported ones that
 * have none: ranked on one scale, neither kind is favoured.
 */
function onCommonScale(raw: number): number {
  return G.withFlow ? rescore(raw, FLOW_CALIBRATION, SHIPPED_CALIBRATION) : raw;
}

/** Similarity score of two prepared templates (0 = nothing in common). Allocates nothing in steady state. */
export function compareScore(probe: PreparedTemplate, cand: PreparedTemplate): number {
  return onCommonScale(run(probe, cand));
}

/** The score before a ridge-flow comparison is put on the common scale: what the calibration is built from. */
export function rawComparisonScore(probe: PreparedTemplate, cand: PreparedTemplate): number {
  return run(probe, cand);
}

export interface PairingResult {
  score: number;
  probe: Int32Array;
  candidate: Int32Array;
  /** Per pair: neighbour edges that agree at both ends of the pair (its local support). */
  support: Int32Array;
  /** Per pair: its share of the score (the shares sum to the score). */
  contribution: Float64Array;
  /** Per pair: ridge-flow agreement 0-1 of the two minutiae's descriptors, -1 where not judged. */
  ridgeFlow: Float64Array;
  transform: Affine;
}

/** The full result of a comparison, for explanation: pairs, per-pair contributions, transform. */
export function comparePairing(probe: PreparedTemplate, cand: PreparedTemplate): PairingResult {
  const score = onCommonScale(run(probe, cand));
  const slot = G.bestSlot;
  if (slot < 0) {
    return {
      score: 0,
      probe: new Int32Array(0),
      candidate: new Int32Array(0),
      support: new Int32Array(0),
      contribution: new Float64Array(0),
      ridgeFlow: new Float64Array(0),
      transform: { a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0 },
    };
  }
  // Re-run the winning consolidation to leave its assignment, weights and transform in the scratch.
  consolidate(probe, cand, slot, 0);
  const pairs = assignment.count;
  let weight = 0;
  for (let i = 0; i < pairs; i++) weight += G.pairWeight[i];
  const contribution = Float64Array.from(G.pairWeight.subarray(0, pairs), (w) =>
    weight > 0 ? (w * score) / weight : 0,
  );
  const probePairs = assignment.probe.slice(0, pairs);
  const candidatePairs = assignment.candidate.slice(0, pairs);
  const ridgeFlow = Float64Array.from(probePairs, (p, i) =>
    G.withFlow ? descriptorSimilarity(probe.descriptor, p, cand.descriptor, candidatePairs[i]) : -1,
  );
  return {
    score,
    probe: probePairs,
    candidate: candidatePairs,
    ridgeFlow,
    support: G.localSupport.slice(0, pairs),
    contribution,
    transform: { ...G.transform },
  };
}
