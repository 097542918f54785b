/**
 * Seeded simulation of a DVI incident: reference families drawn from a three-generation template,
 * genotypes by gene dropping with the loci's sex-specific mutation matrices, victims that are some of
 * the missing persons plus unrelated bodies, and the truth to score a solution against.
 */
import { type CompiledLocus, compileLoci } from './frequencies.js';
import type { MutationModel } from './mutation.js';
import type { DviCase, Genotype, LocusDatabase, PedigreeMember, Profile, Sex } from './types.js';

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulationOptions {
  seed?: number;
  families: number;
  /** Number of PM victims; missing persons found among them first, the rest are unrelated bodies. */
  victims: number;
  /** Fraction of missing persons that are among the victims. Default 0.9. */
  recoveredFraction?: number;
  /** Loci generated when no database is given. Default 20. */
  loci?: number;
  /** Typed relatives per family, inclusive range. Default [1, 4]. */
  relatives?: [number, number];
  /** Missing persons per family, inclusive range. Default [1, 2]. */
  missingPerFamily?: [number, number];
  /** Mutation model of generated loci. Default stepwise rate 0.002, range 0.5, rate2 1e-6. */
  mutation?: MutationModel;
  /** Use these loci instead of generated ones. */
  database?: LocusDatabase;
}

export interface SimulatedIncident {
  dvi: DviCase;
  /** Victim id -> missing person id, or null for an unrelated body. */
  truth: Record<string, string | null>;
}

/** The template: [id, sex, father, mother]. */
const template: Array<[string, Sex, string | null, string | null]> = [
  ['GF', 'M', null, null],
  ['GM', 'F', null, null],
  ['FA', 'M', 'GF', 'GM'],
  ['MO', 'F', null, null],
  ['UN', 'M', 'GF', 'GM'],
  ['K1', 'M', 'FA', 'MO'],
  ['K2', 'F', 'FA', 'MO'],
  ['K3', 'M', 'FA', 'MO'],
  ['SP', 'F', null, null],
  ['GC1', 'M', 'K1', 'SP'],
  ['GC2', 'F', 'K1', 'SP'],
];
const missingChoices = ['FA', 'K1', 'K2', 'K3'];

function generateDatabase(rand: () => number, loci: number, mutation: MutationModel): LocusDatabase {
  return {
    name: `simulated (${loci} loci)`,
    loci: Array.from({ length: loci }, (_, l) => {
      const k = 8 + Math.floor(rand() * 13);
      const alleles = Array.from({ length: k }, (_, i) => String(7 + i));
      const raw = alleles.map(() => -Math.log(1 - rand()) + 0.05);
      const total = raw.reduce((s, x) => s + x, 0);
      return {
        name: `L${l + 1}`,
        alleles,
        frequencies: raw.map((x) => x / total),
        mutation: { female: mutation, male: mutation },
      };
    }),
  };
}

function draw(
  rand: () => number,
  weights: ArrayLike<number>,
  offset = 0,
  stride = 1,
  n = weights.length,
): number {
  let u = rand();
  for (let i = 0; i < n; i++) {
    u -= weights[offset + i * stride];
    if (u <= 0) return i;
  }
  return n - 1;
}

function shuffle<T>(rand: () => number, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Gene dropping: ordered alleles of every template member at one locus. */
function dropGenes(rand: () => number, locus: CompiledLocus): Map<string, [number, number]> {
  const n = locus.alleles.length;
  const genes = new Map<string, [number, number]>();
  const transmit = (parent: [number, number], matrix: Float64Array | null) => {
    const a = parent[rand() < 0.5 ? 0 : 1];
    return matrix ? draw(rand, matrix, a * n, 1, n) : a;
  };
  for (const [id, , father, mother] of template) {
    if (father === null || mother === null)
      genes.set(id, [draw(rand, locus.frequencies), draw(rand, locus.frequencies)]);
    else
      genes.set(id, [
        transmit(genes.get(father)!, locus.mutation.male),
        transmit(genes.get(mother)!, locus.mutation.female),
      ]);
  }
  return genes;
}

export function simulateIncident(options: SimulationOptions): SimulatedIncident {
  const rand = seededRandom(options.seed ?? 1);
  const mutation = options.mutation ?? { kind: 'stepwise', rate: 0.002, range: 0.5, rate2: 1e-6 };
  const database = options.database ?? generateDatabase(rand, options.loci ?? 20, mutation);
  const { loci } = compileLoci(database, new Map());
  const [rMin, rMax] = options.relatives ?? [1, 4];
  const [mMin, mMax] = options.missingPerFamily ?? [1, 2];
  const profileOf = (genes: Array<Map<string, [number, number]>>, id: string): Profile => {
    const p: Record<string, Genotype> = {};
    loci.forEach((locus, l) => {
      const [a, b] = genes[l].get(id)!;
      p[locus.name] = [locus.alleles[a], locus.alleles[b]];
    });
    return p;
  };
  const families: DviCase['families'] = [];
  const missingPool: Array<{ id: string; sex: Sex; profile: Profile }> = [];
  for (let f = 0; f < options.families; f++) {
    const fid = `F${f + 1}`;
    const genes = loci.map((locus) => dropGenes(rand, locus));
    const nMissing = mMin + Math.floor(rand() * (mMax - mMin + 1));
    const missing = shuffle(rand, [...missingChoices]).slice(0, nMissing);
    const others = shuffle(
      rand,
      template.map(([id]) => id).filter((id) => !missing.includes(id)),
    );
    const nTyped = rMin + Math.floor(rand() * (rMax - rMin + 1));
    const typed = new Set(others.slice(0, nTyped));
    const qualified = (id: string | null) => (id === null ? null : `${fid}-${id}`);
    const members: PedigreeMember[] = template.map(([id, sex, father, mother]) => ({
      id: qualified(id)!,
      sex,
      father: qualified(father),
      mother: qualified(mother),
      profile: typed.has(id) ? profileOf(genes, id) : undefined,
    }));
    families.push({ id: fid, pedigree: { members }, missing: missing.map((id) => qualified(id)!) });
    for (const id of missing) {
      missingPool.push({
        id: qualified(id)!,
        sex: template.find(([t]) => t === id)![1],
        profile: profileOf(genes, id),
      });
    }
  }
  const recovered = shuffle(rand, [...missingPool]).slice(
    0,
    Math.min(options.victims, Math.round(missingPool.length * (options.recoveredFraction ?? 0.9))),
  );
  const bodies: Array<{ profile: Profile; sex: Sex; truth: string | null }> = recovered.map((m) => ({
    profile: m.profile,
    sex: m.sex,
    truth: m.id,
  }));
  while (bodies.length < options.victims) {
    const p: Record<string, Genotype> = {};
    for (const locus of loci) {
      p[locus.name] = [
        locus.alleles[draw(rand, locus.frequencies)],
        locus.alleles[draw(rand, locus.frequencies)],
      ];
    }
    bodies.push({ profile: p, sex: rand() < 0.5 ? 'M' : 'F', truth: null });
  }
  shuffle(rand, bodies);
  const truth: Record<string, string | null> = {};
  const victims = bodies.map((b, i) => {
    const id = `PM${i + 1}`;
    truth[id] = b.truth;
    return { id, sex: b.sex, profile: b.profile };
  });
  return {
    dvi: {
      id: `simulated-${options.seed ?? 1}`,
      description: `Simulated incident: ${victims.length} victims, ${families.length} families (seed ${options.seed ?? 1})`,
      database,
      victims,
      families,
      scores: [],
    },
    truth,
  };
}
