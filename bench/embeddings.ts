/**
 * Synthetic face-like embeddings for index tests and benchmarks: unit vectors with the structure of a
 * real gallery (people who look alike, several noisy captures of each person), not uniform random
 * points.
 *
 * Real face embeddings vary along far fewer directions than they have dimensions: identities lie
 * near a low-dimensional manifold, so a probe's nearest impostors are look-alikes, not random
 * vectors that happen to score high. Model: a fixed random map P from a `latentDim`-dimensional
 * identity space into the embedding space; group centre g ~ N(0, I_latent); identity
 * c = normalise(P (g + identitySpread z) + residual e), z ~ N(0, I_latent), e ~ N(0, I/dim);
 * capture = normalise(c + sampleNoise n), n ~ N(0, I/dim). With the defaults (512-d, a 16-d identity
 * space) two captures of one person have a cosine near 0.55 and, in a 100k gallery, a probe's best
 * impostors score about 0.45: the score landscape of ArcFace-style embeddings, where look-alikes
 * crowd just below the mates.
 */

/** Deterministic PRNG (mulberry32) so that tests and benchmark runs see the same data. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller). */
export function gaussian(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = 1 - random();
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

export function normalise(vector: Float32Array, offset = 0, dim = vector.length): void {
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += vector[offset + i] * vector[offset + i];
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < dim; i++) vector[offset + i] *= scale;
}

/** n unit vectors uniformly on the sphere. */
export function randomVectors(n: number, dim: number, seed = 1): Float32Array {
  const normal = gaussian(rng(seed));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = normal();
  for (let i = 0; i < n; i++) normalise(out, i * dim, dim);
  return out;
}

export interface ClusteredOptions {
  /** Captures per person in the gallery. */
  samplesPerIdentity?: number;
  /** People per look-alike group. */
  identitiesPerGroup?: number;
  /** Dimension of the identity space (at most dim). */
  latentDim?: number;
  identitySpread?: number;
  /** Share of an identity's vector outside the identity space. */
  residual?: number;
  sampleNoise?: number;
  seed?: number;
}

export interface ClusteredSet {
  dim: number;
  gallery: Float32Array;
  /** The identity of each gallery vector. */
  identities: Int32Array;
  /** Fresh captures (not in the gallery) of gallery identities: the probes. */
  queries: Float32Array;
  queryIdentities: Int32Array;
}

/** A gallery of n clustered embeddings and nq probes of people it holds. */
export function clusteredSet(
  n: number,
  nq: number,
  dim: number,
  options: ClusteredOptions = {},
): ClusteredSet {
  const samplesPerIdentity = options.samplesPerIdentity ?? 5;
  const identitiesPerGroup = options.identitiesPerGroup ?? 20;
  const latentDim = Math.min(dim, options.latentDim ?? 16);
  const identitySpread = options.identitySpread ?? 1.2;
  const residual = options.residual ?? 0.35;
  const sampleNoise = options.sampleNoise ?? 0.9;
  const random = rng(options.seed ?? 7);
  const normal = gaussian(random);
  const people = Math.max(1, Math.ceil(n / samplesPerIdentity));
  const groups = Math.max(1, Math.ceil(people / identitiesPerGroup));
  const scale = 1 / Math.sqrt(dim);

  // P: dim x latentDim, columns of unit expected length.
  const map = new Float32Array(dim * latentDim);
  for (let i = 0; i < map.length; i++) map[i] = normal() * scale;
  const centres = new Float32Array(people * dim);
  const group = new Float32Array(latentDim);
  const latent = new Float32Array(latentDim);
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < latentDim; j++) group[j] = normal();
    for (let p = g * identitiesPerGroup; p < Math.min(people, (g + 1) * identitiesPerGroup); p++) {
      for (let j = 0; j < latentDim; j++) latent[j] = group[j] + identitySpread * normal();
      let norm = 0;
      for (let j = 0; j < latentDim; j++) norm += latent[j] * latent[j];
      const unit = 1 / Math.sqrt(norm / latentDim);
      const base = p * dim;
      for (let i = 0; i < dim; i++) {
        let sum = 0;
        const row = i * latentDim;
        for (let j = 0; j < latentDim; j++) sum += map[row + j] * latent[j];
        centres[base + i] = sum * unit + residual * normal() * scale;
      }
      normalise(centres, base, dim);
    }
  }

  const sample = (out: Float32Array, row: number, person: number) => {
    for (let i = 0; i < dim; i++)
      out[row * dim + i] = centres[person * dim + i] + sampleNoise * normal() * scale;
    normalise(out, row * dim, dim);
  };
  const gallery = new Float32Array(n * dim);
  const identities = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const person = Math.floor(row / samplesPerIdentity);
    identities[row] = person;
    sample(gallery, row, person);
  }
  const queries = new Float32Array(nq * dim);
  const queryIdentities = new Int32Array(nq);
  for (let q = 0; q < nq; q++) {
    const person = Math.floor(random() * people);
    queryIdentities[q] = person;
    sample(queries, q, person);
  }
  return { dim, gallery, identities, queries, queryIdentities };
}

/** Brute-force reference: the k best ids (as numbers) and scores per query, ties broken by the smaller id. */
export function bruteForce(
  gallery: Float32Array,
  ids: ArrayLike<number | bigint>,
  queries: Float32Array,
  dim: number,
  k: number,
  metric: 'ip' | 'l2',
): { ids: number[][]; scores: number[][] } {
  const n = gallery.length / dim;
  const nq = queries.length / dim;
  const out = { ids: [] as number[][], scores: [] as number[][] };
  for (let q = 0; q < nq; q++) {
    const scored: Array<[number, number]> = [];
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let i = 0; i < dim; i++) {
        const a = queries[q * dim + i];
        const b = gallery[r * dim + i];
        sum += metric === 'ip' ? a * b : (a - b) * (a - b);
      }
      scored.push([sum, Number(ids[r])]);
    }
    scored.sort((a, b) => (a[0] !== b[0] ? (metric === 'ip' ? b[0] - a[0] : a[0] - b[0]) : a[1] - b[1]));
    const top = scored.slice(0, k);
    out.ids.push(top.map((entry) => entry[1]));
    out.scores.push(top.map((entry) => entry[0]));
  }
  return out;
}

/** Fraction of the reference top-k ids found among the first k ids of each result row. */
export function recallAt(reference: number[][], labels: BigInt64Array, width: number, k: number): number {
  let found = 0;
  let total = 0;
  for (let q = 0; q < reference.length; q++) {
    const truth = new Set(reference[q].slice(0, k));
    for (let j = 0; j < k; j++) if (truth.has(Number(labels[q * width + j]))) found++;
    total += Math.min(k, truth.size);
  }
  return total === 0 ? 1 : found / total;
}
