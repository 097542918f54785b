/**
 * Familial search: ranks every profile of a database by its kinship index to a probe (parent-child and
 * full-sibling by default), keeping those above a threshold, best first, up to a top-K.
 *
 * Speed: the kinship index of a locus depends only on the probe's genotype (fixed) and the candidate's
 * allele set, so each locus gets a table log10 KI per dictionary code of the database's column
 * (search.ts); scoring a profile is then one table look-up and one addition per locus. The scan runs
 * in blocks of slots so the running sums stay in L1 cache while each column is streamed.
 */
import type { MutationModel } from '../dvi/mutation.js';
import { IdmError } from '../errors.js';
import { alleleFrequency, type FrequencyTable } from './frequencies.js';
import { isAutosomal, type StrProfile } from './profile.js';
import type { ProfileDatabase } from './search.js';
import { IBD_COEFFICIENTS, kinshipLocusLr, locusMutation, type Relationship } from './stats.js';

export interface FamilialOptions {
  frequencies: FrequencyTable;
  /** Hypotheses to rank by; default parent-child and full-sibling. */
  relationships?: Relationship[];
  /** Minimum kinship index kept; default 1 (more likely related than not). */
  threshold?: number;
  /** Candidates kept per relationship, best first; default 50. */
  topK?: number;
  /** Loci compared (typed in both) a candidate needs; default min(8, the probe's usable loci). */
  minSharedLoci?: number;
  /** Mutation model for parent-child transmissions (both directions averaged, see below). */
  mutation?: MutationModel;
  /** Subpopulation correction of the kinship indices; default 0 (Hardy-Weinberg). */
  theta?: number;
  /** Ids never returned (e.g. the probe's own record). */
  exclude?: readonly string[];
}

export interface FamilialCandidate {
  id: string;
  rank: number;
  lr: number;
  log10Lr: number;
  sharedLoci: number;
}

export interface FamilialRanking {
  relationship: Relationship;
  candidates: FamilialCandidate[];
  /** Profiles scored (live, with enough shared loci). */
  scored: number;
  /** Profiles at or above the threshold (before the top-K cut). */
  aboveThreshold: number;
}

const BLOCK = 4096;

/** A fixed-size min-heap on score keeping the K best slots. */
class TopK {
  readonly scores: Float64Array;
  readonly slots: Int32Array;
  size = 0;
  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.slots = new Int32Array(k);
  }
  /** Smallest score kept once full (the bar a new entry must beat). */
  get bar(): number {
    return this.size < this.k ? Number.NEGATIVE_INFINITY : this.scores[0];
  }
  push(score: number, slot: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent] <= score) break;
        this.scores[i] = this.scores[parent];
        this.slots[i] = this.slots[parent];
        i = parent;
      }
      this.scores[i] = score;
      this.slots[i] = slot;
      return;
    }
    if (score <= this.scores[0]) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.scores[r] < this.scores[l] ? r : l;
      if (this.scores[c] >= score) break;
      this.scores[i] = this.scores[c];
      this.slots[i] = this.slots[c];
      i = c;
    }
    this.scores[i] = score;
    this.slots[i] = slot;
  }
}

/**
 * The log10 kinship-index table of one locus over a column's dictionary. For parent-child with a
 * mutation model the index is the mean of "probe is the parent" and "probe is the child" (equal prior
 * on the direction), since a familial search does not know which one the candidate would be.
 */
function locusTable(
  probeAlleles: readonly string[],
  alleleSets: readonly string[][],
  locus: string,
  relationship: Relationship,
  table: FrequencyTable,
  mutation: MutationModel | undefined,
  theta: number,
): { log10: Float64Array; usable: Uint8Array } {
  const k = IBD_COEFFICIENTS[relationship];
  const freq = (x: string) => alleleFrequency(table, locus, x) as number;
  const log10 = new Float64Array(alleleSets.length);
  const usable = new Uint8Array(alleleSets.length);
  let model: ReturnType<typeof locusMutation>;
  if (relationship === 'parent-child' && mutation !== undefined) {
    const extra = new Set<string>(probeAlleles);
    for (const set of alleleSets) for (const a of set) extra.add(a);
    model = locusMutation(table, locus, mutation, extra);
  }
  for (let code = 1; code < alleleSets.length; code++) {
    const c = alleleSets[code];
    if (c.length === 0 || c.length > 2) continue; // mixtures are not scored
    const lr =
      model === undefined
        ? kinshipLocusLr(probeAlleles, c, k, freq, undefined, theta)
        : 0.5 *
          (kinshipLocusLr(probeAlleles, c, k, freq, model, theta) +
            kinshipLocusLr(c, probeAlleles, k, freq, model, theta));
    log10[code] = lr > 0 ? Math.log10(lr) : Number.NEGATIVE_INFINITY;
    usable[code] = 1;
  }
  return { log10, usable };
}

/** Ranks the database by kinship index to the probe, once per relationship. */
export function familialSearch(
  db: ProfileDatabase,
  probe: StrProfile,
  options: FamilialOptions,
): FamilialRanking[] {
  const table = options.frequencies;
  const relationships = options.relationships ?? ['parent-child', 'full-sibling'];
  const threshold = options.threshold ?? 1;
  const topK = options.topK ?? 50;
  if (!(threshold >= 0) || !Number.isInteger(topK) || topK < 0) {
    throw new IdmError(
      'IDM_VALIDATION',
      `threshold must be >= 0 and topK an integer >= 0 (got ${threshold}, ${topK})`,
    );
  }
  const loci = Object.keys(probe.loci).filter(
    (l) =>
      isAutosomal(l) &&
      probe.loci[l].length > 0 &&
      probe.loci[l].length <= 2 &&
      table.loci[l] !== undefined &&
      db.column(l) !== undefined,
  );
  const minShared = options.minSharedLoci ?? Math.min(8, loci.length);
  if (loci.length === 0) {
    throw new IdmError(
      'IDM_BAD_PROFILE',
      'the probe has no single-source autosomal locus the database and table share',
    );
  }
  const exclude = new Set(options.exclude ?? []);
  const theta = options.theta ?? 0;
  if (!(theta >= 0 && theta < 1))
    throw new IdmError('IDM_VALIDATION', `theta must be in [0, 1), got ${theta}`);
  const logThreshold = threshold > 0 ? Math.log10(threshold) : Number.NEGATIVE_INFINITY;
  const n = db.slotCount;
  const columns = loci.map((l) => db.column(l)!);
  const rankings: FamilialRanking[] = [];
  const shared = new Uint8Array(BLOCK);

  for (const relationship of relationships) {
    if (IBD_COEFFICIENTS[relationship] === undefined) {
      throw new IdmError('IDM_VALIDATION', `unknown relationship "${relationship}"`);
    }
  }
  // tables[r][j]: relationship r, locus j. `usable` does not depend on the relationship.
  const tables = relationships.map((relationship) =>
    columns.map((c) =>
      locusTable(probe.loci[c.locus], c.alleleSets, c.locus, relationship, table, options.mutation, theta),
    ),
  );
  const usable = tables[0]?.map((t) => t.usable) ?? [];
  const accs = relationships.map(() => new Float64Array(BLOCK));
  const heaps = relationships.map(() => new TopK(topK));
  const above = relationships.map(() => 0);
  const live = db.liveMask;
  const excluded = new Set<number>();
  for (const id of exclude) {
    const slot = db.slotOf(id);
    if (slot !== undefined) excluded.add(slot);
  }
  // When every live profile has a single-source genotype at every probe locus (a database of complete
  // reference profiles), the shared-locus count is the same for all and its pass is skipped.
  const allUsable = columns.every((c) => db.countTyped(c.locus, (a) => a.length <= 2) === db.size);
  const nColumns = columns.length;
  let scored = 0;
  // One pass over the columns for all relationships: each block of codes is read from memory once and
  // then stays in L1 cache for the other relationships' look-ups.
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    const len = end - start;
    if (!allUsable) shared.fill(0, 0, len);
    for (const acc of accs) acc.fill(0, 0, len);
    for (let j = 0; j < nColumns; j++) {
      const codes = columns[j].codes;
      if (!allUsable) {
        const use = usable[j];
        for (let i = 0; i < len; i++) shared[i] += use[codes[start + i]];
      }
      if (accs.length === 2) {
        // The usual pair (parent-child, full-sibling) fused: one code read feeds both sums.
        const acc0 = accs[0];
        const acc1 = accs[1];
        const l0 = tables[0][j].log10;
        const l1 = tables[1][j].log10;
        for (let i = 0; i < len; i++) {
          const code = codes[start + i];
          acc0[i] += l0[code];
          acc1[i] += l1[code];
        }
      } else {
        for (let r = 0; r < accs.length; r++) {
          const acc = accs[r];
          const log10 = tables[r][j].log10;
          for (let i = 0; i < len; i++) acc[i] += log10[codes[start + i]];
        }
      }
    }
    for (let i = 0; i < len; i++) {
      const slot = start + i;
      if (live[slot] === 0) continue;
      if (!allUsable && (shared[i] < minShared || shared[i] === 0)) continue;
      if (excluded.size > 0 && excluded.has(slot)) continue;
      scored++;
      for (let r = 0; r < accs.length; r++) {
        const score = accs[r][i];
        if (score < logThreshold) continue;
        above[r]++;
        const heap = heaps[r];
        if (heap.size < heap.k || score > heap.bar) heap.push(score, slot);
      }
    }
  }
  if (allUsable && nColumns < minShared) {
    // Nobody shares enough loci with the probe.
    scored = 0;
    heaps.forEach((h, r) => {
      h.size = 0;
      above[r] = 0;
    });
  }
  relationships.forEach((relationship, r) => {
    const heap = heaps[r];
    const order = Array.from({ length: heap.size }, (_, i) => i).sort(
      (a, b) => heap.scores[b] - heap.scores[a] || heap.slots[a] - heap.slots[b],
    );
    const candidates = order.map((h, rank) => {
      const slot = heap.slots[h];
      let sharedLoci = 0;
      columns.forEach((c, j) => {
        sharedLoci += usable[j][c.codes[slot]];
      });
      return {
        id: db.idAt(slot) as string,
        rank: rank + 1,
        lr: 10 ** heap.scores[h],
        log10Lr: heap.scores[h],
        sharedLoci,
      };
    });
    rankings.push({ relationship, candidates, scored, aboveThreshold: above[r] });
  });
  return rankings;
}
