/**
 * Match statistics for STR profiles: random match probability (NRC II 1996, equations 4.1 and 4.10),
 * the likelihood ratio of a single-source match, inclusion probabilities for partial and mixed
 * probes, and kinship likelihood ratios from IBD coefficients (with mutation for parent-child).
 */
import { mutationMatrix, type MutationModel } from '../dvi/mutation.js';
import { IdmError } from '../errors.js';
import { alleleFrequency, type FrequencyTable } from './frequencies.js';
import { isAutosomal, type StrProfile } from './profile.js';

/** NRC II recommends theta = 0.01 for most U.S. populations (0.03 for small, isolated ones). */
export const DEFAULT_THETA = 0.01;

function checkTheta(theta: number): void {
  if (!Number.isFinite(theta) || theta < 0 || theta >= 1) {
    throw new IdmError('IDM_VALIDATION', `theta must be in [0, 1), got ${theta}`);
  }
}

/**
 * Probability that a random person has the genotype, given that the suspect has it.
 * NRC II eq. 4.10 (Balding & Nichols 1994 conditional match probability):
 *   homozygote  aa: [2θ + (1-θ)p_a][3θ + (1-θ)p_a] / [(1+θ)(1+2θ)]
 *   heterozygote ab: 2[θ + (1-θ)p_a][θ + (1-θ)p_b] / [(1+θ)(1+2θ)]
 * With θ = 0 these are eq. 4.1 (Hardy-Weinberg): p_a² and 2 p_a p_b.
 */
export function genotypeMatchProbability(pa: number, pb: number | null, theta = DEFAULT_THETA): number {
  const denominator = (1 + theta) * (1 + 2 * theta);
  if (pb === null) return ((2 * theta + (1 - theta) * pa) * (3 * theta + (1 - theta) * pa)) / denominator;
  return (2 * (theta + (1 - theta) * pa) * (theta + (1 - theta) * pb)) / denominator;
}

/**
 * Probability that a random genotype lies wholly inside an allele set whose frequencies sum to P:
 * the combined probability of inclusion, with θ as in NRC II eq. 4.4 summed over the set's genotypes:
 * sum_a [p_a² + θ p_a(1-p_a)] + sum_{a<b} 2 p_a p_b (1-θ) = (1-θ)P² + θP.
 */
export function probabilityWithin(sumP: number, theta: number): number {
  const p = Math.min(1, sumP);
  return (1 - theta) * p * p + theta * p;
}

export type LocusStatistic = 'rmp' | 'cpi' | 'carrier' | 'shares-allele';

/** The per-locus statistic of a probe under a matching rule, with the frequencies it used. */
export interface LocusProbability {
  locus: string;
  alleles: string[];
  /** Frequencies used, in the order of `alleles` (after the 5/2N floor). */
  frequencies: number[];
  /** Probability that a random unrelated person is concordant with the probe at this locus. */
  probability: number;
  statistic: LocusStatistic;
}

/** Frequencies of a probe's alleles at a locus, or undefined when the table lacks the locus. */
function frequenciesOf(
  table: FrequencyTable,
  locus: string,
  alleles: readonly string[],
): number[] | undefined {
  const out: number[] = [];
  for (const a of alleles) {
    const p = alleleFrequency(table, locus, a);
    if (p === undefined) return undefined;
    out.push(p);
  }
  return out;
}

/**
 * Probability that a random person would be declared concordant with the probe's alleles at a locus:
 * - `identical` (single source, one or two alleles): the RMP of eq. 4.10 (4.1 when θ = 0);
 * - `identical`/`subset` with more than two alleles: the combined probability of inclusion;
 * - `subset` with one or two alleles: every genotype made of the probe's alleles, plus (one allele) every
 *   genotype carrying it (the probe may be a partial profile with drop-out);
 * - `overlap` (low stringency): every genotype sharing at least one allele with the probe.
 */
export function locusInclusionProbability(
  table: FrequencyTable,
  locus: string,
  alleles: readonly string[],
  rule: 'identical' | 'subset' | 'overlap',
  theta = DEFAULT_THETA,
): LocusProbability | undefined {
  checkTheta(theta);
  const freqs = frequenciesOf(table, locus, alleles);
  if (freqs === undefined || alleles.length === 0) return undefined;
  const sum = freqs.reduce((s, p) => s + p, 0);
  const base = { locus, alleles: [...alleles], frequencies: freqs };
  if (rule === 'overlap' || (rule === 'subset' && alleles.length === 1)) {
    // 1 - P(both alleles outside the set)
    const probability = Math.max(0, 1 - probabilityWithin(1 - Math.min(1, sum), theta));
    return { ...base, probability, statistic: rule === 'overlap' ? 'shares-allele' : 'carrier' };
  }
  if (alleles.length <= 2 && rule === 'identical') {
    const probability = genotypeMatchProbability(freqs[0], alleles.length === 2 ? freqs[1] : null, theta);
    return { ...base, probability, statistic: 'rmp' };
  }
  return { ...base, probability: probabilityWithin(sum, theta), statistic: 'cpi' };
}

export interface LocusRmp {
  locus: string;
  alleles: string[];
  frequencies: number[];
  rmp: number;
  statistic: LocusStatistic;
}

export interface RmpResult {
  /** Product over loci of the per-locus probabilities. */
  rmp: number;
  /** 1 / rmp: the likelihood ratio of a single-source match. */
  lr: number;
  log10Lr: number;
  theta: number;
  frequencies: string;
  loci: LocusRmp[];
  /** Loci of the profile left out: sex markers and loci the table has no data for. */
  skipped: string[];
}

/**
 * Random match probability of a profile combined over its autosomal loci (product rule). Single-source
 * loci use NRC II 4.10 (4.1 when θ = 0); a locus with more than two alleles is treated as a mixture and
 * contributes its combined probability of inclusion.
 */
export function randomMatchProbability(
  profile: StrProfile,
  table: FrequencyTable,
  theta = DEFAULT_THETA,
): RmpResult {
  checkTheta(theta);
  const loci: LocusRmp[] = [];
  const skipped: string[] = [];
  let rmp = 1;
  for (const [locus, alleles] of Object.entries(profile.loci)) {
    const stat = isAutosomal(locus)
      ? locusInclusionProbability(table, locus, alleles, 'identical', theta)
      : undefined;
    if (stat === undefined) {
      skipped.push(locus);
      continue;
    }
    rmp *= stat.probability;
    loci.push({
      locus,
      alleles: stat.alleles,
      frequencies: stat.frequencies,
      rmp: stat.probability,
      statistic: stat.statistic,
    });
  }
  if (loci.length === 0) {
    throw new IdmError(
      'IDM_BAD_FREQUENCIES',
      `frequency table ${table.name} covers none of the profile's loci`,
      {
        skipped,
      },
    );
  }
  return { rmp, lr: 1 / rmp, log10Lr: -Math.log10(rmp), theta, frequencies: table.name, loci, skipped };
}

// ---------------------------------------------------------------------------------------------- kinship

export type Relationship =
  | 'parent-child'
  | 'full-sibling'
  | 'half-sibling'
  | 'grandparent'
  | 'avuncular'
  | 'first-cousin'
  | 'unrelated';

/**
 * IBD coefficients (k0, k1, k2): probabilities that two relatives share 0, 1 or 2 alleles identical by
 * descent (non-inbred, e.g. Weir, Anderson & Hepler 2006, Nat Rev Genet 7:771, table 1).
 */
export const IBD_COEFFICIENTS: Readonly<Record<Relationship, readonly [number, number, number]>> = {
  'parent-child': [0, 1, 0],
  'full-sibling': [0.25, 0.5, 0.25],
  'half-sibling': [0.5, 0.5, 0],
  grandparent: [0.5, 0.5, 0],
  avuncular: [0.5, 0.5, 0],
  'first-cousin': [0.75, 0.25, 0],
  unrelated: [1, 0, 0],
};

export const RELATIONSHIPS = Object.keys(IBD_COEFFICIENTS) as Relationship[];

export function parseRelationship(name: string): Relationship {
  const key = name.toLowerCase().replace(/[\s_]/g, '-');
  const aliases: Record<string, Relationship> = {
    'parent-child': 'parent-child',
    parent: 'parent-child',
    paternity: 'parent-child',
    'full-sibling': 'full-sibling',
    'full-siblings': 'full-sibling',
    sibling: 'full-sibling',
    siblings: 'full-sibling',
    'half-sibling': 'half-sibling',
    'half-siblings': 'half-sibling',
    grandparent: 'grandparent',
    'grandparent-grandchild': 'grandparent',
    avuncular: 'avuncular',
    'uncle-nephew': 'avuncular',
    uncle: 'avuncular',
    'first-cousin': 'first-cousin',
    'first-cousins': 'first-cousin',
    cousin: 'first-cousin',
    cousins: 'first-cousin',
    unrelated: 'unrelated',
  };
  const relationship = aliases[key];
  if (relationship === undefined) {
    throw new IdmError(
      'IDM_VALIDATION',
      `unknown relationship "${name}" (one of ${RELATIONSHIPS.join(', ')})`,
    );
  }
  return relationship;
}

/** A locus's mutation matrix and the allele order it is indexed by (for parent-child transmissions). */
export interface LocusMutation {
  index: Map<string, number>;
  matrix: Float64Array;
  size: number;
}

/**
 * The mutation matrix of a locus over the table's alleles plus any extra alleles (floored frequencies,
 * renormalised to sum to 1 for the proportional model), built with the DVI engine's models.
 */
export function locusMutation(
  table: FrequencyTable,
  locus: string,
  model: MutationModel,
  extraAlleles: Iterable<string> = [],
): LocusMutation | undefined {
  const known = table.loci[locus];
  if (known === undefined) return undefined;
  // Stepwise models need repeat numbers: off-ladder calls (OL, <n, >n) stay out of the matrix and are
  // then transmitted without mutation (see `transmission`).
  const stepwise = model.kind === 'stepwise' || model.kind === 'onestep';
  const alleles = [...new Set([...Object.keys(known), ...extraAlleles])].filter(
    (a) => !stepwise || /^\d+(\.\d)?$/.test(a),
  );
  const freqs = alleles.map((a) => alleleFrequency(table, locus, a) ?? 0);
  const total = freqs.reduce((s, p) => s + p, 0);
  const matrix = mutationMatrix(
    alleles,
    freqs.map((p) => p / total),
    model,
  );
  return { index: new Map(alleles.map((a, i) => [a, i])), matrix, size: alleles.length };
}

/**
 * Probability that allele x is transmitted by a parent of genotype `parent`: half from each of the
 * parent's two alleles (a homozygote written once counts twice), through the mutation matrix if any.
 */
function transmission(parent: readonly string[], x: string, mutation?: LocusMutation): number {
  const pair = parent.length === 1 ? [parent[0], parent[0]] : parent;
  let t = 0;
  for (const a of pair) {
    if (mutation === undefined) t += a === x ? 0.5 : 0;
    else {
      const i = mutation.index.get(a);
      const j = mutation.index.get(x);
      if (i !== undefined && j !== undefined) t += 0.5 * mutation.matrix[i * mutation.size + j];
      else t += a === x ? 0.5 : 0;
    }
  }
  return t;
}

/**
 * Probability that the next allele drawn from the subpopulation is x, given the alleles already seen
 * (Balding & Nichols 1994 sampling formula, the basis of NRC II eq. 4.10):
 *   (m_x θ + (1 - θ) p_x) / (1 + (n - 1) θ), with m_x copies of x among the n seen.
 */
function nextAllele(x: string, seen: readonly string[], p: number, theta: number): number {
  if (theta === 0) return p;
  let m = 0;
  for (const s of seen) if (s === x) m++;
  return (m * theta + (1 - theta) * p) / (1 + (seen.length - 1) * theta);
}

/**
 * Kinship index at one locus for genotypes A and B (one or two alleles each):
 *   LR = k0 + k1 P(B | A, one allele IBD) / P(B | A) + k2 [A = B] / P(B | A).
 * Under "unrelated", P(B | A) is B's genotype probability given that A's alleles were seen: with θ = 0
 * Hardy-Weinberg (eq. 4.1: p_c², 2 p_c p_d); with θ > 0 B's alleles are drawn in turn with the sampling
 * formula above (B = A then gives eq. 4.10). With one allele IBD, one of B's alleles is a copy of one of
 * A's two alleles (each with probability 1/2, through the mutation matrix when given; A is then the
 * parent of a parent-child pair) and B's other allele is drawn given A's. With θ = 0 this is the
 * familiar table of paternity and sibling indices.
 */
export function kinshipLocusLr(
  a: readonly string[],
  b: readonly string[],
  k: readonly [number, number, number],
  freq: (allele: string) => number,
  mutation?: LocusMutation,
  theta = 0,
): number {
  const [k0, k1, k2] = k;
  const seenA = a.length === 1 ? [a[0], a[0]] : a;
  if (b.length === 1) {
    const c = b[0];
    const pc = freq(c);
    const firstC = nextAllele(c, seenA, pc, theta);
    const pB = firstC * nextAllele(c, [...seenA, c], pc, theta);
    const p1 = transmission(a, c, mutation) * firstC;
    const same = a.length === 1 && a[0] === c ? 1 : 0;
    return k0 + (k1 * p1) / pB + (k2 * same) / pB;
  }
  const [c, d] = b;
  const pc = freq(c);
  const pd = freq(d);
  const givenAc = nextAllele(c, seenA, pc, theta);
  const givenAd = nextAllele(d, seenA, pd, theta);
  const pB = 2 * givenAc * nextAllele(d, [...seenA, c], pd, theta);
  const p1 = transmission(a, c, mutation) * givenAd + transmission(a, d, mutation) * givenAc;
  const same = a.length === 2 && a[0] === c && a[1] === d ? 1 : 0;
  return k0 + (k1 * p1) / pB + (k2 * same) / pB;
}

export interface KinshipOptions {
  relationship: Relationship;
  frequencies: FrequencyTable;
  /** Mutation model for parent-child transmissions (ignored for other relationships). */
  mutation?: MutationModel;
  /** Subpopulation correction (Balding-Nichols sampling formula); default 0, Hardy-Weinberg. */
  theta?: number;
}

export interface KinshipResult {
  relationship: Relationship;
  ibd: readonly [number, number, number];
  lr: number;
  log10Lr: number;
  theta: number;
  frequencies: string;
  loci: Array<{ locus: string; a: string[]; b: string[]; lr: number }>;
  /** Loci typed in only one profile, mixtures, sex markers or loci missing from the table. */
  skipped: string[];
}

/**
 * Kinship LR of "A and B are related as `relationship`" against "unrelated", multiplied over the
 * autosomal loci typed in both (independent loci). For parent-child with a mutation model, A is the
 * parent.
 */
export function kinshipLr(a: StrProfile, b: StrProfile, options: KinshipOptions): KinshipResult {
  const k = IBD_COEFFICIENTS[options.relationship];
  const table = options.frequencies;
  const theta = options.theta ?? 0;
  checkTheta(theta);
  const withMutation = options.relationship === 'parent-child' && options.mutation !== undefined;
  const loci: KinshipResult['loci'] = [];
  const skipped: string[] = [];
  let log10 = 0;
  let zero = false;
  const names = new Set([...Object.keys(a.loci), ...Object.keys(b.loci)]);
  for (const locus of names) {
    const ga = a.loci[locus];
    const gb = b.loci[locus];
    if (!isAutosomal(locus) || ga === undefined || gb === undefined || ga.length > 2 || gb.length > 2) {
      skipped.push(locus);
      continue;
    }
    if (table.loci[locus] === undefined) {
      skipped.push(locus);
      continue;
    }
    const mutation = withMutation
      ? locusMutation(table, locus, options.mutation as MutationModel, [...ga, ...gb])
      : undefined;
    const lr = kinshipLocusLr(ga, gb, k, (x) => alleleFrequency(table, locus, x) as number, mutation, theta);
    loci.push({ locus, a: [...ga], b: [...gb], lr });
    if (lr === 0) zero = true;
    else log10 += Math.log10(lr);
  }
  if (loci.length === 0) {
    throw new IdmError(
      'IDM_BAD_PROFILE',
      'the two profiles share no autosomal locus the frequency table covers',
      {
        skipped,
      },
    );
  }
  return {
    relationship: options.relationship,
    ibd: k,
    lr: zero ? 0 : 10 ** log10,
    log10Lr: zero ? Number.NEGATIVE_INFINITY : log10,
    theta,
    frequencies: table.name,
    loci,
    skipped,
  };
}
