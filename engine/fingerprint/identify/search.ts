/**
 * 1:N search of a gallery snapshot, in two stages.
 *
 * 1. Candidate selection by binary code: every eligible entry's code (code.ts) is compared with the
 *    probe's by codeScore (shared set bits, corrected for the entry's own set bits), 32 bits at a
 *    time with a SWAR popcount, and the best `candidatesToRerank` are kept in a min-heap. The codes
 *    are alignment-free sets of minutia-pair shapes, as the matcher's edges are described, so this
 *    is an indexing stage in the spirit of MCC-based and
 *    minutia-triplet indexing (Cappelli, Ferrara & Maltoni 2011; Germain et al. 1997): local,
 *    rotation- and translation-invariant structures, no registration.
 * 2. The full matcher (compareTemplates) on those candidates, read in place from the shared template
 *    buffer with viewPrepared, and ranked by its score.
 *
 * Everything is synchronous and pure (no I/O, no shared mutable state but the matcher's per-thread
 * scratch), so a piscina thread can run it on a snapshot posted to it.
 */
import { IdmError } from '../../errors.js';
import {
  type PreparedTemplate,
  compareTemplates,
  comparisonLogLr,
  indexProbe,
  prepareTemplate,
  scoreToFmr,
  viewPrepared,
} from '../match/index.js';
import type { FingerprintTemplate } from '../types.js';
import { codeScore, identificationCode, sharedBits, sizeNormalizer } from './code.js';
import type { GallerySnapshot } from './gallery.js';
import { sharedStringAt } from './shared-strings.js';
import { identifyParameters as P } from './parameters.js';

export type SearchMode = 'finger' | 'latent';

export interface SearchOptions {
  /** 'finger': a rolled or plain impression; 'latent': a partial print, position unknown. */
  mode: SearchMode;
  /** Candidates returned (default 20 finger, 50 latent). */
  limit?: number;
  /**
   * Gallery positions to search (entries of unknown position 0 are always searched). Default: all
   * positions, except in finger mode with a probe of known position, which searches that position.
   */
  positions?: number[];
  /** Candidates the code stage passes to the full matcher; at least the gallery size = exhaustive. */
  candidatesToRerank?: number;
  /**
   * Search only the slots [from, to) of the snapshot: a pool shards one search across threads this
   * way and merges the lists with mergeCandidates() (each shard re-ranks its own best code matches,
   * so the merged list is at least as good as an unsharded search with the same candidatesToRerank).
   */
  slots?: [number, number];
}

export interface Candidate {
  id: string;
  subjectId: string;
  position: number;
  /** Full matcher score. */
  score: number;
  /** False match rate of that score (shipped calibration). */
  fmr: number;
  /** log10 likelihood ratio of the comparison (comparisonLogLr). */
  log10Lr: number;
  /** 1-based. */
  rank: number;
}

/** Typed-array views of a snapshot (cheap; cached per snapshot object). */
export interface SnapshotViews {
  codes: Uint32Array;
  codeBits: Uint16Array;
  positions: Uint8Array;
  subjects: Int32Array;
  alive: Uint8Array;
  offsets: Uint32Array;
}

const viewCache = new WeakMap<GallerySnapshot, SnapshotViews>();

export function snapshotViews(s: GallerySnapshot): SnapshotViews {
  let v = viewCache.get(s);
  if (!v) {
    v = {
      codes: new Uint32Array(s.codes),
      codeBits: new Uint16Array(s.codeBits),
      positions: new Uint8Array(s.positions),
      subjects: new Int32Array(s.subjects),
      alive: new Uint8Array(s.alive),
      offsets: new Uint32Array(s.offsets),
    };
    viewCache.set(s, v);
  }
  return v;
}

/** The prepared template of entry `slot`, read in place from the shared buffer. */
export function galleryTemplate(s: GallerySnapshot, slot: number): PreparedTemplate {
  return viewPrepared(s.templates, 4 * snapshotViews(s).offsets[slot]);
}

/** Which positions a search covers: a 256-entry mask, or undefined for all. */
function positionMask(positions: number[] | undefined): Uint8Array | undefined {
  if (!positions) return undefined;
  const mask = new Uint8Array(256);
  mask[0] = 1;
  for (const p of positions) {
    if (!Number.isInteger(p) || p < 0 || p > 255)
      throw new IdmError('IDM_VALIDATION', `finger position must be an integer 0-255, got ${p}`);
    mask[p] = 1;
  }
  return mask;
}

function slotRange(s: GallerySnapshot, range: [number, number] | undefined): [number, number] {
  if (!range) return [0, s.count];
  const [from, to] = range;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from)
    throw new IdmError('IDM_VALIDATION', `slot range must be integers 0 <= from <= to, got [${from}, ${to}]`);
  return [from, Math.min(to, s.count)];
}

/**
 * Stage 1: the `keep` eligible entries whose codes are most similar to the probe's, as slots in
 * decreasing similarity (codeScore with the given size exponent: latent searches pass their own). With
 * keep >= the number of eligible entries every eligible slot is returned.
 */
export function codeCandidates(
  s: GallerySnapshot,
  probe: PreparedTemplate,
  keep: number,
  positions?: number[],
  range?: [number, number],
  sizeExponent: number = P.codeSizeExponent,
): { slots: Int32Array; similarity: Float32Array } {
  const normalizer = sizeNormalizer(sizeExponent);
  const v = snapshotViews(s);
  const words = identificationCode(probe);
  if (words.length !== s.codeWords)
    throw new IdmError('IDM_VALIDATION', `probe code has ${words.length} words, gallery ${s.codeWords}`);
  const mask = positionMask(positions);
  const cw = s.codeWords;
  const { codes, codeBits, alive, positions: pos } = v;
  // Min-heap of the best `keep` (similarity, slot).
  const cap = Math.max(1, Math.min(keep, s.count));
  const heapSim = new Float64Array(cap);
  const heapSlot = new Int32Array(cap);
  let size = 0;
  const [from, to] = slotRange(s, range);
  for (let slot = from; slot < to; slot++) {
    if (alive[slot] === 0) continue;
    if (mask !== undefined && mask[pos[slot]] === 0) continue;
    const both = sharedBits(codes, slot * cw, words, cw);
    const sim = codeScore(both, codeBits[slot], normalizer);
    if (size < cap) {
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heapSim[parent] <= sim) break;
        heapSim[i] = heapSim[parent];
        heapSlot[i] = heapSlot[parent];
        i = parent;
      }
      heapSim[i] = sim;
      heapSlot[i] = slot;
    } else if (sim > heapSim[0]) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && heapSim[child + 1] < heapSim[child]) child++;
        if (heapSim[child] >= sim) break;
        heapSim[i] = heapSim[child];
        heapSlot[i] = heapSlot[child];
        i = child;
      }
      heapSim[i] = sim;
      heapSlot[i] = slot;
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort(
    (a, b) => heapSim[b] - heapSim[a] || heapSlot[a] - heapSlot[b],
  );
  return {
    slots: Int32Array.from(order, (i) => heapSlot[i]),
    similarity: Float32Array.from(order, (i) => heapSim[i]),
  };
}

/** Stage 2: full-matcher scores of a prepared probe against the given slots. */
export function rerank(s: GallerySnapshot, probe: PreparedTemplate, slots: Int32Array): Float64Array {
  indexProbe(probe);
  const scores = new Float64Array(slots.length);
  for (let i = 0; i < slots.length; i++) scores[i] = compareTemplates(probe, galleryTemplate(s, slots[i]));
  return scores;
}

function defaultPositions(probe: FingerprintTemplate, options: SearchOptions): number[] | undefined {
  if (options.positions) return options.positions;
  if (options.mode === 'finger' && probe.position !== undefined && probe.position >= 1 && probe.position <= 10)
    return [probe.position];
  return undefined;
}

/** Validates a positive integer option. */
function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new IdmError('IDM_VALIDATION', `${name} must be a positive integer, got ${n}`);
  return n;
}

/** Candidates a latent search re-ranks by default among `fingers` searched (see parameters.ts). */
export function latentCandidateCount(fingers: number): number {
  return Math.max(P.latentCandidates, Math.ceil(P.latentCandidateShare * fingers));
}

/** A prepared probe against a snapshot: (slot, score) of the best `limit`, best first. */
export function searchSlots(
  s: GallerySnapshot,
  probe: PreparedTemplate,
  options: SearchOptions,
): Array<{ slot: number; score: number }> {
  const latent = options.mode === 'latent';
  const limit = positiveInteger(options.limit, latent ? P.latentLimit : P.fingerLimit, 'limit');
  const [from, to] = slotRange(s, options.slots);
  const rerankCount = positiveInteger(
    options.candidatesToRerank,
    latent ? latentCandidateCount(to - from) : P.fingerCandidates,
    'candidatesToRerank',
  );
  const exponent = latent ? P.latentCodeSizeExponent : P.codeSizeExponent;
  const { slots } = codeCandidates(s, probe, Math.max(rerankCount, limit), options.positions, options.slots, exponent);
  const scores = rerank(s, probe, slots);
  const order = Array.from({ length: slots.length }, (_, i) => i).sort(
    (a, b) => scores[b] - scores[a] || slots[a] - slots[b],
  );
  return order.slice(0, limit).map((i) => ({ slot: slots[i], score: scores[i] }));
}

/** A prepared probe searched against a snapshot; the candidate list, best first. */
export function searchPrepared(s: GallerySnapshot, probe: PreparedTemplate, options: SearchOptions): Candidate[] {
  const v = snapshotViews(s);
  return searchSlots(s, probe, options).map(({ slot, score }, r) => ({
    id: sharedStringAt(s.ids, slot),
    subjectId: sharedStringAt(s.subjectIds, v.subjects[slot]),
    position: v.positions[slot],
    score,
    fmr: scoreToFmr(score),
    log10Lr: comparisonLogLr(probe, galleryTemplate(s, slot), score),
    rank: r + 1,
  }));
}

/** Searches one finger (or latent) against a snapshot: the candidate list, best first. */
export function searchSnapshot(
  snapshot: GallerySnapshot,
  probe: FingerprintTemplate,
  options: SearchOptions,
): Candidate[] {
  if (options.mode !== 'finger' && options.mode !== 'latent')
    throw new IdmError('IDM_VALIDATION', `search mode must be 'finger' or 'latent', got ${String(options.mode)}`);
  return searchPrepared(snapshot, prepareTemplate(probe), { ...options, positions: defaultPositions(probe, options) });
}

/** Merges the candidate lists of shards of one search: best scores first, ranks renumbered. */
export function mergeCandidates(lists: Candidate[][], limit: number): Candidate[] {
  return lists
    .flat()
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit)
    .map((c, i) => ({ ...c, rank: i + 1 }));
}
