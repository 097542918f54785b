/**
 * Typed loader for the IDMatch FAISS addon (native/src, built by `bash native/build.sh`).
 *
 * Three classes, one shape: FaissIndex (float vectors, any FAISS index-factory string, inner product
 * or L2), BinaryIndex (bit codes, Hamming distance) and FlatStore (a gallery's own vectors with the
 * AVX2 exact scan and exact re-scoring). Every call that does work returns a Promise and runs off the
 * event loop; inputs are typed arrays read in place (do not modify them until the Promise settles).
 * Native failures arrive as IdmError with code IDM_INDEX and the library's message.
 *
 * Result layout: `n` queries x `k` columns, row-major; label -1 marks an empty column (fewer than k
 * vectors), whose distance is the worst possible (-Infinity for ip, +Infinity for l2).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { IdmError } from '../engine/errors.js';

// libgomp reads OMP_WAIT_POLICY once, when the addon loads it: busy-waiting OpenMP threads would fight
// OpenBLAS's threads on a 2-core machine and make search times erratic.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

export type Metric = 'ip' | 'l2';
/** Scan encoding of a FlatStore: fp32, fp16, or int8 with one scale per vector. */
export type StoreEncoding = 'f32' | 'f16' | 'i8';

export interface SearchResult {
  distances: Float32Array;
  labels: BigInt64Array;
}
export interface BinarySearchResult {
  distances: Int32Array;
  labels: BigInt64Array;
}
/** Range-search hits of query i are entries offsets[i] .. offsets[i+1]-1. */
export interface RangeResult<D> {
  offsets: Uint32Array;
  distances: D;
  labels: BigInt64Array;
}

interface NativeIndex<C, D> {
  readonly dim: number;
  readonly size: number;
  readonly isTrained: boolean;
  readonly metric: string;
  train(vectors: C): Promise<void>;
  add(vectors: C, ids: BigInt64Array): Promise<void>;
  remove(ids: BigInt64Array): Promise<number>;
  search(queries: C, k: number): Promise<{ distances: D; labels: BigInt64Array }>;
  rangeSearch(queries: C, radius: number): Promise<RangeResult<D>>;
  setParameter(name: string, value: number): Promise<void>;
  write(path: string): Promise<void>;
  memoryBytes(): Promise<number>;
  close(): Promise<void>;
}

interface NativeStore {
  readonly dim: number;
  readonly size: number;
  readonly metric: Metric;
  readonly encoding: StoreEncoding;
  readonly memoryBytes: number;
  add(vectors: Float32Array, ids: BigInt64Array): Promise<void>;
  remove(ids: BigInt64Array): Promise<number>;
  search(queries: Float32Array, k: number, candidates?: number): Promise<SearchResult>;
  rescore(queries: Float32Array, candidates: BigInt64Array, k: number): Promise<SearchResult>;
  get(ids: BigInt64Array): Promise<Float32Array>;
  export(): Promise<{ ids: BigInt64Array; vectors: Float32Array }>;
  write(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Exact-scan kernels: portable C++, AVX2 (+FMA, F16C), or AVX2 with AVX-512 VNNI for int8. */
export type ScanKernel = 'generic' | 'avx2' | 'vnni';

interface NativeIvf {
  readonly dim: number;
  readonly size: number;
  readonly nlist: number;
  readonly nprobe: number;
  readonly isTrained: boolean;
  readonly metric: Metric;
  readonly memoryBytes: number;
  train(vectors: Float32Array): Promise<void>;
  add(vectors: Float32Array, ids: BigInt64Array): Promise<void>;
  remove(ids: BigInt64Array): Promise<number>;
  search(queries: Float32Array, k: number, nprobe?: number): Promise<SearchResult>;
  setParameter(name: string, value: number): Promise<void>;
  write(path: string): Promise<void>;
  close(): Promise<void>;
}

export interface NativeInfo {
  faissVersion: string;
  scanKernel: ScanKernel;
  avx2: boolean;
  vnni: boolean;
  ompMaxThreads: number;
}

interface Addon {
  FaissIndex: {
    new (dim: number, factory: string, metric: Metric): NativeIndex<Float32Array, Float32Array>;
    read(path: string): Promise<NativeIndex<Float32Array, Float32Array>>;
  };
  BinaryIndex: {
    new (bits: number, factory: string, metric: 'hamming'): NativeIndex<Uint8Array, Int32Array>;
    read(path: string): Promise<NativeIndex<Uint8Array, Int32Array>>;
  };
  FlatStore: {
    new (dim: number, metric: Metric, encoding: StoreEncoding): NativeStore;
    read(path: string): Promise<NativeStore>;
  };
  IvfIndex: {
    new (dim: number, metric: Metric, nlist: number): NativeIvf;
    read(path: string): Promise<NativeIvf>;
  };
  info(): NativeInfo;
  readBandwidth(bytes: number, threads: number, passes?: number): Promise<number>;
  setScanKernel(name: ScanKernel | 'auto'): boolean;
}

const buildDir = join(dirname(fileURLToPath(import.meta.url)), 'build', 'Release');
let addon: Addon | undefined;

function load(): Addon {
  if (addon) return addon;
  let file: string | undefined;
  try {
    file = readdirSync(buildDir).find((name) => name.endsWith('.node'));
  } catch {
    file = undefined;
  }
  if (!file) {
    throw new IdmError(
      'IDM_INTERNAL',
      `the FAISS addon is not built (no .node file in ${buildDir}): run \`bash native/build.sh\``,
    );
  }
  addon = createRequire(import.meta.url)(join(buildDir, file)) as Addon;
  return addon;
}

/** What the loaded addon offers: FAISS version, the scan kernel in use, OpenMP threads. */
export function nativeInfo(): NativeInfo {
  return load().info();
}

/**
 * Chooses the exact-scan kernels for the whole process ('auto' = the best this CPU runs; the
 * IDMATCH_SCAN environment variable sets the initial choice). Returns false, changing nothing, when
 * the CPU cannot run the named kernels.
 */
export function setScanKernel(name: ScanKernel | 'auto'): boolean {
  return load().setScanKernel(name);
}

/**
 * The machine's sequential read bandwidth in bytes per second: the best of `passes` AVX2 sums over a
 * buffer of `bytes` (use one much larger than the last-level cache), split over `threads`.
 */
export function readBandwidth(bytes: number, threads: number, passes = 5): Promise<number> {
  return call(() => load().readBandwidth(bytes, threads, passes));
}

function indexError(error: unknown): unknown {
  if (error instanceof IdmError) return error;
  if (error instanceof Error) return new IdmError('IDM_INDEX', error.message.trim());
  return error;
}

async function call<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw indexError(error);
  }
}

function construct<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    throw indexError(error);
  }
}

/** The operations FaissIndex and BinaryIndex share; C is the vector type, D the distance type. */
abstract class IndexBase<C, D> {
  protected constructor(protected readonly native: NativeIndex<C, D>) {}

  /** Vector dimension (bits for a BinaryIndex). */
  get dim(): number {
    return this.native.dim;
  }
  /** Number of vectors held. */
  get size(): number {
    return this.native.size;
  }
  get isTrained(): boolean {
    return this.native.isTrained;
  }

  /** Trains the index (IVF centroids, quantiser ranges); a no-op for flat and HNSW-flat indexes. */
  train(vectors: C): Promise<void> {
    return call(() => this.native.train(vectors));
  }
  /** Adds vectors (row-major) with one non-negative, unique 64-bit id each. */
  add(vectors: C, ids: BigInt64Array): Promise<void> {
    return call(() => this.native.add(vectors, ids));
  }
  /** Removes the ids it holds; resolves with how many were removed. HNSW indexes cannot remove. */
  remove(ids: BigInt64Array): Promise<number> {
    return call(() => this.native.remove(ids));
  }
  /** The k nearest stored vectors of each query. */
  search(queries: C, k: number): Promise<{ distances: D; labels: BigInt64Array }> {
    return call(() => this.native.search(queries, k));
  }
  /** All stored vectors within `radius` (ip: score above it; l2 and Hamming: distance below it). */
  rangeSearch(queries: C, radius: number): Promise<RangeResult<D>> {
    return call(() => this.native.rangeSearch(queries, radius));
  }
  /** Search-time parameters: `nprobe` (IVF), `efSearch` (HNSW). */
  setParameter(name: 'nprobe' | 'efSearch' | (string & {}), value: number): Promise<void> {
    return call(() => this.native.setParameter(name, value));
  }
  write(path: string): Promise<void> {
    return call(() => this.native.write(path));
  }
  /** Bytes held by the index's data structures (as FAISS would serialise them). */
  memoryBytes(): Promise<number> {
    return call(() => this.native.memoryBytes());
  }
  /** Frees the index now rather than at garbage collection; later calls fail. */
  close(): Promise<void> {
    return call(() => this.native.close());
  }
}

/** A FAISS index over float vectors, configured by an index-factory string ("Flat", "HNSW32,SQ8", "IVF1024,SQ8"). */
export class FaissIndex extends IndexBase<Float32Array, Float32Array> {
  static create(dim: number, factory: string, metric: Metric): FaissIndex {
    return construct(() => new FaissIndex(new (load().FaissIndex)(dim, factory, metric)));
  }
  static async read(path: string): Promise<FaissIndex> {
    return new FaissIndex(await call(() => load().FaissIndex.read(path)));
  }
  get metric(): Metric {
    return this.native.metric as Metric;
  }
}

/** A FAISS binary index (Hamming distance) over codes of `bits` bits: "BFlat", "BIVF1024", "BHNSW32". */
export class BinaryIndex extends IndexBase<Uint8Array, Int32Array> {
  static create(bits: number, factory: string): BinaryIndex {
    return construct(() => new BinaryIndex(new (load().BinaryIndex)(bits, factory, 'hamming')));
  }
  static async read(path: string): Promise<BinaryIndex> {
    return new BinaryIndex(await call(() => load().BinaryIndex.read(path)));
  }
}

/**
 * A gallery's vectors: the fp32 master copy plus a scan encoding. search() is an exact scan (AVX2,
 * both cores, then an exact fp32 re-rank of `candidates` per query); rescore() gives exact scores to
 * candidates found by an approximate index and drops ids the store no longer holds.
 */
export class FlatStore {
  private constructor(private readonly native: NativeStore) {}

  static create(dim: number, metric: Metric, encoding: StoreEncoding = 'f32'): FlatStore {
    return construct(() => new FlatStore(new (load().FlatStore)(dim, metric, encoding)));
  }
  static async read(path: string): Promise<FlatStore> {
    return new FlatStore(await call(() => load().FlatStore.read(path)));
  }

  get dim(): number {
    return this.native.dim;
  }
  get size(): number {
    return this.native.size;
  }
  get metric(): Metric {
    return this.native.metric;
  }
  get encoding(): StoreEncoding {
    return this.native.encoding;
  }
  /** Estimated bytes held (all copies, ids and the id map). */
  get memoryBytes(): number {
    return this.native.memoryBytes;
  }

  /** Adds vectors with ids that must be new to the store. */
  add(vectors: Float32Array, ids: BigInt64Array): Promise<void> {
    return call(() => this.native.add(vectors, ids));
  }
  remove(ids: BigInt64Array): Promise<number> {
    return call(() => this.native.remove(ids));
  }
  /** Exact k nearest; `candidates` (at least k) is how many scan hits are re-ranked in fp32. */
  search(queries: Float32Array, k: number, candidates?: number): Promise<SearchResult> {
    return call(() => this.native.search(queries, k, candidates));
  }
  /** Exact top k among each query's candidate ids (queries x m, -1 for none). */
  rescore(queries: Float32Array, candidates: BigInt64Array, k: number): Promise<SearchResult> {
    return call(() => this.native.rescore(queries, candidates, k));
  }
  /** The stored fp32 vectors of these ids, row-major. */
  get(ids: BigInt64Array): Promise<Float32Array> {
    return call(() => this.native.get(ids));
  }
  /** A copy of every id and vector, taken at one instant. */
  export(): Promise<{ ids: BigInt64Array; vectors: Float32Array }> {
    return call(() => this.native.export());
  }
  write(path: string): Promise<void> {
    return call(() => this.native.write(path));
  }
  close(): Promise<void> {
    return call(() => this.native.close());
  }
}

/**
 * Inverted-file index over int8 codes, scanned by the same kernels as FlatStore: FAISS k-means picks
 * `nlist` centroids, a query scans the rows of its `nprobe` nearest lists. Scores are approximate
 * (int8); re-score the candidates with FlatStore.rescore() for exact ones. Removal is immediate.
 */
export class IvfIndex {
  private constructor(private readonly native: NativeIvf) {}

  static create(dim: number, metric: Metric, nlist: number): IvfIndex {
    return construct(() => new IvfIndex(new (load().IvfIndex)(dim, metric, nlist)));
  }
  static async read(path: string): Promise<IvfIndex> {
    return new IvfIndex(await call(() => load().IvfIndex.read(path)));
  }

  get dim(): number {
    return this.native.dim;
  }
  get size(): number {
    return this.native.size;
  }
  get nlist(): number {
    return this.native.nlist;
  }
  get nprobe(): number {
    return this.native.nprobe;
  }
  get isTrained(): boolean {
    return this.native.isTrained;
  }
  get metric(): Metric {
    return this.native.metric;
  }
  /** Estimated bytes held: codes, per-row scale/sum/norm/id, the id map, the centroids. */
  get memoryBytes(): number {
    return this.native.memoryBytes;
  }

  /** k-means over a sample (at least nlist vectors; 64 per list are used at most). */
  train(vectors: Float32Array): Promise<void> {
    return call(() => this.native.train(vectors));
  }
  add(vectors: Float32Array, ids: BigInt64Array): Promise<void> {
    return call(() => this.native.add(vectors, ids));
  }
  remove(ids: BigInt64Array): Promise<number> {
    return call(() => this.native.remove(ids));
  }
  /** The k best by approximate score; `nprobe` overrides the index's setting for this call. */
  search(queries: Float32Array, k: number, nprobe?: number): Promise<SearchResult> {
    return call(() => this.native.search(queries, k, nprobe));
  }
  /** `nprobe`: lists scanned per query. */
  setParameter(name: 'nprobe', value: number): Promise<void> {
    return call(() => this.native.setParameter(name, value));
  }
  write(path: string): Promise<void> {
    return call(() => this.native.write(path));
  }
  close(): Promise<void> {
    return call(() => this.native.close());
  }
}
