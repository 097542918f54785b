/**
 * Allele-frequency tables turned into the compiled per-locus form the likelihood uses, with unseen
 * alleles handled.
 *
 * Unseen alleles: a typed allele missing from the database gets the frequency `minFrequency`
 * (default 0.001, in the spirit of the NRC II 5/2N rule for a database of ~2,500 alleles), then all
 * frequencies of the locus are re-normalised to sum to 1. Frequencies that do not sum to 1 are also
 * re-normalised (Familias does the same with a "rest allele" only when asked to; we report the
 * adjustment in `adjustments`).
 */
import { IdmError } from '../errors.js';
import { type SexMutationMatrices, sexMutationMatrices } from './mutation.js';
import type { Genotype, Locus, LocusDatabase } from './types.js';

export interface CompiledLocus {
  name: string;
  alleles: string[];
  index: Map<string, number>;
  frequencies: Float64Array;
  mutation: SexMutationMatrices;
  mutationModelLabel: string;
}

export interface FrequencyOptions {
  /** Frequency given to an allele typed in the case but absent from the database. */
  minFrequency?: number;
}

export const defaultMinFrequency = 0.001;

/** Builds a plain `LocusDatabase` from `Record<locus, Record<allele, frequency>>`. */
export function databaseFromRecord(
  name: string,
  table: Readonly<Record<string, Readonly<Record<string, number>>>>,
): LocusDatabase {
  return {
    name,
    loci: Object.entries(table).map(([locus, freqs]) => ({
      name: locus,
      alleles: Object.keys(freqs),
      frequencies: Object.values(freqs),
    })),
  };
}

/**
 * Compiles the loci: adds typed alleles unknown to the database, re-normalises, builds the mutation
 * matrices. `typed` lists every genotype of the case by locus name.
 */
export function compileLoci(
  database: LocusDatabase,
  typed: ReadonlyMap<string, readonly Genotype[]>,
  options: FrequencyOptions = {},
): { loci: CompiledLocus[]; adjustments: string[] } {
  const minFrequency = options.minFrequency ?? defaultMinFrequency;
  const adjustments: string[] = [];
  const loci = database.loci.map((locus: Locus): CompiledLocus => {
    if (locus.alleles.length !== locus.frequencies.length || locus.alleles.length === 0) {
      throw new IdmError(
        'IDM_BAD_FREQUENCIES',
        `locus ${locus.name}: alleles and frequencies differ in number`,
      );
    }
    const alleles = [...locus.alleles];
    const freqs = [...locus.frequencies];
    for (const f of freqs) {
      if (!Number.isFinite(f) || f < 0) {
        throw new IdmError(
          'IDM_BAD_FREQUENCIES',
          `locus ${locus.name}: frequency ${f} is not a non-negative number`,
        );
      }
    }
    const index = new Map(alleles.map((a, i) => [a, i]));
    if (index.size !== alleles.length) {
      throw new IdmError('IDM_BAD_FREQUENCIES', `locus ${locus.name}: an allele is listed twice`);
    }
    for (const genotype of typed.get(locus.name) ?? []) {
      for (const allele of genotype) {
        if (!index.has(allele)) {
          index.set(allele, alleles.length);
          alleles.push(allele);
          freqs.push(minFrequency);
          adjustments.push(`locus ${locus.name}: unseen allele ${allele} given frequency ${minFrequency}`);
        }
      }
    }
    const total = freqs.reduce((s, f) => s + f, 0);
    if (total <= 0) throw new IdmError('IDM_BAD_FREQUENCIES', `locus ${locus.name}: frequencies sum to 0`);
    if (Math.abs(total - 1) > 1e-9)
      adjustments.push(`locus ${locus.name}: frequencies re-normalised (sum ${total})`);
    const frequencies = Float64Array.from(freqs, (f) => f / total);
    const models = locus.mutation ?? { female: { kind: 'none' }, male: { kind: 'none' } };
    return {
      name: locus.name,
      alleles,
      index,
      frequencies,
      mutation: sexMutationMatrices(alleles, frequencies, models),
      mutationModelLabel: labelModels(locus),
    };
  });
  return { loci, adjustments };
}

function labelModels(locus: Locus): string {
  const m = locus.mutation;
  if (!m) return 'no mutation';
  const f = JSON.stringify(m.female);
  const male = JSON.stringify(m.male);
  return f === male ? `both sexes ${f}` : `female ${f}, male ${male}`;
}

/** Hardy-Weinberg probability of an unordered genotype (allele indices). */
export function genotypeProbability(freqs: Float64Array, a: number, b: number): number {
  return a === b ? freqs[a] * freqs[a] : 2 * freqs[a] * freqs[b];
}
