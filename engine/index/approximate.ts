/**
 * The approximate tier of a gallery: a candidate generator whose hits the gallery re-scores exactly.
 *
 * 'ivf-i8' is our inverted file over int8 codes (native IvfIndex); any other value is a FAISS
 * index-factory string ('HNSW32', 'IVF4096,SQ8', ...), kept for comparison and special needs.
 */
import { FaissIndex, IvfIndex, type Metric } from '../../native/faiss.js';
import type { IndexParameters } from './parameters.js';

export type ApproximateKind = 'ivf-i8' | 'faiss';

export interface ApproximateIndex {
  readonly kind: ApproximateKind;
  readonly size: number;
  /** Whether remove() works (HNSW cannot delete: its deleted labels are filtered at re-rank). */
  readonly removes: boolean;
  add(vectors: Float32Array, ids: BigInt64Array): Promise<void>;
  remove(ids: BigInt64Array): Promise<number>;
  /** Candidate labels, queries x k, -1 for none. */
  candidates(queries: Float32Array, k: number): Promise<BigInt64Array>;
  write(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Lists for an IVF over n vectors: the power of two nearest 4 * sqrt(n) (100k: 1024, 1M: 4096). */
export function listsFor(n: number): number {
  return 2 ** Math.max(4, Math.round(Math.log2(4 * Math.sqrt(Math.max(1, n)))));
}

/**
 * Lists probed: the dimension's probe factor x sqrt(nlist), at least 16 (small galleries have few,
 * tiny lists).
 */
export function probesFor(nlist: number, dim: number, parameters: IndexParameters): number {
  const factor = dim <= parameters.lowDimension ? parameters.lowDimensionProbeFactor : parameters.probeFactor;
  return Math.min(nlist, Math.max(16, Math.round(factor * Math.sqrt(nlist))));
}

/** What both native indexes offer the approximate tier. */
type NativeIndex = Pick<IvfIndex, 'size' | 'add' | 'remove' | 'write' | 'close'> & {
  search(queries: Float32Array, k: number): Promise<{ labels: BigInt64Array }>;
};

/** The approximate tier over either native index: our IVF, or any FAISS factory string. */
class NativeApproximate implements ApproximateIndex {
  constructor(
    readonly kind: ApproximateKind,
    readonly index: NativeIndex,
    readonly removes: boolean,
  ) {}
  get size() {
    return this.index.size;
  }
  add(vectors: Float32Array, ids: BigInt64Array) {
    return this.index.add(vectors, ids);
  }
  remove(ids: BigInt64Array) {
    return this.index.remove(ids);
  }
  async candidates(queries: Float32Array, k: number) {
    return (await this.index.search(queries, k)).labels;
  }
  write(path: string) {
    return this.index.write(path);
  }
  close() {
    return this.index.close();
  }
}

const ivf = (index: IvfIndex) => new NativeApproximate('ivf-i8', index, true);
// HNSW cannot delete: its deleted labels are filtered at re-rank instead.
const faiss = (index: FaissIndex, factory: string) => new NativeApproximate('faiss', index, !/^HNSW|,HNSW/.test(factory));

/** Every `step`-th vector, so that training sees the whole gallery, not its oldest part. */
function sample(vectors: Float32Array, dim: number, wanted: number): Float32Array {
  const n = vectors.length / dim;
  if (n <= wanted) return vectors;
  const out = new Float32Array(wanted * dim);
  const step = n / wanted;
  for (let i = 0; i < wanted; i++) {
    const row = Math.floor(i * step);
    out.set(vectors.subarray(row * dim, (row + 1) * dim), i * dim);
  }
  return out;
}

/** Builds the approximate index over a gallery's vectors (ids are the gallery's labels). */
export async function buildApproximate(
  dim: number,
  metric: Metric,
  vectors: Float32Array,
  ids: BigInt64Array,
  parameters: IndexParameters,
): Promise<ApproximateIndex> {
  const n = ids.length;
  if (parameters.approximateIndex === 'ivf-i8') {
    const nlist = Math.min(listsFor(n), Math.max(1, n));
    const index = IvfIndex.create(dim, metric, nlist);
    try {
      await index.train(sample(vectors, dim, 64 * nlist));
      await index.add(vectors, ids);
      await index.setParameter('nprobe', probesFor(nlist, dim, parameters));
      return ivf(index);
    } catch (error) {
      await index.close();
      throw error;
    }
  }
  const factory = parameters.approximateIndex;
  const index = FaissIndex.create(dim, factory, metric);
  try {
    if (!index.isTrained) await index.train(sample(vectors, dim, 100_000));
    await index.add(vectors, ids);
    await tune(index, factory, parameters);
    return faiss(index, factory);
  } catch (error) {
    await index.close();
    throw error;
  }
}

async function tune(index: FaissIndex, factory: string, parameters: IndexParameters): Promise<void> {
  if (/HNSW/.test(factory)) await index.setParameter('efSearch', parameters.efSearch);
  const lists = /IVF(\d+)/.exec(factory);
  if (lists) await index.setParameter('nprobe', probesFor(Number(lists[1]), index.dim, parameters));
}

/** Reads an approximate index written by ApproximateIndex.write(). */
export async function readApproximate(
  kind: ApproximateKind,
  path: string,
  factory: string,
  parameters: IndexParameters,
): Promise<ApproximateIndex> {
  if (kind === 'ivf-i8') {
    // The probe count is policy, not data: a snapshot written under older parameters gets today's.
    const index = await IvfIndex.read(path);
    await index.setParameter('nprobe', probesFor(index.nlist, index.dim, parameters));
    return ivf(index);
  }
  const index = await FaissIndex.read(path);
  await tune(index, factory, parameters);
  return faiss(index, factory);
}
