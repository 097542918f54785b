/**
 * Mutation models for STR markers, per sex, as transition matrices over one locus's allele list.
 *
 * The models are those of Familias 3 (Egeland, Kling & Mostad 2015, "Relationship Inference with
 * Familias and R", ch. 4) and of the R package pedmut, which reproduces them:
 *
 * - `none`: the identity (no mutation).
 * - `equal`: every other allele equally likely; M[i][j] = rate / (n - 1), M[i][i] = 1 - rate.
 * - `proportional`: mutations land on allele j in proportion to its frequency p_j;
 *   M[i][j] = a p_j (j != i), M[i][i] = 1 - a (1 - p_i), with a = rate / sum_k p_k (1 - p_k), so that the
 *   expected mutation rate sum_i p_i (1 - M[i][i]) equals `rate`.
 * - `stepwise`: alleles are repeat numbers (`"9"`, `"9.3"`). Alleles with the same fractional part form
 *   one ladder; within it a mutation of d steps has weight range^d, scaled so that the row's ladder
 *   mutations sum to `rate`. Mutations to an allele of another ladder (integer <-> microvariant) share
 *   `rate2` equally. M[i][i] takes the rest.
 * - `onestep`: only to the neighbouring rung(s) of the same ladder, `rate` shared equally.
 *
 * A matrix is row-major Float64Array of n*n entries: row = parent allele, column = allele transmitted.
 * Each row sums to 1. Sex matters: in a pedigree the father's gamete uses the male matrix.
 */
import { IdmError } from '../errors.js';

export type MutationModel =
  | { kind: 'none' }
  | { kind: 'equal'; rate: number }
  | { kind: 'proportional'; rate: number }
  | { kind: 'stepwise'; rate: number; range: number; rate2?: number }
  | { kind: 'onestep'; rate: number };

/** The models used for fathers (`male`) and mothers (`female`) at one locus. */
export interface SexMutationModels {
  female: MutationModel;
  male: MutationModel;
}

/** Row-major transition matrices per sex. `null` means the identity (no mutation). */
export interface SexMutationMatrices {
  female: Float64Array | null;
  male: Float64Array | null;
}

export const noMutation: MutationModel = { kind: 'none' };

function checkRate(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new IdmError('IDM_BAD_MUTATION_MODEL', `${what} must be a number in [0, 1], got ${value}`);
  }
}

/** Parses a repeat-number allele (`"9"`, `"9.3"`, `"17.2"`) or throws: stepwise models need numbers. */
function repeatNumber(allele: string): number {
  const value = Number(allele);
  if (allele.trim() === '' || !Number.isFinite(value)) {
    throw new IdmError(
      'IDM_BAD_MUTATION_MODEL',
      `stepwise mutation needs numeric alleles (repeat numbers such as "9" or "9.3"), got "${allele}"`,
    );
  }
  return value;
}

/** Whether a model changes nothing (rate 0 or kind none): lets the likelihood skip the matrix. */
export function isTrivialModel(model: MutationModel): boolean {
  if (model.kind === 'none') return true;
  if (model.kind === 'stepwise') return model.rate === 0 && (model.rate2 ?? 0) === 0;
  return model.rate === 0;
}

/**
 * The transition matrix of `model` over `alleles` (with their `frequencies`, same order).
 * Frequencies are needed by `proportional` only; the others ignore them.
 */
export function mutationMatrix(
  alleles: readonly string[],
  frequencies: ArrayLike<number>,
  model: MutationModel,
): Float64Array {
  const n = alleles.length;
  if (frequencies.length !== n) {
    throw new IdmError(
      'IDM_BAD_MUTATION_MODEL',
      `${n} alleles but ${frequencies.length} frequencies for the mutation model`,
    );
  }
  const m = new Float64Array(n * n);
  const identity = (): Float64Array => {
    for (let i = 0; i < n; i++) m[i * n + i] = 1;
    return m;
  };
  if (model.kind === 'none' || n === 1) return identity();

  switch (model.kind) {
    case 'equal': {
      checkRate(model.rate, 'equal mutation rate');
      const off = model.rate / (n - 1);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = i === j ? 1 - model.rate : off;
      return m;
    }
    case 'proportional': {
      checkRate(model.rate, 'proportional mutation rate');
      let heterozygosity = 0;
      for (let k = 0; k < n; k++) heterozygosity += frequencies[k] * (1 - frequencies[k]);
      if (heterozygosity <= 0) return identity();
      const a = model.rate / heterozygosity;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++)
          m[i * n + j] = i === j ? 1 - a * (1 - frequencies[i]) : a * frequencies[j];
      }
      if (a * (1 - Math.min(...Array.from(frequencies))) > 1) {
        throw new IdmError(
          'IDM_BAD_MUTATION_MODEL',
          `proportional mutation rate ${model.rate} is too large for these frequencies (a diagonal would be negative)`,
        );
      }
      return m;
    }
    case 'stepwise':
    case 'onestep': {
      checkRate(model.rate, `${model.kind} mutation rate`);
      const rate2 = model.kind === 'stepwise' ? (model.rate2 ?? 0) : 0;
      checkRate(rate2, 'stepwise microvariant rate (rate2)');
      const range = model.kind === 'stepwise' ? model.range : 1;
      if (model.kind === 'stepwise' && (!Number.isFinite(range) || range <= 0)) {
        throw new IdmError(
          'IDM_BAD_MUTATION_MODEL',
          `stepwise range must be a positive number, got ${range}`,
        );
      }
      const repeats = alleles.map(repeatNumber);
      // Ladder = fractional part, rounded to tenths so that 9.3 and 10.3 share a ladder.
      const ladder = repeats.map((r) => Math.round((r - Math.floor(r)) * 10));
      for (let i = 0; i < n; i++) {
        let sameWeight = 0;
        let otherCount = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          if (ladder[j] === ladder[i]) {
            const steps = Math.round(Math.abs(repeats[i] - repeats[j]));
            if (model.kind === 'onestep' && steps !== 1) continue;
            const w = model.kind === 'onestep' ? 1 : range ** steps;
            m[i * n + j] = w;
            sameWeight += w;
          } else {
            otherCount++;
          }
        }
        let off = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          if (ladder[j] === ladder[i]) {
            m[i * n + j] = sameWeight > 0 ? (m[i * n + j] / sameWeight) * model.rate : 0;
          } else {
            m[i * n + j] = rate2 / otherCount;
          }
          off += m[i * n + j];
        }
        m[i * n + i] = 1 - off;
      }
      return m;
    }
  }
}

/** Both sexes' matrices, `null` where the model is trivial (the likelihood then skips the product). */
export function sexMutationMatrices(
  alleles: readonly string[],
  frequencies: ArrayLike<number>,
  models: SexMutationModels,
): SexMutationMatrices {
  return {
    female: isTrivialModel(models.female) ? null : mutationMatrix(alleles, frequencies, models.female),
    male: isTrivialModel(models.male) ? null : mutationMatrix(alleles, frequencies, models.male),
  };
}

/** Expected mutation rate of a matrix under the given frequencies: 1 - sum_i p_i M[i][i] (pedmut::mutRate). */
export function overallMutationRate(matrix: Float64Array, frequencies: ArrayLike<number>): number {
  const n = frequencies.length;
  let stay = 0;
  for (let i = 0; i < n; i++) stay += frequencies[i] * matrix[i * n + i];
  return 1 - stay;
}

/** Human label of a model, for reports ("stepwise rate 0.001 range 0.5 rate2 1e-6"). */
export function describeMutationModel(model: MutationModel): string {
  switch (model.kind) {
    case 'none':
      return 'no mutation';
    case 'equal':
    case 'proportional':
    case 'onestep':
      return `${model.kind} (rate ${model.rate})`;
    case 'stepwise':
      return `stepwise (rate ${model.rate}, range ${model.range}, rate2 ${model.rate2 ?? 0})`;
  }
}
