/**
 * CODIS-style STR database search.
 *
 * Matching rules (CODIS stringencies, FBI NDIS Operational Procedures Manual, "match stringency"):
 * - high: at every locus compared, the two allele sets are identical;
 * - moderate: at every locus compared, the alleles of one profile are all present in the other (a
 *   partial or mixed probe against single-source references, or the reverse);
 * - low: at every locus compared, the two profiles share at least one allele.
 * A locus is compared when both profiles type it; a candidate needs at least `minSharedLoci` compared
 * loci and at most `maxMismatches` loci that break the rule (drop-out, typing errors).
 *
 * Layout, and why: the database is columnar. For each locus a Uint16Array holds one code per profile,
 * the code indexing that locus's dictionary of distinct allele sets (0 = not typed). A locus has at
 * most a few thousand distinct allele sets even in a national database, so a search evaluates the
 * matching rule once per dictionary entry into a small lookup table (it fits in L1 cache) and then
 * scans codes, which is a sequential read of 2 bytes per profile per locus. The scan visits the most
 * selective locus first over the whole database and then only the survivors at the next locus, so a
 * high-stringency search reads about one column (20 MB for 10M profiles) and a moderate search a
 * little more. Memory is 2 bytes per locus per profile (46 MB per million 23-locus profiles) plus the
 * ids. The same columns serve familial search (per-locus kinship tables, see familial.ts). An
 * inverted index would answer high stringency faster still but not moderate and low stringency
 * (whose allowed sets cover much of the database at a mixed locus), nor familial search.
 */
import { IdmError } from '../errors.js';
import type { FrequencyTable } from './frequencies.js';
import { isAutosomal, isMicrovariant, type StrProfile } from './profile.js';
import { DEFAULT_THETA, locusInclusionProbability } from './stats.js';

export type Stringency = 'high' | 'moderate' | 'low';

export const STRINGENCIES: readonly Stringency[] = ['high', 'moderate', 'low'];

export interface DnaSearchOptions {
  stringency: Stringency;
  /** Loci compared (typed in both) a candidate needs; default min(8, autosomal loci of the probe). */
  minSharedLoci?: number;
  /** Compared loci allowed to break the stringency rule; default 0. */
  maxMismatches?: number;
  /** Candidates returned, best first; default 100. */
  limit?: number;
  /** Allele frequencies for the per-locus and combined LR; without them `lr` is null. */
  frequencies?: FrequencyTable;
  /** Subpopulation correction for the LR (NRC II 4.10); default 0.01. */
  theta?: number;
  /** Treat a microvariant as its whole-repeat allele (9.3 ~ 9) when comparing; default false. */
  microvariantEquivalence?: boolean;
}

export interface LocusComparison {
  locus: string;
  probe: string[];
  candidate: string[];
  concordant: boolean;
  /** 1 / probability that a random person is this concordant; null if mismatched or no frequencies. */
  lr: number | null;
}

export interface DnaCandidate {
  id: string;
  sharedLoci: number;
  mismatches: number;
  /** Product of the concordant loci's LRs; null without frequencies. */
  lr: number | null;
  loci: LocusComparison[];
}

/** Defaults named in one place (SourceAFIS-style parameters). */
export const SEARCH_DEFAULTS = {
  /** NDIS requires 8 of the original 13 core loci for a moderate-stringency offender match. */
  minSharedLoci: 8,
  maxMismatches: 0,
  limit: 100,
} as const;

/** Maximum distinct allele sets per locus (Uint16 codes, 0 reserved for "not typed"). */
const MAX_CODES = 65_535;

function microvariantKey(allele: string): string {
  return isMicrovariant(allele) ? allele.slice(0, allele.indexOf('.')) : allele;
}

/**
 * Whether two allele sets at a locus satisfy a stringency rule. The reference definition: the columnar
 * scan evaluates exactly this function on dictionary entries.
 */
export function lociConcordant(
  probe: readonly string[],
  candidate: readonly string[],
  stringency: Stringency,
  microvariantEquivalence = false,
): boolean {
  const p = microvariantEquivalence ? new Set(probe.map(microvariantKey)) : new Set(probe);
  const c = microvariantEquivalence ? new Set(candidate.map(microvariantKey)) : new Set(candidate);
  let shared = 0;
  for (const a of p) if (c.has(a)) shared++;
  switch (stringency) {
    case 'high':
      return shared === p.size && shared === c.size;
    case 'moderate':
      return shared === p.size || shared === c.size;
    case 'low':
      return shared > 0;
  }
}

/** One locus column: per-profile codes into a dictionary of distinct allele sets. */
export interface LocusColumn {
  readonly locus: string;
  /** Per slot: 0 = not typed, else index into `alleleSets`. Length = database capacity. */
  codes: Uint16Array;
  /** Distinct allele sets; index 0 is the empty set. */
  readonly alleleSets: string[][];
  readonly keyToCode: Map<string, number>;
  /** Live profiles per code (selectivity estimates). */
  counts: number[];
}

export class ProfileDatabase {
  private capacity: number;
  private slots = 0;
  private live = 0;
  private readonly ids: Array<string | undefined> = [];
  /** 1 for a slot holding a live profile (scans test this instead of the id array). */
  private live8 = new Uint8Array(0);
  private readonly slotIndex = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private readonly columnsByLocus = new Map<string, LocusColumn>();
  /** Scratch buffers reused across searches (10M profiles: 40 MB + 10 MB). */
  private survivors = new Uint32Array(0);
  private survivorMismatches = new Uint8Array(0);

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(16, initialCapacity);
    this.live8 = new Uint8Array(this.capacity);
  }

  /** Per slot: 1 when it holds a live profile. Read-only view for scans (familial.ts). */
  get liveMask(): Uint8Array {
    return this.live8;
  }

  /** Slot of an enrolled id. */
  slotOf(id: string): number | undefined {
    return this.slotIndex.get(id);
  }

  /** Profiles typed at a locus with an allele set accepted by `accept` (from the dictionary counts). */
  countTyped(locus: string, accept: (alleles: readonly string[]) => boolean = () => true): number {
    const column = this.columnsByLocus.get(locus);
    if (column === undefined) return 0;
    let total = 0;
    for (let code = 1; code < column.counts.length; code++) {
      if (column.counts[code] > 0 && accept(column.alleleSets[code])) total += column.counts[code];
    }
    return total;
  }

  /** Live profiles. */
  get size(): number {
    return this.live;
  }

  /** Slots in use including removed ones (the scan range). */
  get slotCount(): number {
    return this.slots;
  }

  /** Loci that have a column (typed in at least one profile ever enrolled). */
  get loci(): string[] {
    return [...this.columnsByLocus.keys()];
  }

  column(locus: string): LocusColumn | undefined {
    return this.columnsByLocus.get(locus);
  }

  /** Id of the profile in a slot, undefined when the slot is free. */
  idAt(slot: number): string | undefined {
    return this.ids[slot];
  }

  has(id: string): boolean {
    return this.slotIndex.has(id);
  }

  /** Enrols a profile; an id already enrolled is replaced. */
  add(id: string, profile: StrProfile): void {
    if (typeof id !== 'string' || id.length === 0) {
      throw new IdmError('IDM_BAD_PROFILE', 'a profile id must be a non-empty string');
    }
    // Encode first so that a rejected profile leaves the database untouched.
    const encoded: Array<[LocusColumn, number]> = [];
    for (const [locus, alleles] of Object.entries(profile.loci)) {
      if (alleles.length === 0) continue;
      const column = this.columnFor(locus);
      encoded.push([column, this.codeFor(column, alleles)]);
    }
    let slot = this.slotIndex.get(id);
    if (slot !== undefined) this.clearSlot(slot);
    else {
      slot = this.freeSlots.pop() ?? this.slots++;
      if (slot >= this.capacity) this.grow(slot + 1);
      this.slotIndex.set(id, slot);
      this.ids[slot] = id;
      this.live8[slot] = 1;
      this.live++;
    }
    for (const [column, code] of encoded) {
      column.codes[slot] = code;
      column.counts[code]++;
    }
  }

  remove(id: string): boolean {
    const slot = this.slotIndex.get(id);
    if (slot === undefined) return false;
    this.clearSlot(slot);
    this.slotIndex.delete(id);
    this.ids[slot] = undefined;
    this.live8[slot] = 0;
    this.freeSlots.push(slot);
    this.live--;
    return true;
  }

  get(id: string): StrProfile | undefined {
    const slot = this.slotIndex.get(id);
    return slot === undefined ? undefined : this.profileAt(slot);
  }

  profileAt(slot: number): StrProfile {
    const profile: StrProfile = { loci: {} };
    for (const column of this.columnsByLocus.values()) {
      const code = column.codes[slot];
      if (code !== 0) profile.loci[column.locus] = [...column.alleleSets[code]];
    }
    return profile;
  }

  *entries(): IterableIterator<[string, StrProfile]> {
    for (let slot = 0; slot < this.slots; slot++) {
      const id = this.ids[slot];
      if (id !== undefined) yield [id, this.profileAt(slot)];
    }
  }

  /** Searches the database with a probe; candidates ranked by LR (then fewer mismatches, more loci). */
  search(probe: StrProfile, options: DnaSearchOptions): DnaCandidate[] {
    const stringency = options.stringency;
    if (!STRINGENCIES.includes(stringency)) {
      throw new IdmError(
        'IDM_VALIDATION',
        `stringency must be high, moderate or low, got "${String(stringency)}"`,
      );
    }
    const probeLoci = Object.keys(probe.loci).filter((l) => isAutosomal(l) && probe.loci[l].length > 0);
    const minShared = options.minSharedLoci ?? Math.min(SEARCH_DEFAULTS.minSharedLoci, probeLoci.length);
    const maxMismatches = options.maxMismatches ?? SEARCH_DEFAULTS.maxMismatches;
    const limit = options.limit ?? SEARCH_DEFAULTS.limit;
    for (const [name, value] of [
      ['minSharedLoci', minShared],
      ['maxMismatches', maxMismatches],
      ['limit', limit],
    ] as const) {
      if (!Number.isInteger(value) || value < 0) {
        throw new IdmError('IDM_VALIDATION', `${name} must be an integer >= 0, got ${value}`);
      }
    }
    const micro = options.microvariantEquivalence ?? false;

    // Per locus: the rule evaluated once per dictionary entry (1 = breaks the rule, 0 = concordant or untyped).
    const scans: Array<{ column: LocusColumn; lut: Uint8Array; passFraction: number; alleles: string[] }> =
      [];
    for (const locus of probeLoci) {
      const column = this.columnsByLocus.get(locus);
      if (column === undefined) continue;
      const alleles = probe.loci[locus];
      const lut = new Uint8Array(column.alleleSets.length);
      // Live profiles not typed here pass this locus (they are not compared at it).
      let pass = this.live - this.countTyped(locus);
      for (let code = 1; code < lut.length; code++) {
        if (lociConcordant(alleles, column.alleleSets[code], stringency, micro)) pass += column.counts[code];
        else lut[code] = 1;
      }
      scans.push({ column, lut, alleles, passFraction: pass });
    }
    // A candidate must share at least one locus with the probe, whatever minSharedLoci says.
    if (scans.length === 0 || scans.length < minShared || this.live === 0) return [];
    scans.sort((a, b) => a.passFraction - b.passFraction);

    // Uint8 mismatch counters: more tolerated mismatches than loci is the same as all of them.
    const survivors = this.scan(scans, Math.min(maxMismatches, scans.length));

    const candidates: DnaCandidate[] = [];
    const theta = options.theta ?? DEFAULT_THETA;
    for (let s = 0; s < survivors.length; s++) {
      const slot = survivors[s];
      const id = this.ids[slot];
      if (id === undefined) continue;
      let shared = 0;
      let mismatches = 0;
      for (const scan of scans) {
        const code = scan.column.codes[slot];
        if (code === 0) continue;
        shared++;
        mismatches += scan.lut[code];
      }
      if (shared === 0 || shared < minShared || mismatches > maxMismatches) continue;
      candidates.push(
        this.candidate(id, slot, probe, probeLoci, stringency, micro, options.frequencies, theta),
      );
    }
    candidates.sort(compareCandidates);
    return candidates.slice(0, limit);
  }

  /**
   * The columnar scan: slots whose number of rule-breaking loci (over `scans`, most selective first)
   * is at most `maxMismatches`. The first maxMismatches+1 loci are read for every slot (a slot must
   * pass at least one of them); later loci only for the survivors, which are compacted in place.
   */
  private scan(scans: Array<{ column: LocusColumn; lut: Uint8Array }>, maxMismatches: number): Uint32Array {
    const n = this.slots;
    if (this.survivors.length < n) {
      this.survivors = new Uint32Array(this.capacity);
      this.survivorMismatches = new Uint8Array(this.capacity);
    }
    const out = this.survivors;
    const mm = this.survivorMismatches;
    const first = Math.min(maxMismatches + 1, scans.length);
    let count = 0;
    if (first === 1) {
      const codes = scans[0].column.codes;
      const lut = scans[0].lut;
      for (let i = 0; i < n; i++) {
        if (lut[codes[i]] === 0) {
          out[count] = i;
          mm[count++] = 0;
        }
      }
    } else {
      const codeArrays = scans.slice(0, first).map((s) => s.column.codes);
      const luts = scans.slice(0, first).map((s) => s.lut);
      for (let i = 0; i < n; i++) {
        let m = 0;
        for (let j = 0; j < first; j++) m += luts[j][codeArrays[j][i]];
        if (m <= maxMismatches) {
          out[count] = i;
          mm[count++] = m;
        }
      }
    }
    for (let j = first; j < scans.length && count > 0; j++) {
      const codes = scans[j].column.codes;
      const lut = scans[j].lut;
      let kept = 0;
      for (let s = 0; s < count; s++) {
        const slot = out[s];
        const m = mm[s] + lut[codes[slot]];
        if (m <= maxMismatches) {
          out[kept] = slot;
          mm[kept++] = m;
        }
      }
      count = kept;
    }
    return out.subarray(0, count);
  }

  private candidate(
    id: string,
    slot: number,
    probe: StrProfile,
    probeLoci: string[],
    stringency: Stringency,
    micro: boolean,
    table: FrequencyTable | undefined,
    theta: number,
  ): DnaCandidate {
    const loci: LocusComparison[] = [];
    let lr: number | null = table === undefined ? null : 1;
    let mismatches = 0;
    for (const locus of probeLoci) {
      const column = this.columnsByLocus.get(locus);
      const code = column?.codes[slot] ?? 0;
      if (column === undefined || code === 0) continue;
      const p = probe.loci[locus];
      const c = column.alleleSets[code];
      const concordant = lociConcordant(p, c, stringency, micro);
      let locusLr: number | null = null;
      if (concordant && table !== undefined) {
        // Identical single-source sets: the RMP of eq. 4.10; otherwise the rule's inclusion probability.
        const identical = p.length <= 2 && p.length === c.length && p.every((a, i) => a === c[i]);
        const rule =
          identical || stringency === 'high' ? 'identical' : stringency === 'moderate' ? 'subset' : 'overlap';
        const stat = locusInclusionProbability(table, locus, p, rule, theta);
        locusLr = stat === undefined ? null : 1 / stat.probability;
      }
      if (!concordant) mismatches++;
      if (locusLr !== null && lr !== null) lr *= locusLr;
      loci.push({ locus, probe: [...p], candidate: [...c], concordant, lr: locusLr });
    }
    return { id, sharedLoci: loci.length, mismatches, lr, loci };
  }

  private columnFor(locus: string): LocusColumn {
    let column = this.columnsByLocus.get(locus);
    if (column === undefined) {
      column = {
        locus,
        codes: new Uint16Array(this.capacity),
        alleleSets: [[]],
        keyToCode: new Map([['', 0]]),
        counts: [0],
      };
      this.columnsByLocus.set(locus, column);
    }
    return column;
  }

  private codeFor(column: LocusColumn, alleles: readonly string[]): number {
    const key = alleles.join(',');
    let code = column.keyToCode.get(key);
    if (code === undefined) {
      code = column.alleleSets.length;
      if (code > MAX_CODES) {
        throw new IdmError(
          'IDM_BAD_PROFILE',
          `locus ${column.locus}: more than ${MAX_CODES} distinct allele sets in one database`,
        );
      }
      column.alleleSets.push([...alleles]);
      column.keyToCode.set(key, code);
      column.counts.push(0);
    }
    return code;
  }

  private clearSlot(slot: number): void {
    for (const column of this.columnsByLocus.values()) {
      const code = column.codes[slot];
      if (code !== 0) {
        column.counts[code]--;
        column.codes[slot] = 0;
      }
    }
  }

  private grow(minimum: number): void {
    let next = this.capacity;
    while (next < minimum) next *= 2;
    for (const column of this.columnsByLocus.values()) {
      const codes = new Uint16Array(next);
      codes.set(column.codes);
      column.codes = codes;
    }
    const live8 = new Uint8Array(next);
    live8.set(this.live8);
    this.live8 = live8;
    this.capacity = next;
  }

  /** Reserves room for `n` profiles at once (bulk enrolment avoids repeated doubling). */
  reserve(n: number): void {
    if (n > this.capacity) this.grow(n);
  }

  /** Approximate bytes held by the columns (not counting ids). */
  get columnBytes(): number {
    let bytes = 0;
    for (const column of this.columnsByLocus.values()) bytes += column.codes.byteLength;
    return bytes;
  }
}

export function compareCandidates(a: DnaCandidate, b: DnaCandidate): number {
  const la = a.lr ?? -1;
  const lb = b.lr ?? -1;
  if (la !== lb) return lb - la;
  if (a.mismatches !== b.mismatches) return a.mismatches - b.mismatches;
  if (a.sharedLoci !== b.sharedLoci) return b.sharedLoci - a.sharedLoci;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
