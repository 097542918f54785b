/**
 * Exact likelihood of typed genotypes on a pedigree, one marker at a time.
 *
 * Method: variable elimination on the allele-inheritance network (Lauritzen & Sheehan 2003, "Graphical
 * models for genetic analyses", Stat Sci 18:489), which is the factor-graph form of Elston-Stewart
 * peeling. Each member has two allele variables, the allele from the father (slot 2i) and from the
 * mother (slot 2i+1). Factors:
 * - founder slot: the population frequency p(a) (Hardy-Weinberg);
 * - child slot from a parent: 1/2 (T[x][c] + T[y][c]) where (x, y) are the parent's slots and T the
 *   parent's sex-specific mutation matrix (identity without mutation);
 * - a typed member: 1 if the unordered pair of its slots equals the observed genotype.
 * Typed members' slots are restricted to their own alleles, which keeps factors small. Variables are
 * eliminated in greedy min-size order; on a loop-free pedigree every intermediate factor stays small,
 * and pedigrees with loops (inbreeding, double first cousins) are computed exactly too, unless an
 * intermediate factor would exceed `maxFactorEntries`, in which case the computation is refused.
 */
import { IdmError } from '../errors.js';
import type { CompiledLocus } from './frequencies.js';
import type { CompiledPedigree } from './pedigree.js';

/** Observed genotype as allele indices of the locus. */
export type AlleleIndexPair = readonly [number, number];

/** Per member: the observations at this locus (several when direct references are attached), or none. */
export type MarkerEvidence = ReadonlyArray<readonly AlleleIndexPair[] | undefined>;

/** Largest intermediate table a likelihood computation may build (refused beyond). */
export const maxFactorEntries = 8_000_000;

/** Limits of one computation (tests lower them to exercise the refusal). */
export interface LikelihoodLimits {
  maxFactorEntries?: number;
}

interface Factor {
  vars: number[];
  cards: number[];
  table: Float64Array;
}

function strides(cards: number[]): number[] {
  const s = new Array<number>(cards.length);
  let acc = 1;
  for (let i = cards.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= cards[i];
  }
  return s;
}

/** Multiplies `factors` and sums out `sumOut` (or nothing when -1). */
function combine(
  factors: Factor[],
  sumOut: number,
  cardOf: (v: number) => number,
  limit = maxFactorEntries,
): Factor {
  const vars: number[] = [];
  for (const f of factors) for (const v of f.vars) if (v !== sumOut && !vars.includes(v)) vars.push(v);
  vars.sort((a, b) => a - b);
  const resultVars = [...vars];
  if (sumOut >= 0) vars.push(sumOut);
  const cards = vars.map(cardOf);
  let total = 1;
  for (const c of cards) total *= c;
  if (total > limit) {
    throw new IdmError(
      'IDM_PEDIGREE_LOOP',
      `exact likelihood needs a table of ${total} entries (limit ${limit}); the pedigree's loops are too complex`,
    );
  }
  const inner = sumOut >= 0 ? cardOf(sumOut) : 1;
  const resultCards = resultVars.map(cardOf);
  const out = new Float64Array(total / inner);
  const k = vars.length;
  const nf = factors.length;
  const fStride: number[][] = factors.map((f) => {
    const s = strides(f.cards);
    return vars.map((v) => {
      const pos = f.vars.indexOf(v);
      return pos < 0 ? 0 : s[pos];
    });
  });
  const tables = factors.map((f) => f.table);
  const assign = new Int32Array(k);
  const idx = new Int32Array(nf);
  for (let t = 0; t < total; t++) {
    let prod = 1;
    for (let f = 0; f < nf && prod !== 0; f++) prod *= tables[f][idx[f]];
    if (prod !== 0) out[(t / inner) | 0] += prod;
    for (let d = k - 1; d >= 0; d--) {
      assign[d]++;
      if (assign[d] < cards[d]) {
        for (let f = 0; f < nf; f++) idx[f] += fStride[f][d];
        break;
      }
      for (let f = 0; f < nf; f++) idx[f] -= fStride[f][d] * (cards[d] - 1);
      assign[d] = 0;
    }
  }
  return { vars: resultVars, cards: resultCards, table: out };
}

/**
 * Exact simplifications before elimination (both leave the likelihood unchanged):
 * - barren members: untyped, not kept, without remaining children; their factors sum to 1;
 * - collapsed founders: an untyped founder (not kept) with one remaining child is summed out into that
 *   child's slot, whose prior becomes (1/2)(q_x + q_y) M, with q the founder's slot priors and M the
 *   founder's sex-specific mutation matrix (p M differs from p when p is not stationary under M).
 * Returns per-slot priors for founder slots (null = population frequencies) and removed members.
 */
function reduce(ped: CompiledPedigree, locus: CompiledLocus, evidence: MarkerEvidence, keep: number) {
  const members = ped.ids.length;
  const n = locus.alleles.length;
  const father = Int32Array.from(ped.father);
  const mother = Int32Array.from(ped.mother);
  const removed = new Uint8Array(members);
  const priors: Array<Float64Array | null> = new Array(2 * members).fill(null);
  const typed = (i: number) => (evidence[i]?.length ?? 0) > 0;
  const children: number[][] = Array.from({ length: members }, () => []);
  for (let i = 0; i < members; i++) {
    if (father[i] >= 0) children[father[i]].push(i);
    if (mother[i] >= 0) children[mother[i]].push(i);
  }
  const liveChildren = (i: number) => children[i].filter((c) => !removed[c]);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < members; i++) {
      if (removed[i] || typed(i) || i === keep) continue;
      const kids = liveChildren(i);
      if (kids.length === 0) {
        removed[i] = 1;
        changed = true;
        continue;
      }
      if (father[i] >= 0 || mother[i] >= 0 || kids.length !== 1) continue;
      const c = kids[0];
      const s = father[c] === i ? 0 : 1;
      const matrix = s === 0 ? locus.mutation.male : locus.mutation.female;
      const qx = priors[2 * i] ?? locus.frequencies;
      const qy = priors[2 * i + 1] ?? locus.frequencies;
      const mix = new Float64Array(n);
      for (let a = 0; a < n; a++) mix[a] = 0.5 * (qx[a] + qy[a]);
      let q = mix;
      if (matrix) {
        q = new Float64Array(n);
        for (let a = 0; a < n; a++) {
          const w = mix[a];
          if (w === 0) continue;
          for (let b = 0; b < n; b++) q[b] += w * matrix[a * n + b];
        }
      }
      priors[2 * c + s] = q;
      if (s === 0) father[c] = -1;
      else mother[c] = -1;
      removed[i] = 1;
      changed = true;
    }
  }
  return { father, mother, removed, priors };
}

/** Above this many entries a transmission factor is split with a segregation indicator. */
const selectorThreshold = 64;
const binary = Int32Array.of(0, 1);

/** Builds the factors and variable domains of one marker; null when the evidence is contradictory. */
function buildFactors(
  ped: CompiledPedigree,
  locus: CompiledLocus,
  evidence: MarkerEvidence,
  keep = -1,
): { factors: Factor[]; domains: Int32Array[] } | null {
  const n = locus.alleles.length;
  const full = Int32Array.from({ length: n }, (_, i) => i);
  const members = ped.ids.length;
  const { father, mother, removed, priors } = reduce(ped, locus, evidence, keep);
  const domains: Int32Array[] = new Array(2 * members);
  const factors: Factor[] = [];
  for (let i = 0; i < members; i++) {
    const obs = evidence[i];
    if (obs && obs.length > 0) {
      const [a, b] = obs[0];
      for (const [c, d] of obs) if (!((c === a && d === b) || (c === b && d === a))) return null;
      const dom = a === b ? Int32Array.of(a) : Int32Array.of(a, b);
      domains[2 * i] = dom;
      domains[2 * i + 1] = dom;
      if (a !== b)
        factors.push({ vars: [2 * i, 2 * i + 1], cards: [2, 2], table: Float64Array.of(0, 1, 1, 0) });
    } else {
      domains[2 * i] = full;
      domains[2 * i + 1] = full;
    }
  }
  for (let i = 0; i < members; i++) {
    if (removed[i]) continue;
    const parents = [father[i], mother[i]];
    for (let s = 0; s < 2; s++) {
      const slot = 2 * i + s;
      const dom = domains[slot];
      const parent = parents[s];
      if (parent < 0) {
        const q = priors[slot] ?? locus.frequencies;
        factors.push({ vars: [slot], cards: [dom.length], table: Float64Array.from(dom, (a) => q[a]) });
        continue;
      }
      const matrix = s === 0 ? locus.mutation.male : locus.mutation.female;
      const px = 2 * parent;
      const py = 2 * parent + 1;
      const dx = domains[px];
      const dy = domains[py];
      if (dom.length * dx.length * dy.length > selectorThreshold) {
        // Segregation indicator: F(c, x, y) = 1/2 M[x][c] + 1/2 M[y][c] = sum_s A(c, x, s) B(c, y, s)
        // with A = s ? 1/2 : 1/2 M[x][c] and B = s ? M[y][c] : 1. Two n^2 x 2 tables instead of one
        // n^3, and elimination orders that never join both parental slots of one person.
        const sel = domains.length;
        domains.push(binary);
        const t = (parentDom: Int32Array, other: boolean) => {
          // vars [slot, parentSlot, sel] sorted: slot and parent slots are < sel.
          const table = new Float64Array(dom.length * parentDom.length * 2);
          for (let c = 0; c < dom.length; c++) {
            for (let x = 0; x < parentDom.length; x++) {
              const ax = parentDom[x];
              const ac = dom[c];
              const m = matrix ? matrix[ax * n + ac] : ax === ac ? 1 : 0;
              // Layout [c][x][s]; pushPair transposes when the parent slot sorts first.
              table[(c * parentDom.length + x) * 2] = other ? 1 : 0.5 * m;
              table[(c * parentDom.length + x) * 2 + 1] = other ? m : 0.5;
            }
          }
          return table;
        };
        const pushPair = (parentSlot: number, parentDom: Int32Array, other: boolean) => {
          const raw = t(parentDom, other);
          if (slot < parentSlot) {
            factors.push({
              vars: [slot, parentSlot, sel],
              cards: [dom.length, parentDom.length, 2],
              table: raw,
            });
          } else {
            // Transpose the first two axes so the variables stay sorted.
            const tr = new Float64Array(raw.length);
            for (let c = 0; c < dom.length; c++) {
              for (let x = 0; x < parentDom.length; x++) {
                for (let k = 0; k < 2; k++)
                  tr[(x * dom.length + c) * 2 + k] = raw[(c * parentDom.length + x) * 2 + k];
              }
            }
            factors.push({
              vars: [parentSlot, slot, sel],
              cards: [parentDom.length, dom.length, 2],
              table: tr,
            });
          }
        };
        pushPair(px, dx, false);
        pushPair(py, dy, true);
        continue;
      }
      const table = new Float64Array(dom.length * dx.length * dy.length);
      // Variable order sorted ascending for `combine`: the child slot and the parent's two slots.
      const vars = [slot, px, py];
      const order = [...vars].sort((a, b) => a - b);
      const domOf = (v: number) => (v === slot ? dom : v === px ? dx : dy);
      const cards = order.map((v) => domOf(v).length);
      const st = strides(cards);
      const pos = (v: number) => st[order.indexOf(v)];
      const sc = pos(slot);
      const sx = pos(px);
      const sy = pos(py);
      for (let c = 0; c < dom.length; c++) {
        for (let x = 0; x < dx.length; x++) {
          for (let y = 0; y < dy.length; y++) {
            const ac = dom[c];
            const ax = dx[x];
            const ay = dy[y];
            const tx = matrix ? matrix[ax * n + ac] : ax === ac ? 1 : 0;
            const ty = matrix ? matrix[ay * n + ac] : ay === ac ? 1 : 0;
            table[c * sc + x * sx + y * sy] = 0.5 * (tx + ty);
          }
        }
      }
      factors.push({ vars: order, cards, table });
    }
  }
  return { factors, domains };
}

type Heuristic = 'min-fill' | 'weighted-min-fill' | 'min-size' | 'min-result';

/**
 * Greedy elimination order on the interaction graph (variables sharing a factor are adjacent), scored
 * by `heuristic`; with `rand`, each step picks at random among the three best candidates (the
 * stochastic greedy search of SUPERLINK, Fishelson & Geiger 2003). Returns the order and its cost,
 * the sum of the sizes of the tables it builds.
 */
function planOrder(
  scopes: number[][],
  keep: number[],
  cardOf: (v: number) => number,
  heuristic: Heuristic,
  rand?: () => number,
) {
  const adj = new Map<number, Set<number>>();
  for (const sc of scopes) {
    for (const v of sc) {
      let a = adj.get(v);
      if (!a) {
        a = new Set();
        adj.set(v, a);
      }
      for (const u of sc) if (u !== v) a.add(u);
    }
  }
  const remaining = [...adj.keys()].filter((v) => !keep.includes(v));
  const order: number[] = [];
  let cost = 0;
  let maxSize = 0;
  while (remaining.length > 0) {
    const scored: Array<{ v: number; score: number; size: number }> = [];
    for (const v of remaining) {
      const nb = [...adj.get(v)!];
      let size = cardOf(v);
      for (const u of nb) size *= cardOf(u);
      let score = heuristic === 'min-result' ? size / cardOf(v) : size;
      if (heuristic === 'min-fill' || heuristic === 'weighted-min-fill') {
        score = 0;
        for (let a = 0; a < nb.length; a++) {
          const na = adj.get(nb[a])!;
          for (let b = a + 1; b < nb.length; b++) {
            if (!na.has(nb[b])) score += heuristic === 'min-fill' ? 1 : cardOf(nb[a]) * cardOf(nb[b]);
          }
        }
      }
      scored.push({ v, score, size });
    }
    scored.sort((x, y) => x.score - y.score || x.size - y.size || x.v - y.v);
    const pick = rand ? scored[Math.floor(rand() * Math.min(3, scored.length))] : scored[0];
    const nb = [...adj.get(pick.v)!];
    for (const a of nb) {
      const na = adj.get(a)!;
      na.delete(pick.v);
      for (const b of nb) if (b !== a) na.add(b);
    }
    adj.delete(pick.v);
    remaining.splice(remaining.indexOf(pick.v), 1);
    cost += pick.size;
    maxSize = Math.max(maxSize, pick.size);
    order.push(pick.v);
  }
  return { order, cost, maxSize };
}

/**
 * Elimination orders by the factors' scopes and domain classes (a full allele domain counts as one
 * class whatever the locus's allele count), so a family's order is planned once and reused across loci.
 */
const planCache = new Map<string, number[]>();
const plannedTries = 8;

function eliminateAll(
  factors: Factor[],
  domains: Int32Array[],
  keep: number[],
  limit = maxFactorEntries,
): Factor {
  const cardOf = (v: number) => domains[v].length;
  const scopes = factors.map((f) => f.vars);
  const cls = (v: number) => (cardOf(v) > 2 ? 'f' : String(cardOf(v)));
  const key = `${keep.join(',')}|${scopes.map((sc) => sc.map((v) => `${v}:${cls(v)}`).join(',')).join(';')}`;
  let order = planCache.get(key);
  if (!order) {
    let plan = planOrder(scopes, keep, cardOf, 'min-fill');
    for (const h of ['weighted-min-fill', 'min-size', 'min-result'] as const) {
      const other = planOrder(scopes, keep, cardOf, h);
      if (other.cost < plan.cost) plan = other;
    }
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (let k = 0; k < plannedTries; k++) {
      const h = (['weighted-min-fill', 'min-result', 'min-fill', 'min-size'] as const)[k % 4];
      const other = planOrder(scopes, keep, cardOf, h, rand);
      if (other.cost < plan.cost) plan = other;
    }
    if (planCache.size > 20_000) planCache.clear();
    order = plan.order;
    planCache.set(key, order);
  }
  let pool = factors;
  for (const v of order) {
    const touching = pool.filter((f) => f.vars.includes(v));
    const rest = pool.filter((f) => !f.vars.includes(v));
    rest.push(combine(touching, v, cardOf, limit));
    pool = rest;
  }
  return combine(pool, -1, cardOf, limit);
}

/** Likelihood of the marker's evidence on the pedigree (a probability, 0 when impossible). */
export function markerLikelihood(
  ped: CompiledPedigree,
  locus: CompiledLocus,
  evidence: MarkerEvidence,
  limits: LikelihoodLimits = {},
): number {
  const built = buildFactors(ped, locus, evidence);
  if (!built) return 0;
  return eliminateAll(built.factors, built.domains, [], limits.maxFactorEntries).table[0];
}

/**
 * For member `member`: L(evidence, member has genotype {a, b}) for every unordered genotype, as a
 * symmetric n x n matrix (row-major, entry [a][b] = [b][a] = the likelihood of genotype {a, b}).
 * The member's own evidence (a direct reference) still applies. One elimination gives all genotypes,
 * which is what makes the pairwise victim x missing-person table cheap.
 */
export function memberGenotypeLikelihoods(
  ped: CompiledPedigree,
  locus: CompiledLocus,
  evidence: MarkerEvidence,
  member: number,
): Float64Array {
  const n = locus.alleles.length;
  const out = new Float64Array(n * n);
  const built = buildFactors(ped, locus, evidence, member);
  if (!built) return out;
  const p = 2 * member;
  const m = p + 1;
  const f = eliminateAll(built.factors, built.domains, [p, m]);
  const dp = built.domains[p];
  const dm = built.domains[m];
  // f.vars is [p, m] (sorted) unless a slot has no factor at all, which cannot happen: every slot has one.
  if (f.vars.length !== 2) throw new IdmError('IDM_INTERNAL', 'genotype likelihood lost a variable');
  for (let x = 0; x < dp.length; x++) {
    for (let y = 0; y < dm.length; y++) {
      const a = dp[x];
      const b = dm[y];
      const v = f.table[x * dm.length + y];
      out[a * n + b] += v;
      if (a !== b) out[b * n + a] += v;
    }
  }
  return out;
}
