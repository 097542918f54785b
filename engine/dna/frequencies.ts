/**
 * Allele-frequency databases: the shipped published tables, user tables in the long CSV layout
 * `population,locus,allele,frequency`, the NRC II minimum allele frequency, and a seeded profile
 * simulator for demos and benchmarks.
 */
import { IdmError } from '../errors.js';
import { canonicalAllele, canonicalLocus, compareAlleles, type StrProfile } from './profile.js';
import fbiExpanded from './tables/fbi-expanded-moretti2016.json' with { type: 'json' };
import fbiExtended from './tables/fbi-extended-caucasian-2024.json' with { type: 'json' };
import nist1036 from './tables/nist1036.json' with { type: 'json' };

/** Allele frequencies of one population. */
export interface FrequencyTable {
  /** Database and population, e.g. `fbi-expanded/Caucasian`. */
  name: string;
  /** locus -> allele -> frequency (canonical names). */
  loci: Record<string, Record<string, number>>;
  /** locus -> number of individuals typed (N; 2N alleles), for the 5/2N minimum allele frequency. */
  sampleSize: Record<string, number>;
}

/** A frequency database as shipped or read from a file: several populations and where they come from. */
export interface FrequencyDatabase {
  name: string;
  citation: string;
  populations: Record<
    string,
    { sampleSize: Record<string, number>; loci: Record<string, Record<string, number>> }
  >;
}

/** The published tables the project ships, converted by `bench/dna-tables.ts` (see tables/README.md). */
export const SHIPPED_FREQUENCIES: Readonly<Record<string, FrequencyDatabase>> = {
  'fbi-expanded': fbiExpanded as FrequencyDatabase,
  'fbi-extended-2024': fbiExtended as FrequencyDatabase,
  nist1036: nist1036 as FrequencyDatabase,
};

/** Shipped databases with their populations and citations (for `--help`, the API and the demo). */
export function listShippedFrequencies(): Array<{ name: string; populations: string[]; citation: string }> {
  return Object.entries(SHIPPED_FREQUENCIES).map(([name, db]) => ({
    name,
    populations: Object.keys(db.populations),
    citation: db.citation,
  }));
}

/** The first population of a database is its default (each converter puts the broadest first). */
export function selectFrequencyTable(db: FrequencyDatabase, population?: string): FrequencyTable {
  const populations = Object.keys(db.populations);
  const chosen =
    population === undefined
      ? populations[0]
      : populations.find((p) => p.toLowerCase() === population.toLowerCase());
  if (chosen === undefined) {
    throw new IdmError(
      'IDM_BAD_FREQUENCIES',
      `frequency database ${db.name} has no population "${population}" (has: ${populations.join(', ')})`,
      { database: db.name, population, populations },
    );
  }
  const pop = db.populations[chosen];
  return { name: `${db.name}/${chosen}`, loci: pop.loci, sampleSize: pop.sampleSize };
}

/** A shipped table by database name and population (default: the database's first population). */
export function shippedFrequencyTable(name: string, population?: string): FrequencyTable {
  const db = SHIPPED_FREQUENCIES[name];
  if (db === undefined) {
    throw new IdmError(
      'IDM_BAD_FREQUENCIES',
      `no shipped frequency database "${name}" (shipped: ${Object.keys(SHIPPED_FREQUENCIES).join(', ')})`,
      { name },
    );
  }
  return selectFrequencyTable(db, population);
}

/**
 * NRC II (1996) recommendation 4.3 / p. 148: an allele seen fewer than five times in a database of N
 * people is given frequency 5/2N, and so is an allele never seen.
 */
export function minimumAlleleFrequency(table: FrequencyTable, locus: string): number {
  const n = table.sampleSize[locus];
  if (n !== undefined && n > 0) return Math.min(1, 5 / (2 * n));
  // No sample size: take the smallest published frequency as one observation in 2N.
  const freqs = Object.values(table.loci[locus] ?? {}).filter((f) => f > 0);
  return freqs.length === 0 ? 1 : Math.min(1, 5 * Math.min(...freqs));
}

/**
 * The frequency used for statistics: the published value floored at 5/2N; undefined when the table
 * has no data for the locus at all (the locus is then left out of the statistic and reported).
 */
export function alleleFrequency(table: FrequencyTable, locus: string, allele: string): number | undefined {
  const alleles = table.loci[locus];
  if (alleles === undefined) return undefined;
  const min = minimumAlleleFrequency(table, locus);
  const p = alleles[allele];
  return p === undefined || p < min ? min : p;
}

/**
 * Infers 2N from frequencies that are exact ratios count/2N (as the FBI's CSV gives them in full
 * double precision): the smallest denominator that makes every frequency an integer count.
 */
export function inferAlleleCount(
  frequencies: readonly number[],
  maxDenominator = 20_000,
): number | undefined {
  const positive = frequencies.filter((f) => f > 0);
  if (positive.length === 0) return undefined;
  const smallest = Math.min(...positive);
  const start = Math.max(2, Math.floor(1 / smallest) - 1);
  for (let d = start; d <= maxDenominator; d++) {
    if (positive.every((f) => Math.abs(f * d - Math.round(f * d)) < 1e-6 * Math.max(1, f * d))) return d;
  }
  return undefined;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field.trim());
      field = '';
    } else field += c;
  }
  out.push(field.trim());
  return out;
}

/** Adds one row of the long layout to `db`; returns why it is bad, or undefined. */
function readFrequencyRow(
  f: string[],
  [iPop, iLocus, iAllele, iFreq, iN]: number[],
  db: FrequencyDatabase,
  givenN: Map<string, number>,
): string | undefined {
  const locus = canonicalLocus(f[iLocus] ?? '');
  if (locus === undefined) return `unknown locus "${f[iLocus]}"`;
  const allele = canonicalAllele(locus, f[iAllele] ?? '');
  if (allele === undefined) return `bad allele "${f[iAllele]}" at ${locus}`;
  const freq = Number(f[iFreq]);
  if (f[iFreq] === undefined || f[iFreq] === '' || !Number.isFinite(freq) || freq < 0 || freq > 1) {
    return `frequency "${f[iFreq] ?? ''}" is not in [0, 1]`;
  }
  const population = f[iPop] ?? '';
  if (population === '') return 'empty population';
  let n: number | undefined;
  if (iN >= 0 && f[iN] !== undefined && f[iN] !== '') {
    n = Number(f[iN]);
    if (!Number.isInteger(n) || n <= 0) return `n "${f[iN]}" is not a positive integer`;
  }
  db.populations[population] ??= { sampleSize: {}, loci: {} };
  const pop = db.populations[population];
  pop.loci[locus] ??= {};
  const alleles = pop.loci[locus];
  if (alleles[allele] !== undefined) return `${population} ${locus} allele ${allele} given twice`;
  alleles[allele] = freq;
  if (n !== undefined) givenN.set(`${population}\u0000${locus}`, n);
  return undefined;
}

/**
 * Reads a frequency table in the long layout `population,locus,allele,frequency[,n]` (header required;
 * `n`, the individuals typed at the locus, is optional and otherwise inferred from the ratios).
 * Every bad line is reported (line number and reason) in one IDM_BAD_FREQUENCIES error.
 */
export function parseFrequencyCsv(
  text: string,
  name: string,
  citation = `user table ${name}`,
): FrequencyDatabase {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const col = (h: string) => header.indexOf(h);
  const [iPop, iLocus, iAllele, iFreq, iN] = [
    col('population'),
    col('locus'),
    col('allele'),
    col('frequency'),
    col('n'),
  ];
  if (iPop < 0 || iLocus < 0 || iAllele < 0 || iFreq < 0) {
    throw new IdmError(
      'IDM_BAD_FREQUENCIES',
      `${name}: line 1: header must name population,locus,allele,frequency (got "${lines[0] ?? ''}")`,
    );
  }
  const errors: Array<{ line: number; reason: string }> = [];
  const db: FrequencyDatabase = { name, citation, populations: {} };
  const givenN = new Map<string, number>();
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === '') continue;
    const reason = readFrequencyRow(splitCsvLine(line), [iPop, iLocus, iAllele, iFreq, iN], db, givenN);
    if (reason !== undefined) errors.push({ line: index + 1, reason });
  }
  if (errors.length > 0) {
    const first = errors.slice(0, 5).map((e) => `${name}: line ${e.line}: ${e.reason}`);
    throw new IdmError(
      'IDM_BAD_FREQUENCIES',
      `${errors.length} bad line(s) in frequency table: ${first.join('; ')}${errors.length > 5 ? '; ...' : ''}`,
      { file: name, errors },
    );
  }
  if (Object.keys(db.populations).length === 0) {
    throw new IdmError('IDM_BAD_FREQUENCIES', `${name}: frequency table has no rows`);
  }
  for (const [population, pop] of Object.entries(db.populations)) {
    const inferred = new Map<string, number | undefined>();
    for (const [locus, alleles] of Object.entries(pop.loci)) {
      const n = givenN.get(`${population}\u0000${locus}`);
      inferred.set(locus, n === undefined ? inferAlleleCount(Object.values(alleles)) : 2 * n);
      pop.loci[locus] = sortAlleleRecord(alleles);
    }
    // The smallest exact denominator can be a divisor of the true 2N (all counts even); the
    // population's largest 2N is preferred wherever it also makes every count an integer.
    const largest = Math.max(0, ...[...inferred.values()].map((v) => v ?? 0));
    for (const [locus, twoN] of inferred) {
      if (twoN === undefined) continue;
      const alleles = Object.values(pop.loci[locus]);
      const fits = alleles.every(
        (f) => Math.abs(f * largest - Math.round(f * largest)) < 1e-6 * Math.max(1, f * largest),
      );
      pop.sampleSize[locus] = Math.round((fits ? largest : twoN) / 2);
    }
  }
  return db;
}

/** An allele record in ladder order (stable JSON output and deterministic simulation). */
export function sortAlleleRecord(alleles: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of Object.keys(alleles).sort(compareAlleles)) out[a] = alleles[a];
  return out;
}

/** Counts alleles in genotypes (each person contributes two alleles per typed locus) into a table. */
export function frequenciesFromProfiles(name: string, profiles: Iterable<StrProfile>): FrequencyTable {
  const counts: Record<string, Record<string, number>> = {};
  const people: Record<string, number> = {};
  for (const profile of profiles) {
    for (const [locus, alleles] of Object.entries(profile.loci)) {
      if (alleles.length > 2) continue; // mixtures do not estimate frequencies
      counts[locus] ??= {};
      const c = counts[locus];
      const pair = alleles.length === 1 ? [alleles[0], alleles[0]] : alleles;
      for (const a of pair) c[a] = (c[a] ?? 0) + 1;
      people[locus] = (people[locus] ?? 0) + 1;
    }
  }
  const loci: Record<string, Record<string, number>> = {};
  for (const [locus, c] of Object.entries(counts)) {
    const twoN = 2 * people[locus];
    const freqs: Record<string, number> = {};
    for (const [a, k] of Object.entries(c)) freqs[a] = k / twoN;
    loci[locus] = sortAlleleRecord(freqs);
  }
  return { name, loci, sampleSize: people };
}

/** A seeded PRNG in [0, 1) (mulberry32): demos, simulations and tests are reproducible. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative distributions of a table, built once per table for fast repeated sampling. */
export interface AlleleSampler {
  loci: string[];
  alleles: string[][];
  cumulative: Float64Array[];
}

export function alleleSampler(table: FrequencyTable, loci?: readonly string[]): AlleleSampler {
  const chosen = (loci ?? Object.keys(table.loci)).filter((l) => table.loci[l] !== undefined);
  const alleles: string[][] = [];
  const cumulative: Float64Array[] = [];
  for (const locus of chosen) {
    const entries = Object.entries(table.loci[locus])
      .filter(([, f]) => f > 0)
      .sort(([a], [b]) => compareAlleles(a, b));
    const total = entries.reduce((s, [, f]) => s + f, 0);
    const cum = new Float64Array(entries.length);
    let run = 0;
    entries.forEach(([, f], i) => {
      run += f / total;
      cum[i] = run;
    });
    cum[cum.length - 1] = 1;
    alleles.push(entries.map(([a]) => a));
    cumulative.push(cum);
  }
  return { loci: chosen, alleles, cumulative };
}

/** Index of the allele drawn by u in [0,1) from a cumulative distribution (binary search). */
export function drawAlleleIndex(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Simulates an unrelated person under Hardy-Weinberg from a table: two independent draws per locus
 * (all loci of the table, or `loci`).
 */
export function simulateProfile(
  table: FrequencyTable | AlleleSampler,
  rng: () => number,
  loci?: readonly string[],
): StrProfile {
  const sampler = 'cumulative' in table ? table : alleleSampler(table, loci);
  const wanted = loci === undefined ? undefined : new Set(loci);
  const out: StrProfile = { loci: {} };
  for (let i = 0; i < sampler.loci.length; i++) {
    const locus = sampler.loci[i];
    if (wanted !== undefined && !wanted.has(locus)) continue;
    // Sampler alleles are in ladder order, so comparing indices orders the pair.
    const a = drawAlleleIndex(sampler.cumulative[i], rng());
    const b = drawAlleleIndex(sampler.cumulative[i], rng());
    const names = sampler.alleles[i];
    out.loci[locus] = a === b ? [names[a]] : a < b ? [names[a], names[b]] : [names[b], names[a]];
  }
  return out;
}

/**
 * Simulates a child of two profiles (Mendelian transmission, no mutation); an untyped parent locus
 * is replaced by a draw from the sampler.
 */
export function simulateChild(
  mother: StrProfile,
  father: StrProfile,
  sampler: AlleleSampler,
  rng: () => number,
): StrProfile {
  const out: StrProfile = { loci: {} };
  sampler.loci.forEach((locus, i) => {
    const pick = (parent: StrProfile) => {
      const g = parent.loci[locus];
      if (g === undefined) return sampler.alleles[i][drawAlleleIndex(sampler.cumulative[i], rng())];
      return g.length === 1 ? g[0] : g[rng() < 0.5 ? 0 : 1];
    };
    const a = pick(mother);
    const b = pick(father);
    out.loci[locus] = a === b ? [a] : compareAlleles(a, b) < 0 ? [a, b] : [b, a];
  });
  return out;
}
