/**
 * DVI solving: pairwise LRs, exclusions, undisputed identifications and joint identification, after
 * Vigeland & Egeland (2021), "Joint DNA-based disaster victim identification", Sci Rep 11:13661
 * (the method of the R package dvir).
 *
 * - Pairwise: LR(V = M) = L(family data, V placed at M) / (L(family data) P(V)), per locus from one
 *   genotype-likelihood table of M (see likelihood.ts), so the whole victims x missing table costs one
 *   elimination per missing person and locus. Other modalities' calibrated LRs multiply in
 *   (conditional independence of DNA, fingerprint and face evidence given the pairing).
 * - Exclusions: sex mismatch (unless `ignoreSex`), and LR = 0 (genetically impossible).
 * - Undisputed: LR >= threshold and >= threshold x every other LR in the victim's row and the missing
 *   person's column; fixed, added to the family as typed data, repeated until none is found.
 * - Joint: every one-to-one assignment (unassigned allowed) of the remaining victims to the remaining
 *   missing persons among the candidate pairings; its log-likelihood is that of all the data. Victims and
 *   families split into independent components (connected through candidate pairings) that are
 *   enumerated separately; if a component has more than `maxAssignments` assignments the pairing
 *   limit is raised tenfold for it (recorded in `limitsUsed`) until it fits.
 * - Posterior pairing probabilities under a flat prior over assignments and generalised LRs
 *   (best assignment with V = M versus best without) come from the component enumeration.
 */
import { IdmError } from '../errors.js';
import { type ScoreCalibration, scoreLog10LR } from './calibration.js';
import {
  type CompiledCase,
  type CompiledFamily,
  type CompiledVictim,
  compileCase,
  conditionFamily,
  jointPlacedLogLik,
  placedLocusLogLik,
  placedLogLik,
} from './compile.js';
import { type FragmentGroup, mergeFragments } from './fragments.js';
import type { DviCase, Sex } from './types.js';

export interface DviProgress {
  stage: 'compile' | 'pairwise' | 'undisputed' | 'joint' | 'done';
  done: number;
  total: number;
}

export interface SolveOptions {
  /** Allow pairings whatever the sexes. Default false. */
  ignoreSex?: boolean;
  /** Find undisputed identifications first. Default true. */
  undisputed?: boolean;
  /** LR threshold of undisputed identifications (and of conclusive joint ones). Default 10,000. */
  threshold?: number;
  /** Only pairings with LR above this enter the joint search; 0 (default) keeps every sex-consistent one. */
  limit?: number;
  /** Largest number of assignments enumerated in one component before its limit is raised. Default 100,000. */
  maxAssignments?: number;
  /** Number of best assignments listed in the solution. Default 1,000. */
  maxListed?: number;
  /** Frequency of alleles absent from the database (before re-normalisation). Default 0.001. */
  minFrequency?: number;
  /**
   * Merge PM items that are fragments of one body (identical at >= this many shared loci) before
   * solving; 0 (default) keeps every PM item separate. See fragments.ts.
   */
  mergeFragmentsMinLoci?: number;
  /** Calibrations of the non-DNA modalities, by modality name. */
  calibrations?: Record<string, ScoreCalibration>;
  onProgress?: (progress: DviProgress) => void;
}

export interface PairwiseEntry {
  victim: string;
  missing: string;
  family: string;
  /** DNA LR (V = M versus V unrelated); 0 when impossible. */
  dnaLR: number;
  /** log10 LR of each non-DNA modality with a score for this pair. */
  modalityLog10LR: Record<string, number>;
  /** log10 of DNA LR times the other modalities' LRs (-Infinity serialised as null). */
  combinedLog10LR: number | null;
  excluded: 'sex' | 'dna' | null;
}

/** One row per assignment: victim id -> missing id or '*', then `loglik` (natural log) and `LR`. */
export type AssignmentRow = Record<string, string | number | null>;

export interface PairingPosterior {
  victim: string;
  missing: string | '*';
  probability: number;
}

export interface Identification {
  victim: string;
  missing: string;
  family: string;
  method: 'undisputed' | 'joint';
  dnaLR: number;
  log10LR: Record<string, number>;
  /** The comparison score behind each non-DNA modality's LR (the best one when several were given). */
  scores: Record<string, number>;
  combinedLog10LR: number;
  /** Posterior probability of the pairing under a flat prior (1 for undisputed ones: they are fixed). */
  posterior: number;
  /** log10 generalised LR; null when no assignment without this pairing exists (infinite). */
  log10GLR: number | null;
  conclusive: boolean;
  /** Modalities supporting the pairing, strongest first. */
  drivers: string[];
}

export interface DviSolution {
  caseId: string;
  victims: Array<{ id: string; sex: Sex }>;
  missing: Array<{ id: string; sex: Sex; family: string }>;
  pairwise: PairwiseEntry[];
  undisputed: Array<{ victim: string; missing: string; family: string; LR: number; round: number }>;
  /** PM items merged as fragments of one body (victim id = the items' ids joined with "+"). */
  fragments: FragmentGroup[];
  assignments: AssignmentRow[];
  assignmentsTotal: number;
  components: Array<{ victims: string[]; families: string[]; assignments: number; limit: number }>;
  posteriors: PairingPosterior[];
  identifications: Identification[];
  assumptions: {
    frequencyDatabase: string;
    mutationModels: Record<string, string>;
    alleleAdjustments: string[];
    threshold: number;
    limit: number;
    ignoreSex: boolean;
    prior: string;
  };
}

const ln10 = Math.log(10);

function sexCompatible(a: Sex, b: Sex): boolean {
  return a === 'U' || b === 'U' || a === b;
}

interface Pair {
  v: number;
  m: number;
  /** ln of the combined LR (DNA x modalities). */
  lnLR: number;
  /** ln of the non-DNA part only. */
  lnOther: number;
  dnaLR: number;
}

interface Component {
  victims: number[];
  families: number[];
  /** Candidate missing persons per component victim. */
  options: number[][];
  limit: number;
}

interface Enumerated {
  lls: Float64Array;
  choices: Int32Array[];
}

/** Solves a DVI case. Pure and synchronous; `onProgress` reports the stages. */
export function solveDvi(dviCase: DviCase, options: SolveOptions = {}): DviSolution {
  const threshold = options.threshold ?? 1e4;
  const baseLimit = options.limit ?? 0;
  const maxAssignments = options.maxAssignments ?? 100_000;
  const maxListed = options.maxListed ?? 1000;
  const ignoreSex = options.ignoreSex ?? false;
  const progress = options.onProgress ?? (() => {});
  progress({ stage: 'compile', done: 0, total: 1 });
  let fragments: FragmentGroup[] = [];
  if ((options.mergeFragmentsMinLoci ?? 0) > 0) {
    const merged = mergeFragments(dviCase.victims, options.mergeFragmentsMinLoci);
    fragments = merged.groups;
    const itemToVictim = new Map(merged.groups.flatMap((g) => g.items.map((item) => [item, g.id] as const)));
    dviCase = {
      ...dviCase,
      victims: merged.victims,
      scores: dviCase.scores?.map((sc) => ({ ...sc, victim: itemToVictim.get(sc.victim) ?? sc.victim })),
    };
  }
  const compiled: CompiledCase = compileCase(dviCase, { minFrequency: options.minFrequency });
  const { victims, missing } = compiled;
  let families: CompiledFamily[] = compiled.families;

  // Non-DNA modality log10 LRs per (victim, missing) pair.
  const modality = new Map<string, Record<string, number>>();
  const modalityScore = new Map<string, Record<string, number>>();
  const victimIndex = new Map(victims.map((v, i) => [v.id, i]));
  const missingIndex = new Map(missing.map((m, i) => [m.id, i]));
  for (const s of dviCase.scores ?? []) {
    const cal = options.calibrations?.[s.modality];
    if (!cal && s.log10LR === undefined) {
      throw new IdmError(
        'IDM_VALIDATION',
        `a ${s.modality} score was given but no ${s.modality} calibration`,
      );
    }
    if (!victimIndex.has(s.victim))
      throw new IdmError('IDM_BAD_CASE', `score for unknown victim ${s.victim}`);
    if (!missingIndex.has(s.missing))
      throw new IdmError('IDM_BAD_CASE', `score for unknown missing person ${s.missing}`);
    const key = `${s.victim}\u0000${s.missing}`;
    const rec = modality.get(key) ?? {};
    // A lab calibration given to the solver wins over the engine's own log10 LR.
    const log10 = cal ? scoreLog10LR(cal, s.score) : s.log10LR!;
    if (!Number.isFinite(log10))
      throw new IdmError('IDM_VALIDATION', `${s.modality} log10 LR ${log10} is not finite`);
    rec[s.modality] = (rec[s.modality] ?? 0) + log10;
    modality.set(key, rec);
    const raw = modalityScore.get(key) ?? {};
    raw[s.modality] = Math.max(raw[s.modality] ?? Number.NEGATIVE_INFINITY, s.score);
    modalityScore.set(key, raw);
  }
  const otherLog10 = (v: number, m: number): Record<string, number> =>
    modality.get(`${victims[v].id}\u0000${missing[m].id}`) ?? {};
  const lnOtherOf = (v: number, m: number) =>
    Object.values(otherLog10(v, m)).reduce((s, x) => s + x, 0) * ln10;

  // ln DNA LR of every (victim, missing) pair against the current (conditioned) families; columns of
  // a family are refreshed when an undisputed identification conditions it.
  const M = missing.length;
  const lnDnaMatrix = new Float64Array(victims.length * M);
  const refreshColumn = (m: number) => {
    const mp = missing[m];
    const fam = families[mp.family];
    for (let v = 0; v < victims.length; v++) {
      lnDnaMatrix[v * M + m] =
        placedLogLik(compiled, fam, mp.member, victims[v]) - fam.logLik - victims[v].logLik;
    }
  };
  const pairLR = (v: number, m: number): Pair => {
    const lnDna = lnDnaMatrix[v * M + m];
    const lnOther = lnOtherOf(v, m);
    return { v, m, lnLR: lnDna + lnOther, lnOther, dnaLR: Math.exp(lnDna) };
  };

  // ---- pairwise table (unconditioned)
  const pairwise: PairwiseEntry[] = [];
  const total = victims.length * missing.length;
  let done = 0;
  for (let m = 0; m < missing.length; m++) {
    refreshColumn(m);
    for (let v = 0; v < victims.length; v++) {
      const p = pairLR(v, m);
      const sexOk = ignoreSex || sexCompatible(victims[v].sex, missing[m].sex);
      pairwise.push({
        victim: victims[v].id,
        missing: missing[m].id,
        family: families[missing[m].family].id,
        dnaLR: p.dnaLR,
        modalityLog10LR: otherLog10(v, m),
        combinedLog10LR: Number.isFinite(p.lnLR) ? p.lnLR / ln10 : null,
        excluded: !sexOk ? 'sex' : p.dnaLR === 0 ? 'dna' : null,
      });
    }
    done += victims.length;
    progress({ stage: 'pairwise', done, total });
  }

  // ---- undisputed
  const fixedVictim = new Int32Array(victims.length).fill(-1);
  const fixedMissing = new Int32Array(missing.length).fill(-1);
  const undisputed: DviSolution['undisputed'] = [];
  const placementsOf = (f: number) =>
    missing
      .map((mp, m) => ({ mp, m }))
      .filter(({ mp, m }) => mp.family === f && fixedMissing[m] >= 0)
      .map(({ mp, m }) => ({ member: mp.member, victim: victims[fixedMissing[m]] }));
  if (options.undisputed ?? true) {
    for (let round = 1; ; round++) {
      const lr = new Map<number, Pair>();
      const rowMax = new Float64Array(victims.length).fill(Number.NEGATIVE_INFINITY);
      const colMax = new Float64Array(missing.length).fill(Number.NEGATIVE_INFINITY);
      const rowSecond = new Float64Array(victims.length).fill(Number.NEGATIVE_INFINITY);
      const colSecond = new Float64Array(missing.length).fill(Number.NEGATIVE_INFINITY);
      for (let v = 0; v < victims.length; v++) {
        if (fixedVictim[v] >= 0) continue;
        for (let m = 0; m < missing.length; m++) {
          if (fixedMissing[m] >= 0) continue;
          if (!ignoreSex && !sexCompatible(victims[v].sex, missing[m].sex)) continue;
          const p = pairLR(v, m);
          lr.set(v * missing.length + m, p);
          const x = p.lnLR;
          if (x > rowMax[v]) [rowSecond[v], rowMax[v]] = [rowMax[v], x];
          else if (x > rowSecond[v]) rowSecond[v] = x;
          if (x > colMax[m]) [colSecond[m], colMax[m]] = [colMax[m], x];
          else if (x > colSecond[m]) colSecond[m] = x;
        }
      }
      const lnT = Math.log(threshold);
      const found: Pair[] = [];
      for (const p of lr.values()) {
        const x = p.lnLR;
        if (x < lnT || x < rowMax[p.v] || x < colMax[p.m]) continue;
        if (x - rowSecond[p.v] < lnT || x - colSecond[p.m] < lnT) continue;
        found.push(p);
      }
      if (found.length === 0) break;
      for (const p of found) {
        fixedVictim[p.v] = p.m;
        fixedMissing[p.m] = p.v;
        const f = missing[p.m].family;
        undisputed.push({
          victim: victims[p.v].id,
          missing: missing[p.m].id,
          family: families[f].id,
          LR: Math.exp(p.lnLR),
          round,
        });
      }
      const touched = new Set(found.map((p) => missing[p.m].family));
      families = families.map((fam, f) => {
        if (!touched.has(f)) return fam;
        const placements = placementsOf(f);
        // One placement: the conditioned likelihood is read off the unconditioned tables.
        const known =
          placements.length === 1
            ? placedLocusLogLik(compiled, compiled.families[f], placements[0].member, placements[0].victim)
            : undefined;
        return conditionFamily(compiled, compiled.families[f], placements, known);
      });
      missing.forEach((mp, m) => {
        if (touched.has(mp.family) && fixedMissing[m] < 0) refreshColumn(m);
      });
      progress({ stage: 'undisputed', done: round, total: round });
    }
  }

  // ---- candidate pairings of the rest
  const candidates = new Map<number, Pair>();
  for (let v = 0; v < victims.length; v++) {
    if (fixedVictim[v] >= 0) continue;
    for (let m = 0; m < missing.length; m++) {
      if (fixedMissing[m] >= 0) continue;
      if (!ignoreSex && !sexCompatible(victims[v].sex, missing[m].sex)) continue;
      const p = pairLR(v, m);
      if (baseLimit > 0 && !(p.lnLR > Math.log(baseLimit))) continue;
      candidates.set(v * missing.length + m, p);
    }
  }

  // ---- components, with limit escalation for the ones too large to enumerate
  const components = splitComponents(
    victims.map((_, v) => v).filter((v) => fixedVictim[v] < 0),
    candidates,
    (m) => missing[m].family,
    baseLimit,
  );
  const finished: Array<Component & { enumerated: Enumerated }> = [];
  const queue = [...components];
  let processed = 0;
  while (queue.length > 0) {
    const comp = queue.shift()!;
    const count = countAssignments(comp.options, maxAssignments);
    if (count > maxAssignments) {
      const limit = comp.limit > 0 ? comp.limit * 10 : 1;
      const sub = new Map<number, Pair>();
      for (const v of comp.victims) {
        for (const m of comp.options[comp.victims.indexOf(v)]) {
          const p = candidates.get(v * missing.length + m)!;
          if (p.lnLR > Math.log(limit)) sub.set(v * missing.length + m, p);
        }
      }
      queue.push(...splitComponents(comp.victims, sub, (m) => missing[m].family, limit));
      continue;
    }
    finished.push({ ...comp, enumerated: enumerate(comp) });
    processed++;
    progress({ stage: 'joint', done: processed, total: processed + queue.length });
  }

  function enumerate(comp: Component): Enumerated {
    const cache = new Map<string, number>();
    const famLL = (f: number, placed: Array<{ m: number; v: number }>): number => {
      if (placed.length === 0) return families[f].logLik;
      if (placed.length === 1) {
        const { m, v } = placed[0];
        return placedLogLik(compiled, families[f], missing[m].member, victims[v]);
      }
      placed.sort((a, b) => a.m - b.m);
      const key = `${f}:${placed.map((p) => `${p.m}=${p.v}`).join(',')}`;
      let ll = cache.get(key);
      if (ll === undefined) {
        const all = [
          ...placementsOf(f),
          ...placed.map((p) => ({ member: missing[p.m].member, victim: victims[p.v] as CompiledVictim })),
        ];
        ll = jointPlacedLogLik(compiled, compiled.families[f], all);
        cache.set(key, ll);
      }
      return ll;
    };
    const lls: number[] = [];
    const choices: Int32Array[] = [];
    const k = comp.victims.length;
    const current = new Int32Array(k).fill(-1);
    const used = new Set<number>();
    const leaf = () => {
      const byFamily = new Map<number, Array<{ m: number; v: number }>>();
      for (const f of comp.families) byFamily.set(f, []);
      let ll = 0;
      for (let i = 0; i < k; i++) {
        const v = comp.victims[i];
        const m = current[i];
        if (m < 0) ll += victims[v].logLik;
        else {
          byFamily.get(missing[m].family)!.push({ m, v });
          ll += candidates.get(v * missing.length + m)!.lnOther;
        }
      }
      for (const [f, placed] of byFamily) {
        ll += famLL(f, placed);
        if (ll === Number.NEGATIVE_INFINITY) break;
      }
      lls.push(ll);
      choices.push(Int32Array.from(current));
    };
    const dfs = (i: number) => {
      if (i === k) return leaf();
      current[i] = -1;
      dfs(i + 1);
      for (const m of comp.options[i]) {
        if (used.has(m)) continue;
        used.add(m);
        current[i] = m;
        dfs(i + 1);
        used.delete(m);
      }
      current[i] = -1;
    };
    dfs(0);
    const order = lls.map((_, i) => i).sort((a, b) => lls[b] - lls[a] || a - b);
    return { lls: Float64Array.from(order, (i) => lls[i]), choices: order.map((i) => choices[i]) };
  }

  // ---- constant part: families outside every component, victims outside every component
  const inComponent = new Set<number>();
  const famInComponent = new Set<number>();
  for (const c of finished) {
    for (const v of c.victims) inComponent.add(v);
    for (const f of c.families) famInComponent.add(f);
  }
  let constant = 0;
  families.forEach((fam, f) => {
    if (!famInComponent.has(f)) constant += fam.logLik;
  });
  victims.forEach((v, i) => {
    if (fixedVictim[i] < 0 && !inComponent.has(i)) constant += v.logLik;
  });
  for (const u of undisputed) {
    const v = victimIndex.get(u.victim)!;
    const m = missingIndex.get(u.missing)!;
    constant += lnOtherOf(v, m);
  }

  // ---- combine components: best `maxListed` assignments of the product
  let listed: Array<{ ll: number; parts: number[] }> = [{ ll: constant, parts: [] }];
  let assignmentsTotal = 1;
  for (const c of finished) {
    assignmentsTotal *= c.enumerated.lls.length;
    const next: Array<{ ll: number; parts: number[] }> = [];
    for (let i = 0; i < listed.length; i++) {
      const maxJ = Math.min(c.enumerated.lls.length, Math.floor(maxListed / (i + 1)));
      for (let j = 0; j < maxJ; j++)
        next.push({ ll: listed[i].ll + c.enumerated.lls[j], parts: [...listed[i].parts, j] });
    }
    next.sort((a, b) => b.ll - a.ll);
    listed = next.slice(0, maxListed);
  }
  const bestLL = listed[0].ll;
  const assignments: AssignmentRow[] = listed.map(({ ll, parts }) => {
    const row: AssignmentRow = {};
    for (let v = 0; v < victims.length; v++)
      row[victims[v].id] = fixedVictim[v] >= 0 ? missing[fixedVictim[v]].id : '*';
    finished.forEach((c, ci) => {
      const choice = c.enumerated.choices[parts[ci]];
      c.victims.forEach((v, i) => {
        row[victims[v].id] = choice[i] >= 0 ? missing[choice[i]].id : '*';
      });
    });
    const finite = Number.isFinite(ll);
    row.loglik = finite ? ll : null;
    row.LR = finite ? Math.exp(bestLL - ll) : null;
    return row;
  });

  // ---- posteriors and GLRs per component
  const posteriors: PairingPosterior[] = [];
  const identifications: Identification[] = [];
  const best = listed[0];
  const describe = (v: number, m: number, dnaLR: number, lnOther: number) => {
    const log10LR: Record<string, number> = { dna: Math.log10(dnaLR), ...otherLog10(v, m) };
    const combinedLog10LR = Math.log10(dnaLR) + lnOther / ln10;
    const drivers = Object.entries(log10LR)
      .filter(([, x]) => x > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([k]) => k);
    const scores = modalityScore.get(`${victims[v].id}\u0000${missing[m].id}`) ?? {};
    return { log10LR, scores, combinedLog10LR, drivers };
  };
  for (const u of undisputed) {
    const v = victimIndex.get(u.victim)!;
    const m = missingIndex.get(u.missing)!;
    const lnOther = lnOtherOf(v, m);
    const dnaLR = u.LR / Math.exp(lnOther);
    posteriors.push({ victim: u.victim, missing: u.missing, probability: 1 });
    identifications.push({
      victim: u.victim,
      missing: u.missing,
      family: u.family,
      method: 'undisputed',
      dnaLR,
      ...describe(v, m, dnaLR, lnOther),
      posterior: 1,
      log10GLR: null,
      conclusive: true,
    });
  }
  finished.forEach((c, ci) => {
    const { lls, choices } = c.enumerated;
    const top = lls[0];
    let z = 0;
    for (const ll of lls) z += Math.exp(ll - top);
    c.victims.forEach((v, i) => {
      const mass = new Map<number, number>();
      const bestWith = new Map<number, number>();
      for (let a = 0; a < lls.length; a++) {
        const m = choices[a][i];
        mass.set(m, (mass.get(m) ?? 0) + Math.exp(lls[a] - top));
        if (!bestWith.has(m)) bestWith.set(m, lls[a]);
      }
      for (const [m, w] of [...mass].sort((a, b) => b[1] - a[1])) {
        posteriors.push({ victim: victims[v].id, missing: m >= 0 ? missing[m].id : '*', probability: w / z });
      }
      const chosen = best.parts.length > 0 ? choices[best.parts[ci]][i] : -1;
      if (chosen < 0 || !Number.isFinite(top)) return;
      let bestWithout = Number.NEGATIVE_INFINITY;
      for (const [m, ll] of bestWith) if (m !== chosen && ll > bestWithout) bestWithout = ll;
      const withLL = bestWith.get(chosen)!;
      const log10GLR = bestWithout === Number.NEGATIVE_INFINITY ? null : (withLL - bestWithout) / ln10;
      const p = candidates.get(v * missing.length + chosen)!;
      const posterior = (mass.get(chosen) ?? 0) / z;
      identifications.push({
        victim: victims[v].id,
        missing: missing[chosen].id,
        family: families[missing[chosen].family].id,
        method: 'joint',
        dnaLR: p.dnaLR,
        ...describe(v, chosen, p.dnaLR, p.lnOther),
        posterior,
        log10GLR,
        conclusive: log10GLR === null ? p.lnLR >= Math.log(threshold) : log10GLR >= Math.log10(threshold),
      });
    });
  });
  progress({ stage: 'done', done: 1, total: 1 });

  return {
    caseId: dviCase.id,
    victims: victims.map((v) => ({ id: v.id, sex: v.sex })),
    missing: missing.map((m) => ({ id: m.id, sex: m.sex, family: families[m.family].id })),
    pairwise,
    undisputed,
    fragments,
    assignments,
    assignmentsTotal,
    components: finished.map((c) => ({
      victims: c.victims.map((v) => victims[v].id),
      families: c.families.map((f) => families[f].id),
      assignments: c.enumerated.lls.length,
      limit: c.limit,
    })),
    posteriors,
    identifications,
    assumptions: {
      frequencyDatabase: dviCase.database.name,
      mutationModels: Object.fromEntries(compiled.loci.map((l) => [l.name, l.mutationModelLabel])),
      alleleAdjustments: compiled.adjustments,
      threshold,
      limit: baseLimit,
      ignoreSex,
      prior: 'flat over all one-to-one assignments of the joint search',
    },
  };
}

/** Connected components of victims and families linked by candidate pairings. */
function splitComponents(
  victimList: number[],
  candidates: Map<number, Pair>,
  familyOf: (m: number) => number,
  limit: number,
): Component[] {
  const optionsOf = new Map<number, number[]>();
  for (const v of victimList) optionsOf.set(v, []);
  for (const p of candidates.values()) optionsOf.get(p.v)?.push(p.m);
  // Union-find over victims (ids >= 0) and families (encoded as -1 - f).
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: number, b: number) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    parent.set(find(a), find(b));
  };
  for (const [v, ms] of optionsOf) for (const m of ms) union(v, -1 - familyOf(m));
  const groups = new Map<number, { victims: number[]; families: Set<number> }>();
  for (const [v, ms] of optionsOf) {
    if (ms.length === 0) continue;
    const r = find(v);
    let g = groups.get(r);
    if (!g) {
      g = { victims: [], families: new Set() };
      groups.set(r, g);
    }
    g.victims.push(v);
    for (const m of ms) g.families.add(familyOf(m));
  }
  return [...groups.values()].map((g) => {
    const vs = g.victims.sort((a, b) => a - b);
    return {
      victims: vs,
      families: [...g.families].sort((a, b) => a - b),
      options: vs.map((v) => optionsOf.get(v)!.sort((a, b) => a - b)),
      limit,
    };
  });
}

/** Number of one-to-one assignments (unassigned allowed), counted up to `cap` + 1. */
function countAssignments(options: number[][], cap: number): number {
  let count = 0;
  const used = new Set<number>();
  const dfs = (i: number): void => {
    if (count > cap) return;
    if (i === options.length) {
      count++;
      return;
    }
    dfs(i + 1);
    for (const m of options[i]) {
      if (used.has(m)) continue;
      used.add(m);
      dfs(i + 1);
      used.delete(m);
      if (count > cap) return;
    }
  };
  dfs(0);
  return count;
}
