/**
 * Vector index benchmark: every index type of the gallery layer, usearch and hnswlib-node, on the same
 * clustered embeddings in the same run, next to the machine's measured read bandwidth.
 *
 * Per row: build time, bytes per vector, single-query and batch-100 throughput (k = 50, the length of
 * a forensic candidate list), single-query p50, recall@10 and recall@50 against the exact top 50, and
 * for exact scans the ratio of the single-query p50 to the time needed just to read the bytes scanned
 * at the read bandwidth measured in the same run (the better of one and two threads).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { GallerySet } from '../engine/index/galleries.js';
import { MemoryFeed } from '../engine/index/memory-feed.js';
import { openGalleries, writeSnapshot } from '../engine/index/persistence.js';
import type { GalleryKey } from '../engine/index/types.js';
import { listsFor } from '../engine/index/approximate.js';
import {
  FaissIndex,
  FlatStore,
  IvfIndex,
  nativeInfo,
  readBandwidth,
  type ScanKernel,
  type StoreEncoding,
  setScanKernel,
} from '../native/faiss.js';
import { bruteForce, type ClusteredSet, clusteredSet } from './embeddings.js';

export interface IndexBenchRow {
  index: string;
  n: number;
  dim: number;
  buildMs: number;
  bytesPerVector: number;
  qpsSingle: number;
  qpsBatch: number;
  p50Ms: number;
  recallAt10: number;
  recallAt50: number;
  /** Exact rows: single-query p50 / (bytes scanned / measured read bandwidth). */
  ratioToBandwidth?: number;
  /** Process CPU time per query (all threads), single and in batches: robust to other load on the machine. */
  cpuMsSingle: number;
  cpuMsBatch: number;
  note?: string;
}

export interface IndexBenchReport {
  n: number;
  dim: number;
  queries: number;
  k: number;
  scanKernel: string;
  readBandwidth1: number;
  readBandwidth2: number;
  /** 1-minute load average before and after the run: above ~2 the machine was shared and wall times suffer. */
  loadBefore: number;
  loadAfter: number;
  dataMs: number;
  rows: IndexBenchRow[];
}

export interface IndexBenchOptions {
  n: number;
  dim: number;
  /** Probe queries for recall (default 200). */
  queries?: number;
  seed?: number;
  /** Only rows whose name starts with one of these prefixes. */
  only?: string[];
  log?: (line: string) => void;
}

const K = 50;
const BATCH = 100;
const SINGLE_BUDGET_MS = 3000;
const BATCH_BUDGET_MS = 3000;

/** What one row needs: a build step, a query function, its size in bytes, and optional tear-down. */
interface Subject {
  buildMs: number;
  bytes: number;
  search(queries: Float32Array, k: number): Promise<BigInt64Array> | BigInt64Array;
  close?(): Promise<void> | void;
  note?: string;
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function recall(truth: BigInt64Array, labels: BigInt64Array, nq: number, width: number, k: number): number {
  let found = 0;
  for (let q = 0; q < nq; q++) {
    const expected = new Set<bigint>(truth.subarray(q * K, q * K + k));
    for (let j = 0; j < k; j++) if (expected.has(labels[q * width + j])) found++;
  }
  return found / (nq * k);
}

async function measure(
  name: string,
  subject: Subject,
  data: ClusteredSet,
  n: number,
  truth: BigInt64Array,
  scannedBytes: number | undefined,
  bandwidth: number,
): Promise<IndexBenchRow> {
  const { dim, queries } = data;
  const nq = queries.length / dim;
  // Warm-up (page faults, lazy allocations), then single queries until the budget is spent.
  await subject.search(queries.subarray(0, dim), K);
  const latencies: number[] = [];
  const cpuStart = cpuMs();
  const started = performance.now();
  for (let q = 0; q < nq && (latencies.length < 5 || performance.now() - started < SINGLE_BUDGET_MS); q++) {
    const t = performance.now();
    await subject.search(queries.subarray(q * dim, (q + 1) * dim), K);
    latencies.push(performance.now() - t);
  }
  const singleMs = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  const cpuMsSingle = (cpuMs() - cpuStart) / latencies.length;

  let batched = 0;
  const batchCpu = cpuMs();
  const batchStart = performance.now();
  for (let b = 0; batched < 2 * BATCH || performance.now() - batchStart < BATCH_BUDGET_MS; b++) {
    const offset = ((b * BATCH) % nq) * dim;
    const count = Math.min(BATCH, nq - offset / dim);
    await subject.search(queries.subarray(offset, offset + count * dim), K);
    batched += count;
    if (batched >= 20 * BATCH) break;
  }
  const qpsBatch = (batched / (performance.now() - batchStart)) * 1000;
  const cpuMsBatch = (cpuMs() - batchCpu) / batched;

  const labels = await subject.search(queries, K);
  const row: IndexBenchRow = {
    index: name,
    n,
    dim,
    buildMs: Math.round(subject.buildMs),
    bytesPerVector: Math.round(subject.bytes / n),
    qpsSingle: Math.round((1000 / singleMs) * 10) / 10,
    qpsBatch: Math.round(qpsBatch * 10) / 10,
    p50Ms: Math.round(median(latencies) * 1000) / 1000,
    recallAt10: Math.round(recall(truth, labels, nq, K, 10) * 10000) / 10000,
    recallAt50: Math.round(recall(truth, labels, nq, K, 50) * 10000) / 10000,
    cpuMsSingle: Math.round(cpuMsSingle * 1000) / 1000,
    cpuMsBatch: Math.round(cpuMsBatch * 1000) / 1000,
  };
  if (scannedBytes !== undefined) {
    row.ratioToBandwidth = Math.round((median(latencies) / ((scannedBytes / bandwidth) * 1000)) * 100) / 100;
  }
  if (subject.note) row.note = subject.note;
  await subject.close?.();
  return row;
}

/** Every (n / wanted)-th row: a training sample spread over the whole gallery. */
function sampleRows(vectors: Float32Array, dim: number, wanted: number): Float32Array {
  const n = vectors.length / dim;
  if (n <= wanted) return vectors;
  const out = new Float32Array(wanted * dim);
  for (let i = 0; i < wanted; i++) {
    const row = Math.floor((i * n) / wanted);
    out.set(vectors.subarray(row * dim, (row + 1) * dim), i * dim);
  }
  return out;
}

const ids = (n: number) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i));

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

export async function runIndexBench(options: IndexBenchOptions): Promise<IndexBenchReport> {
  const { n, dim } = options;
  const nq = options.queries ?? 200;
  const log = options.log ?? (() => undefined);
  const wanted = (name: string) => !options.only || options.only.some((prefix) => name.startsWith(prefix));

  const loadBefore = loadavg()[0];
  const [data, dataMs] = await timed(async () => clusteredSet(n, nq, dim, { seed: options.seed ?? 1 }));
  log(`data: ${n} x ${dim} clustered embeddings and ${nq} probes in ${Math.round(dataMs)} ms`);
  const bandwidthBytes = 2 ** 31;
  const readBandwidth1 = await readBandwidth(bandwidthBytes, 1);
  const readBandwidth2 = await readBandwidth(bandwidthBytes, 2);
  log(
    `read bandwidth: ${(readBandwidth1 / 1e9).toFixed(1)} GB/s (1 thread), ${(readBandwidth2 / 1e9).toFixed(1)} GB/s (2 threads)`,
  );

  // The exact fp32 store is the ground truth (tests check it against brute force) and the re-rank
  // store of the approximate rows, as in the gallery.
  const galleryIds = ids(n);
  const exact = FlatStore.create(dim, 'ip', 'f32');
  const [, exactBuildMs] = await timed(() => exact.add(data.gallery, galleryIds));
  const truth = (await exact.search(data.queries, K)).labels;
  const rerankBytes = n * (dim * 4 + 52);
  const rows: IndexBenchRow[] = [];
  const add = async (name: string, make: () => Promise<Subject>, scannedBytes?: number) => {
    if (!wanted(name)) return;
    log(`${name}: building`);
    // The machine's read rate: the better of the one- and two-thread sums (on a shared machine the
    // two-thread figure can come out lower).
    const bandwidth = Math.max(readBandwidth1, readBandwidth2);
    const row = await measure(name, await make(), data, n, truth, scannedBytes, bandwidth);
    log(`${name}: ${JSON.stringify(row)}`);
    rows.push(row);
  };

  await add(
    'faiss-flat',
    async () => {
      const index = FaissIndex.create(dim, 'Flat', 'ip');
      const [, buildMs] = await timed(() => index.add(data.gallery, galleryIds));
      return {
        buildMs,
        bytes: await index.memoryBytes(),
        search: async (q, k) => (await index.search(q, k)).labels,
        close: () => index.close(),
        note: 'FAISS IndexFlatIP, fp32; batches go through OpenBLAS sgemm',
      };
    },
    n * dim * 4,
  );

  // The exact scan per encoding; int8 once per kernel this CPU runs (AVX2 vpmaddubsw, AVX-512 VNNI).
  const info = nativeInfo();
  const variants: Array<[StoreEncoding, ScanKernel]> = [
    ['f32', 'avx2'],
    ['f16', 'avx2'],
    ['i8', 'avx2'],
  ];
  if (info.vnni) variants.push(['i8', 'vnni']);
  for (const [encoding, kernel] of variants) {
    const bytesPerRow = encoding === 'f32' ? dim * 4 : encoding === 'f16' ? dim * 2 : dim + 8;
    const kernelName = info.avx2 ? kernel : 'generic';
    await add(
      `exact-${encoding}${encoding === 'i8' ? `-${kernelName}` : ''}`,
      async () => {
        setScanKernel(kernelName);
        const store = encoding === 'f32' ? exact : FlatStore.create(dim, 'ip', encoding);
        const buildMs =
          encoding === 'f32' ? exactBuildMs : (await timed(() => store.add(data.gallery, galleryIds)))[1];
        return {
          buildMs,
          bytes: n * bytesPerRow,
          search: async (q, k) => (await store.search(q, k)).labels,
          close: async () => {
            setScanKernel('auto');
            if (encoding !== 'f32') await store.close();
          },
          note: `own ${kernelName} scan over ${encoding} rows, 2 threads, then fp32 re-rank (bytes: scan copy only; the gallery also keeps fp32)`,
        };
      },
      n * bytesPerRow,
    );
  }

  // Approximate indexes: candidates from FAISS, exact re-rank against the fp32 store.
  const approximate = async (factory: string, parameter: string, values: number[], train: boolean) => {
    const base = `faiss-${factory.toLowerCase().replace(/,/g, '-')}`;
    if (!values.some((value) => wanted(`${base}-${parameter}${value}`))) return;
    log(`${base}: building`);
    const index = FaissIndex.create(dim, factory, 'ip');
    const [, buildMs] = await timed(async () => {
      // A strided sample: the gallery is ordered by identity, so a prefix would cover a tenth of it.
      if (train) await index.train(sampleRows(data.gallery, dim, 100_000));
      await index.add(data.gallery, galleryIds);
    });
    const bytes = (await index.memoryBytes()) + rerankBytes;
    for (const value of values) {
      await add(`${base}-${parameter}${value}`, async () => {
        await index.setParameter(parameter, value);
        return {
          buildMs,
          bytes,
          search: async (q, k) => {
            const candidates = await index.search(q, Math.max(k, 100));
            return (await exact.rescore(q, candidates.labels, k)).labels;
          },
          note: `${factory} ${parameter}=${value}, top 100 re-ranked exactly (bytes include the fp32 re-rank copy)`,
        };
      });
    }
    await index.close();
  };
  await approximate('HNSW32', 'efSearch', [64, 128, 256], false);
  const nlist = listsFor(n);
  await approximate(`IVF${nlist},SQ8`, 'nprobe', [nlist / 32, nlist / 16], true);
  await approximate(`IVF${nlist},Flat`, 'nprobe', [nlist / 32, nlist / 16], true);

  // Our inverted file over int8 codes (the gallery's approximate tier), re-ranked like the others.
  const ivfBase = `ivf${nlist}-i8`;
  const probes = [nlist / 64, nlist / 32, nlist / 16, nlist / 8].filter((p) => p >= 4);
  if (probes.some((p) => wanted(`${ivfBase}-nprobe${p}`))) {
    log(`${ivfBase}: building`);
    const index = IvfIndex.create(dim, 'ip', nlist);
    const [, buildMs] = await timed(async () => {
      await index.train(sampleRows(data.gallery, dim, 64 * nlist));
      await index.add(data.gallery, galleryIds);
    });
    for (const nprobe of probes) {
      await add(`${ivfBase}-nprobe${nprobe}`, async () => {
        await index.setParameter('nprobe', nprobe);
        return {
          buildMs,
          bytes: index.memoryBytes + rerankBytes,
          search: async (q, k) => {
            const candidates = await index.search(q, Math.max(k, 100));
            return (await exact.rescore(q, candidates.labels, k)).labels;
          },
          note: `own IVF over int8 lists (${nativeInfo().scanKernel} kernel), nprobe=${nprobe}, top 100 re-ranked exactly (bytes include the fp32 re-rank copy)`,
        };
      });
    }
    await index.close();
  }

  await usearchRows(data, galleryIds, wanted, add);
  await hnswlibRows(data, n, wanted, add);

  await exact.close();
  return {
    n,
    dim,
    queries: nq,
    k: K,
    scanKernel: nativeInfo().scanKernel,
    readBandwidth1,
    readBandwidth2,
    loadBefore,
    loadAfter: loadavg()[0],
    dataMs: Math.round(dataMs),
    rows,
  };
}

type AddRow = (name: string, make: () => Promise<Subject>) => Promise<void>;

async function usearchRows(
  data: ClusteredSet,
  galleryIds: BigInt64Array,
  wanted: (name: string) => boolean,
  add: AddRow,
): Promise<void> {
  const values = [64, 128, 256, 512];
  if (!values.some((ef) => wanted(`usearch-hnsw32-ef${ef}`))) return;
  const usearch = await import('usearch');
  const { dim } = data;
  const file = join(tmpdir(), `idm-bench-usearch-${process.pid}.usearch`);
  const build = new usearch.Index({
    dimensions: dim,
    metric: usearch.MetricKind.IP,
    quantization: usearch.ScalarKind.F32,
    connectivity: 32,
    expansion_add: 40,
    expansion_search: 64,
    multi: false,
  });
  const keys = new BigUint64Array(galleryIds.buffer, galleryIds.byteOffset, galleryIds.length);
  const [, buildMs] = await timed(async () => build.add(keys, data.gallery, 2));
  build.save(file);
  const bytes = statSync(file).size;
  for (const ef of values) {
    await add(`usearch-hnsw32-ef${ef}`, async () => {
      // expansion_search is fixed at construction: load the saved graph into an index configured for ef.
      const index = new usearch.Index({
        dimensions: dim,
        metric: usearch.MetricKind.IP,
        quantization: usearch.ScalarKind.F32,
        connectivity: 32,
        expansion_add: 40,
        expansion_search: ef,
        multi: false,
      });
      index.load(file);
      return {
        buildMs,
        bytes,
        search: (q, k) => {
          const nq = q.length / dim;
          const result = index.search(q, k, nq > 1 ? 2 : 1) as unknown as { keys: BigUint64Array };
          return new BigInt64Array(result.keys.buffer, result.keys.byteOffset, result.keys.length);
        },
        note: `usearch ${'connectivity 32, expansion_add 40'}, f32, no re-rank (bytes: its saved file)`,
      };
    });
  }
  rmSync(file, { force: true });
}

async function hnswlibRows(
  data: ClusteredSet,
  n: number,
  wanted: (name: string) => boolean,
  add: AddRow,
): Promise<void> {
  const values = [64, 128, 256];
  if (!values.some((ef) => wanted(`hnswlib-hnsw32-ef${ef}`))) return;
  const hnswlib = (await import('hnswlib-node')).default;
  const { dim } = data;
  const index = new hnswlib.HierarchicalNSW('ip', dim);
  const [, buildMs] = await timed(async () => {
    index.initIndex({ maxElements: n, m: 32, efConstruction: 40, randomSeed: 100 });
    for (let i = 0; i < n; i++) index.addPoint(Array.from(data.gallery.subarray(i * dim, (i + 1) * dim)), i);
  });
  const file = join(tmpdir(), `idm-bench-hnswlib-${process.pid}.bin`);
  index.writeIndexSync(file);
  const bytes = statSync(file).size;
  rmSync(file, { force: true });
  for (const ef of values) {
    await add(`hnswlib-hnsw32-ef${ef}`, async () => {
      index.setEf(ef);
      return {
        buildMs,
        bytes,
        search: (q, k) => {
          const nq = q.length / dim;
          const labels = new BigInt64Array(nq * k).fill(-1n);
          for (let j = 0; j < nq; j++) {
            const result = index.searchKnn(Array.from(q.subarray(j * dim, (j + 1) * dim)), k);
            result.neighbors.forEach((label, i) => {
              labels[j * k + i] = BigInt(label);
            });
          }
          return labels;
        },
        note: 'hnswlib-node M 32, efConstruction 40, single-threaded (no batch API), no re-rank (bytes: its saved file)',
      };
    });
  }
}

export function formatIndexTable(report: IndexBenchReport): string {
  const header = [
    'index',
    'build s',
    'B/vec',
    'qps 1',
    'p50 ms',
    'qps 100',
    'R@10',
    'R@50',
    'x bw',
    'cpu ms 1',
    'cpu ms/q 100',
  ];
  const lines = report.rows.map((row) => [
    row.index,
    (row.buildMs / 1000).toFixed(1),
    String(row.bytesPerVector),
    row.qpsSingle.toFixed(1),
    row.p50Ms.toFixed(2),
    row.qpsBatch.toFixed(1),
    row.recallAt10.toFixed(4),
    row.recallAt50.toFixed(4),
    row.ratioToBandwidth === undefined ? '' : row.ratioToBandwidth.toFixed(2),
    row.cpuMsSingle.toFixed(2),
    row.cpuMsBatch.toFixed(3),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  const render = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [
    `${report.n} x ${report.dim} clustered, ${report.queries} probes, k=${report.k}, scan kernel ${report.scanKernel}`,
    `read bandwidth ${(report.readBandwidth1 / 1e9).toFixed(1)} GB/s (1 thread), ${(report.readBandwidth2 / 1e9).toFixed(1)} GB/s (2 threads); load average ${report.loadBefore.toFixed(1)} -> ${report.loadAfter.toFixed(1)}`,
    render(header),
    ...lines.map(render),
  ].join('\n');
}

export interface RestartReport {
  n: number;
  dim: number;
  /** Applying every change to an empty gallery set, as a full rebuild from the store would. */
  rebuildMs: number;
  /** Building the approximate index in the background (0 when the gallery stays exact). */
  approximateBuildMs: number;
  method: string;
  snapshotMs: number;
  snapshotBytes: number;
  /** Changes made after the snapshot, read back by the catch-up. */
  changesAfterSnapshot: number;
  /** The restart: snapshot load plus catch-up, until the first search can run. */
  restartMs: number;
  firstSearchMs: number;
  /** Searches (k = 50) through the reopened gallery set, as the worker runs them: latency over every probe. */
  searches: number;
  searchP50Ms: number;
  searchP95Ms: number;
  /** Share of the exact top 10 the gallery returns (brute force over the same vectors, first 20 probes). */
  recallAt10: number;
}

const SEARCH_PROBES = 200;
const RECALL_PROBES = 20;

async function searchLatency(set: GallerySet, queries: Float32Array, dim: number) {
  const times: number[] = [];
  for (let q = 0; q < queries.length / dim; q++) {
    const [, ms] = await timed(() => set.search('face', queries.subarray(q * dim, (q + 1) * dim), { k: 50 }));
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)] };
}

/**
 * Recall@10 of the reopened gallery against brute force over exactly what it holds: every live
 * template of the change feed (the original vectors minus the deleted ones, plus the late additions).
 */
async function galleryRecall(set: GallerySet, queries: Float32Array, feed: MemoryFeed, dim: number) {
  const live = new Map<string, Float32Array>();
  for (const change of await feed.changesSince(0, Number.MAX_SAFE_INTEGER)) {
    if (change.deleted || !change.vector) live.delete(change.templateId);
    else live.set(change.templateId, change.vector);
  }
  const templateIds = [...live.keys()];
  const vectors = new Float32Array(templateIds.length * dim);
  for (const [i, id] of templateIds.entries()) vectors.set(live.get(id)!, i * dim);
  const labels = templateIds.map((_, i) => i);
  const reference = bruteForce(vectors, labels, queries.subarray(0, RECALL_PROBES * dim), dim, 10, 'ip');
  let found = 0;
  for (let q = 0; q < RECALL_PROBES; q++) {
    const list = await set.search('face', queries.subarray(q * dim, (q + 1) * dim), { k: 10 });
    const expected = new Set(reference.ids[q].map((label) => templateIds[label]));
    found += list.candidates.filter((candidate) => expected.has(candidate.templateId)).length;
  }
  return found / (RECALL_PROBES * 10);
}

/**
 * A worker restart with an n-vector gallery: build it from a change feed, snapshot it, make more
 * changes, then time openGalleries (snapshot load + catch-up) and the first search.
 */
export async function runRestartBench(options: {
  n: number;
  dim: number;
  log?: (line: string) => void;
}): Promise<RestartReport> {
  const { n, dim } = options;
  const log = options.log ?? (() => undefined);
  const shapes = { face: { dim, metric: 'ip' as const } };
  const key: GalleryKey = { modality: 'face', agency: 'bench', category: 'criminal' };
  const data = clusteredSet(n, SEARCH_PROBES, dim, { seed: 3 });
  const feed = new MemoryFeed();
  for (let i = 0; i < n; i++)
    feed.put(`t${i}`, `s${data.identities[i]}`, key, data.gallery.subarray(i * dim, (i + 1) * dim));
  log(`restart: ${n} changes in the feed`);

  const live = new GallerySet(shapes);
  const [, rebuildMs] = await timed(async () => {
    for (let seq = 0; seq < n; seq += 50_000) await live.apply(await feed.changesSince(seq, 50_000));
  });
  log(`restart: rebuild (apply all changes) ${Math.round(rebuildMs)} ms`);
  const [, approximateBuildMs] = await timed(() =>
    Promise.all(live.list().map((gallery) => gallery.settled())),
  );
  const method = live.list()[0].method;
  log(`restart: gallery method ${method}, background build ${Math.round(approximateBuildMs)} ms`);

  const dir = mkdtempSync(join(tmpdir(), 'idm-restart-'));
  try {
    const snapshot = await writeSnapshot(live, dir);
    log(`restart: snapshot ${Math.round(snapshot.ms)} ms, ${(snapshot.bytes / 1e9).toFixed(2)} GB`);
    const changesAfterSnapshot = 1000;
    for (let i = 0; i < changesAfterSnapshot; i++) {
      if (i % 4 === 3) feed.delete(`t${i}`, 'x', key);
      else feed.put(`late${i}`, `sl${i}`, key, data.queries.subarray((i % 10) * dim, ((i % 10) + 1) * dim));
    }
    await live.close();

    const [opened, restartMs] = await timed(() => openGalleries(dir, shapes, feed));
    const [, firstSearchMs] = await timed(() =>
      opened.set.search('face', data.queries.subarray(0, dim), { k: 50 }),
    );
    log(
      `restart: ready in ${Math.round(restartMs)} ms (${opened.source}, ${opened.changesRead} changes caught up)`,
    );
    const latency = await searchLatency(opened.set, data.queries, dim);
    log(`restart: ${SEARCH_PROBES} searches p50 ${latency.p50.toFixed(2)} ms, p95 ${latency.p95.toFixed(2)} ms`);
    const recall = await galleryRecall(opened.set, data.queries, feed, dim);
    await opened.set.close();
    return {
      n,
      dim,
      rebuildMs: Math.round(rebuildMs),
      approximateBuildMs: Math.round(approximateBuildMs),
      method,
      snapshotMs: Math.round(snapshot.ms),
      snapshotBytes: snapshot.bytes,
      changesAfterSnapshot: opened.changesRead,
      restartMs: Math.round(restartMs),
      firstSearchMs: Math.round(firstSearchMs * 100) / 100,
      searches: SEARCH_PROBES,
      searchP50Ms: Math.round(latency.p50 * 100) / 100,
      searchP95Ms: Math.round(latency.p95 * 100) / 100,
      recallAt10: recall,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
