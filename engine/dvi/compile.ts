/**
 * Compiles a DVI case into index form: loci with unseen alleles handled, families as compiled
 * pedigrees with their reference evidence per locus, victims as allele indices per locus.
 */
import { IdmError } from '../errors.js';
import {
  type CompiledLocus,
  compileLoci,
  type FrequencyOptions,
  genotypeProbability,
} from './frequencies.js';
import { type AlleleIndexPair, markerLikelihood, memberGenotypeLikelihoods } from './likelihood.js';
import { type CompiledPedigree, compilePedigree } from './pedigree.js';
import type { DviCase, Genotype, Profile, Sex } from './types.js';

export interface CompiledVictim {
  id: string;
  sex: Sex;
  /** Per locus (database order): the genotype as allele indices, or null when untyped. */
  genotypes: Array<AlleleIndexPair | null>;
  /** log P(profile) under Hardy-Weinberg: the victim's likelihood when unassigned. */
  logLik: number;
}

export interface CompiledMissing {
  id: string;
  sex: Sex;
  family: number;
  member: number;
}

/** Per locus, per member: the observations. */
export type FamilyEvidence = Array<Array<AlleleIndexPair[] | undefined>>;

export interface CompiledFamily {
  id: string;
  ped: CompiledPedigree;
  missing: number[];
  evidence: FamilyEvidence;
  /** Per locus: log L(reference data). */
  locusLogLik: number[];
  logLik: number;
  /** Lazily computed: per missing member (key), per locus, the n x n genotype-likelihood table. */
  genotypeTables: Map<number, Float64Array[]>;
}

export interface CompiledCase {
  loci: CompiledLocus[];
  adjustments: string[];
  victims: CompiledVictim[];
  missing: CompiledMissing[];
  families: CompiledFamily[];
}

function collectTyped(c: DviCase): Map<string, Genotype[]> {
  const typed = new Map<string, Genotype[]>();
  const add = (profile: Profile | undefined) => {
    if (!profile) return;
    for (const [locus, g] of Object.entries(profile)) {
      let list = typed.get(locus);
      if (!list) {
        list = [];
        typed.set(locus, list);
      }
      list.push(g);
    }
  };
  for (const v of c.victims) add(v.profile);
  for (const f of c.families) {
    for (const m of f.pedigree.members) add(m.profile);
    for (const refs of Object.values(f.directReferences ?? {})) for (const r of refs) add(r);
  }
  return typed;
}

function toIndices(locus: CompiledLocus, g: Genotype, who: string): AlleleIndexPair {
  if (!Array.isArray(g) || g.length !== 2) {
    throw new IdmError('IDM_BAD_PROFILE', `${who}: genotype at ${locus.name} must be two alleles`);
  }
  return [locus.index.get(String(g[0]))!, locus.index.get(String(g[1]))!];
}

export function compileCase(c: DviCase, options: FrequencyOptions = {}): CompiledCase {
  const { loci, adjustments } = compileLoci(c.database, collectTyped(c), options);
  const locusNames = new Set(loci.map((l) => l.name));
  const checkLoci = (profile: Profile | undefined, who: string) => {
    for (const name of Object.keys(profile ?? {})) {
      if (!locusNames.has(name)) {
        throw new IdmError(
          'IDM_UNKNOWN_LOCUS',
          `${who} is typed at ${name}, which the frequency database lacks`,
        );
      }
    }
  };
  const victimIds = new Set<string>();
  const victims = c.victims.map((v): CompiledVictim => {
    if (victimIds.has(v.id)) throw new IdmError('IDM_BAD_CASE', `victim ${v.id} appears twice`);
    victimIds.add(v.id);
    checkLoci(v.profile, `victim ${v.id}`);
    let logLik = 0;
    const genotypes = loci.map((locus) => {
      const g = v.profile[locus.name];
      if (!g) return null;
      const pair = toIndices(locus, g, `victim ${v.id}`);
      logLik += Math.log(genotypeProbability(locus.frequencies, pair[0], pair[1]));
      return pair;
    });
    return { id: v.id, sex: v.sex, genotypes, logLik };
  });

  const missing: CompiledMissing[] = [];
  const missingIds = new Set<string>();
  const families = c.families.map((f, fi): CompiledFamily => {
    const ped = compilePedigree(f.pedigree, `family ${f.id}`);
    const evidence: FamilyEvidence = loci.map(() => new Array(ped.ids.length));
    for (const m of f.pedigree.members) {
      checkLoci(m.profile, `member ${m.id} of family ${f.id}`);
      const i = ped.indexOf.get(m.id)!;
      loci.forEach((locus, l) => {
        const g = m.profile?.[locus.name];
        if (g) evidence[l][i] = [toIndices(locus, g, `member ${m.id} of family ${f.id}`)];
      });
    }
    if (f.missing.length === 0) throw new IdmError('IDM_BAD_CASE', `family ${f.id} has no missing person`);
    const missingMembers = f.missing.map((id) => {
      const i = ped.indexOf.get(id);
      if (i === undefined)
        throw new IdmError('IDM_BAD_CASE', `missing person ${id} is not a member of family ${f.id}`);
      if (evidence.some((e) => e[i])) {
        throw new IdmError(
          'IDM_BAD_CASE',
          `missing person ${id} of family ${f.id} is typed; use a direct reference`,
        );
      }
      if (missingIds.has(id)) throw new IdmError('IDM_BAD_CASE', `missing person id ${id} is used twice`);
      missingIds.add(id);
      missing.push({ id, sex: ped.sex[i], family: fi, member: i });
      return i;
    });
    for (const [id, refs] of Object.entries(f.directReferences ?? {})) {
      const i = ped.indexOf.get(id);
      if (i === undefined || !missingMembers.includes(i)) {
        throw new IdmError(
          'IDM_BAD_CASE',
          `direct reference for ${id}, who is not a missing person of family ${f.id}`,
        );
      }
      for (const r of refs) {
        checkLoci(r, `direct reference of ${id}`);
        loci.forEach((locus, l) => {
          const g = r[locus.name];
          if (!g) return;
          const list = evidence[l][i] ?? [];
          list.push(toIndices(locus, g, `direct reference of ${id}`));
          evidence[l][i] = list;
        });
      }
    }
    // L(reference data) = the sum of the first missing member's genotype table: one elimination per
    // locus gives both, and the table is needed for the pairwise LRs anyway.
    const first = loci.map((locus, l) =>
      memberGenotypeLikelihoods(ped, locus, evidence[l], missingMembers[0]),
    );
    const locusLogLik = loci.map((locus, l) => Math.log(tableTotal(first[l], locus.alleles.length)));
    const logLik = locusLogLik.reduce((s, x) => s + x, 0);
    if (logLik === Number.NEGATIVE_INFINITY) {
      throw new IdmError(
        'IDM_BAD_CASE',
        `family ${f.id}: the reference data are impossible on the pedigree (Mendelian inconsistency without mutation)`,
      );
    }
    return {
      id: f.id,
      ped,
      missing: missingMembers,
      evidence,
      locusLogLik,
      logLik,
      genotypeTables: new Map([[missingMembers[0], first]]),
    };
  });
  for (const v of victims) {
    if (missingIds.has(v.id))
      throw new IdmError('IDM_BAD_CASE', `id ${v.id} is both a victim and a missing person`);
  }
  return { loci, adjustments, victims, missing, families };
}

/** Sum over unordered genotypes of a symmetric genotype table (entry [a][b] is genotype {a, b}). */
export function tableTotal(table: Float64Array, n: number): number {
  let total = 0;
  for (let a = 0; a < n; a++) for (let b = a; b < n; b++) total += table[a * n + b];
  return total;
}

/** The genotype-likelihood tables of one missing member, per locus (cached on the family). */
export function genotypeTables(c: CompiledCase, family: CompiledFamily, member: number): Float64Array[] {
  let tables = family.genotypeTables.get(member);
  if (!tables) {
    tables = c.loci.map((locus, l) =>
      memberGenotypeLikelihoods(family.ped, locus, family.evidence[l], member),
    );
    family.genotypeTables.set(member, tables);
  }
  return tables;
}

/**
 * log L(family data with the victim placed at member) - computed from the cached tables: for each
 * locus where the victim is typed, the table entry of its genotype; elsewhere the reference-only
 * likelihood.
 */
export function placedLogLik(
  c: CompiledCase,
  family: CompiledFamily,
  member: number,
  victim: CompiledVictim,
): number {
  const tables = genotypeTables(c, family, member);
  let ll = 0;
  for (let l = 0; l < c.loci.length; l++) {
    const g = victim.genotypes[l];
    ll += g ? Math.log(tables[l][g[0] * c.loci[l].alleles.length + g[1]]) : family.locusLogLik[l];
  }
  return ll;
}

/** Per locus, log L(family data with the victim placed at member), from the cached tables. */
export function placedLocusLogLik(
  c: CompiledCase,
  family: CompiledFamily,
  member: number,
  victim: CompiledVictim,
): number[] {
  const tables = genotypeTables(c, family, member);
  return c.loci.map((locus, l) => {
    const g = victim.genotypes[l];
    return g ? Math.log(tables[l][g[0] * locus.alleles.length + g[1]]) : family.locusLogLik[l];
  });
}

/** log L(family data with several victims placed at several members), by a full computation. */
export function jointPlacedLogLik(
  c: CompiledCase,
  family: CompiledFamily,
  placements: ReadonlyArray<{ member: number; victim: CompiledVictim }>,
): number {
  let ll = 0;
  for (let l = 0; l < c.loci.length; l++) {
    const evidence = [...family.evidence[l]];
    let changed = false;
    for (const { member, victim } of placements) {
      const g = victim.genotypes[l];
      if (!g) continue;
      evidence[member] = [...(evidence[member] ?? []), g];
      changed = true;
    }
    ll += changed ? Math.log(markerLikelihood(family.ped, c.loci[l], evidence)) : family.locusLogLik[l];
    if (ll === Number.NEGATIVE_INFINITY) return ll;
  }
  return ll;
}

/** Adds victims as typed evidence to a family (used to condition on undisputed identifications). */
export function conditionFamily(
  c: CompiledCase,
  family: CompiledFamily,
  placements: ReadonlyArray<{ member: number; victim: CompiledVictim }>,
  knownLocusLogLik?: number[],
): CompiledFamily {
  const evidence = family.evidence.map((perMember, l) => {
    const copy = [...perMember];
    for (const { member, victim } of placements) {
      const g = victim.genotypes[l];
      if (g) copy[member] = [...(copy[member] ?? []), g];
    }
    return copy;
  });
  const locusLogLik =
    knownLocusLogLik ?? c.loci.map((locus, l) => Math.log(markerLikelihood(family.ped, locus, evidence[l])));
  return {
    ...family,
    evidence,
    locusLogLik,
    logLik: locusLogLik.reduce((s, x) => s + x, 0),
    genotypeTables: new Map(),
  };
}
