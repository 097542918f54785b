/**
 * The edge hash that finds roots: a table of the probe's neighbour edges by (length, reference angle,
 * neighbour angle) bucket, each edge filed under every bucket its tolerance box touches, so that a
 * candidate edge only has to look in its own bucket (SourceAFIS files probe edges the same way).
 *
 * Which edges take part ("root edges"): the edges of each minutia to its `rootNeighborCount` nearest
 * neighbours that are at least `minRootEdgeLength` long. They are matched as undirected edges: the probe
 * files each one in both directions, the candidate looks each one up once (the direction it is stored
 * in, or for mutual neighbours the one leaving the lower index). So an agreeing pair of edges is found
 * exactly once however the nearest-neighbour relations differ between the two prints (a neighbour of
 * mine need not count me among its own nearest), and a probe edge never votes twice.
 *
 * The candidate side's lookups (edge and bucket) are computed once, in prepareTemplate; the probe side's
 * table is built once per probe (and cached), so that in 1:N the comparison only reads.
 */
import { matchParameters as P } from './parameters.js';

const TWO_PI = 2 * Math.PI;

/** Length tolerance of an edge, px: absolute part plus a part proportional to the length. */
export function lengthTolerance(length: number): number {
  return P.maxDistanceError + P.distanceErrorRatio * length;
}

const LENGTH_BIN = P.hashLengthBin;
const ANGLE_BINS = P.hashAngleBins;
const INVERSE_ANGLE_BIN = ANGLE_BINS / TWO_PI;
const INVERSE_LENGTH_BIN = 1 / LENGTH_BIN;
// Edges longer than hashMaxLength share the last length bin (root edges join near neighbours, so such
// edges are rare); a smaller table stays in the fastest cache.
const LENGTH_BINS = Math.ceil((P.hashMaxLength + lengthTolerance(P.hashMaxLength)) / LENGTH_BIN) + 1;
/** Buckets of the table (a Uint16 bucket number always fits). */
export const BUCKETS = LENGTH_BINS * ANGLE_BINS * ANGLE_BINS;

/** The bucket an edge falls in (lengths and angles are non-negative, angles below 2*pi). */
export function bucketOf(length: number, refAngle: number, nbrAngle: number): number {
  // Truncation is the floor for non-negative values; only rounding can reach ANGLE_BINS, hence the wrap.
  const l = Math.min(LENGTH_BINS - 1, (length * INVERSE_LENGTH_BIN) | 0);
  let a = (refAngle * INVERSE_ANGLE_BIN) | 0;
  let b = (nbrAngle * INVERSE_ANGLE_BIN) | 0;
  if (a >= ANGLE_BINS) a -= ANGLE_BINS;
  if (b >= ANGLE_BINS) b -= ANGLE_BINS;
  return (l * ANGLE_BINS + a) * ANGLE_BINS + b;
}

/** Calls `visit` with every bucket the tolerance box of the edge touches. */
function forEachBucket(
  length: number,
  refAngle: number,
  nbrAngle: number,
  visit: (bucket: number) => void,
): void {
  const tol = lengthTolerance(length);
  const l0 = Math.max(0, Math.floor((length - tol) * INVERSE_LENGTH_BIN));
  const l1 = Math.min(LENGTH_BINS - 1, Math.floor((length + tol) * INVERSE_LENGTH_BIN));
  const a0 = Math.floor((refAngle - P.maxAngleError) * INVERSE_ANGLE_BIN);
  const a1 = Math.floor((refAngle + P.maxAngleError) * INVERSE_ANGLE_BIN);
  const b0 = Math.floor((nbrAngle - P.maxAngleError) * INVERSE_ANGLE_BIN);
  const b1 = Math.floor((nbrAngle + P.maxAngleError) * INVERSE_ANGLE_BIN);
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

/** The edge data a root edge hash or lookup needs (the prepared template's edge arrays). */
export interface EdgeTable {
  readonly count: number;
  readonly stride: number;
  readonly edgeCount: Uint8Array;
  readonly edgeTarget: Uint16Array;
  readonly edgeLength: Float32Array;
  readonly edgeRefAngle: Float32Array;
  readonly edgeNbrAngle: Float32Array;
}

/** Whether slot `slot`, position `s` in its minutia's edge list, is a root edge. */
function isRootSlot(t: EdgeTable, s: number, slot: number): boolean {
  return s < P.rootNeighborCount && t.edgeLength[slot] >= P.minRootEdgeLength;
}

/** Whether b's root edges include the edge b->a. */
function hasRootEdge(t: EdgeTable, b: number, a: number): boolean {
  const base = b * t.stride;
  const end = base + Math.min(t.edgeCount[b], P.rootNeighborCount);
  for (let slot = base; slot < end; slot++)
    if (t.edgeTarget[slot] === a) return t.edgeLength[slot] >= P.minRootEdgeLength;
  return false;
}

/**
 * Calls `visit(slot)` once per undirected root edge: with the slot of a->b where b is among a's root
 * neighbours, skipping the second slot of mutual neighbours.
 */
function forEachRootEdge(t: EdgeTable, visit: (slot: number) => void): void {
  for (let a = 0; a < t.count; a++) {
    for (let s = 0; s < t.edgeCount[a]; s++) {
      const slot = a * t.stride + s;
      if (!isRootSlot(t, s, slot)) continue;
      const b = t.edgeTarget[slot];
      if (b < a && hasRootEdge(t, b, a)) continue;
      visit(slot);
    }
  }
}

// An undirected edge has two descriptions: (reference angle r, neighbour angle n) from one end and
// (n + pi, r + pi) from the other. Its canonical orientation is the one with the smaller reference angle.
// Both sides use it, so each edge is compared once; the probe also files the other orientation of the
// edges whose choice a tolerated angle error could flip (about a quarter of them).

/** The reference angle of the other orientation. */
function reverseRef(nbr: number): number {
  return (nbr + Math.PI) % TWO_PI;
}

/** Whether (ref, nbr) is the canonical orientation of its edge. */
function isCanonical(ref: number, nbr: number): boolean {
  return ref <= reverseRef(nbr);
}

const AMBIGUITY = P.maxAngleError + 1e-6;

/** Whether angle errors within tolerance could make the other orientation canonical. */
function isAmbiguous(ref: number, nbr: number): boolean {
  const other = reverseRef(nbr);
  return (
    Math.abs(ref - other) <= 2 * AMBIGUITY ||
    Math.min(ref, other) <= AMBIGUITY ||
    Math.max(ref, other) >= TWO_PI - AMBIGUITY
  );
}

/**
 * Fills the lookup list of a template (see PreparedTemplate.lookupEdge): every undirected root edge
 * once, in its canonical orientation. Returns how many.
 */
export function fillLookups(t: EdgeTable, edges: Uint32Array, buckets: Uint16Array): number {
  // Edges looked up as stored first, then the reversed ones: the comparison's branch on the direction
  // then changes once per template instead of at random.
  let count = 0;
  for (const reversed of [false, true]) {
    forEachRootEdge(t, (slot) => {
      const length = t.edgeLength[slot];
      const ref = t.edgeRefAngle[slot];
      const nbr = t.edgeNbrAngle[slot];
      if (isCanonical(ref, nbr) === reversed) return;
      const owner = (slot / t.stride) | 0;
      edges[count] = (owner << 5) | ((slot - owner * t.stride) << 1) | (reversed ? 1 : 0);
      buckets[count] = reversed
        ? bucketOf(length, reverseRef(nbr), reverseRef(ref))
        : bucketOf(length, ref, nbr);
      count++;
    });
  }
  return count;
}

export interface EdgeHash {
  /** Bucket b holds entries start[b] .. start[b+1]-1. */
  readonly start: Uint32Array;
  /** Entries in the fullest bucket (bounds the agreements one lookup can find). */
  readonly maxBucket: number;
  /**
   * Entry k is the words ENTRY*k .. ENTRY*k+5 of one buffer (a lookup reads one run of memory): as
   * floats the edge's length, 1 / its length tolerance, reference angle and neighbour angle; as integers
   * the probe minutia it leaves and the one it reaches.
   */
  readonly f: Float32Array;
  readonly i: Int32Array;
}

/** Words per hash entry. */
export const ENTRY = 6;

const hashCache = new WeakMap<object, EdgeHash>();

/** The probe's edge hash (built on first use and cached with the template). */
export function edgeHash(t: EdgeTable): EdgeHash {
  const cached = hashCache.get(t);
  if (cached) return cached;
  // Filed orientations as (length, reference angle, neighbour angle, from, to).
  const edges: number[] = [];
  forEachRootEdge(t, (slot) => {
    const a = (slot / t.stride) | 0;
    const b = t.edgeTarget[slot];
    const length = t.edgeLength[slot];
    const ref = t.edgeRefAngle[slot];
    const nbr = t.edgeNbrAngle[slot];
    const canonical = isCanonical(ref, nbr);
    const both = isAmbiguous(ref, nbr);
    if (canonical || both) edges.push(length, ref, nbr, a, b);
    if (!canonical || both) edges.push(length, reverseRef(nbr), reverseRef(ref), b, a);
  });
  const counts = new Uint32Array(BUCKETS + 1);
  for (let e = 0; e < edges.length; e += 5)
    forEachBucket(edges[e], edges[e + 1], edges[e + 2], (bucket) => counts[bucket + 1]++);
  for (let b = 0; b < BUCKETS; b++) counts[b + 1] += counts[b];
  let maxBucket = 0;
  for (let b = 0; b < BUCKETS; b++) maxBucket = Math.max(maxBucket, counts[b + 1] - counts[b]);
  const fill = counts.slice(0, BUCKETS);
  const buffer = new ArrayBuffer(4 * ENTRY * counts[BUCKETS]);
  const f = new Float32Array(buffer);
  const i = new Int32Array(buffer);
  for (let e = 0; e < edges.length; e += 5) {
    forEachBucket(edges[e], edges[e + 1], edges[e + 2], (bucket) => {
      const k = ENTRY * fill[bucket]++;
      f[k] = edges[e];
      f[k + 1] = 1 / lengthTolerance(edges[e]);
      f[k + 2] = edges[e + 1];
      f[k + 3] = edges[e + 2];
      i[k + 4] = edges[e + 3];
      i[k + 5] = edges[e + 4];
    });
  }
  const hash: EdgeHash = { start: counts, maxBucket, f, i };
  hashCache.set(t, hash);
  return hash;
}
