/**
 * Kinship likelihoods and LRs between competing pedigrees over the same typed persons (the Familias
 * "pedigrees" of a kinship case, or e.g. "V is missing person M in this family" against "V is
 * unrelated"). Markers are independent: the log-likelihood is the sum over loci.
 */
import { IdmError } from '../errors.js';
import { compileLoci, type FrequencyOptions } from './frequencies.js';
import { markerLikelihood } from './likelihood.js';
import { compilePedigree } from './pedigree.js';
import type { Genotype, KinshipCase, LocusDatabase, Pedigree } from './types.js';

export interface PedigreeLikelihood {
  name: string;
  loglik: number;
  perLocus: Record<string, number>;
}

function typedOf(pedigrees: Pedigree[]): Map<string, Genotype[]> {
  const typed = new Map<string, Genotype[]>();
  for (const p of pedigrees) {
    for (const m of p.members) {
      for (const [locus, g] of Object.entries(m.profile ?? {})) {
        let list = typed.get(locus);
        if (!list) {
          list = [];
          typed.set(locus, list);
        }
        list.push(g);
      }
    }
  }
  return typed;
}

/** Natural-log likelihood of each named pedigree, per locus and in total. */
export function pedigreeLikelihoods(
  database: LocusDatabase,
  hypotheses: ReadonlyArray<{ name: string; pedigree: Pedigree }>,
  options: FrequencyOptions = {},
): PedigreeLikelihood[] {
  const { loci } = compileLoci(database, typedOf(hypotheses.map((h) => h.pedigree)), options);
  const names = new Set(loci.map((l) => l.name));
  return hypotheses.map(({ name, pedigree }) => {
    const ped = compilePedigree(pedigree, `pedigree ${name}`);
    for (const m of pedigree.members) {
      for (const locus of Object.keys(m.profile ?? {})) {
        if (!names.has(locus))
          throw new IdmError('IDM_UNKNOWN_LOCUS', `${m.id} is typed at ${locus}, not in the database`);
      }
    }
    const perLocus: Record<string, number> = {};
    let loglik = 0;
    for (const locus of loci) {
      const evidence = ped.ids.map((id) => {
        const g = pedigree.members.find((m) => m.id === id)?.profile?.[locus.name];
        return g ? [[locus.index.get(g[0])!, locus.index.get(g[1])!] as const] : undefined;
      });
      const ll = Math.log(markerLikelihood(ped, locus, evidence));
      perLocus[locus.name] = ll;
      loglik += ll;
    }
    return { name, loglik, perLocus };
  });
}

/** LR of hypothesis `h1` against `h2` (both pedigrees must contain the same typed persons). */
export function kinshipLR(
  database: LocusDatabase,
  h1: Pedigree,
  h2: Pedigree,
  options: FrequencyOptions = {},
): { LR: number; log10LR: number; perLocus: Record<string, number> } {
  const typedIds = (p: Pedigree) =>
    p.members
      .filter((m) => m.profile && Object.keys(m.profile).length > 0)
      .map((m) => m.id)
      .sort()
      .join(',');
  if (typedIds(h1) !== typedIds(h2)) {
    throw new IdmError('IDM_BAD_PEDIGREE', 'the two hypotheses must contain the same typed persons');
  }
  const [a, b] = pedigreeLikelihoods(
    database,
    [
      { name: 'H1', pedigree: h1 },
      { name: 'H2', pedigree: h2 },
    ],
    options,
  );
  const perLocus = Object.fromEntries(
    Object.keys(a.perLocus).map((l) => [l, Math.exp(a.perLocus[l] - b.perLocus[l])]),
  );
  return { LR: Math.exp(a.loglik - b.loglik), log10LR: (a.loglik - b.loglik) / Math.LN10, perLocus };
}

/** Likelihoods of every hypothesis of a kinship case, with LRs against the most likely one. */
export function solveKinship(kinship: KinshipCase, options: FrequencyOptions = {}) {
  const results = pedigreeLikelihoods(kinship.database, kinship.hypotheses, options);
  const max = Math.max(...results.map((r) => r.loglik));
  let z = 0;
  for (const r of results) z += Math.exp(r.loglik - max);
  return results.map((r) => ({
    name: r.name,
    loglik: Number.isFinite(r.loglik) ? r.loglik : null,
    LRvsBest: Number.isFinite(r.loglik) ? Math.exp(r.loglik - max) : 0,
    posteriorFlat: Math.exp(r.loglik - max) / z,
  }));
}
