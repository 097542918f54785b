import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { bruteForce, clusteredSet, randomVectors } from '../bench/embeddings.js';
import { FlatStore, nativeInfo, setScanKernel } from '../native/faiss.js';
import { expectMatches } from './helpers/vectors.js';

const dir = mkdtempSync(join(tmpdir(), 'idm-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (n: number, start = 0, step = 1) =>
  BigInt64Array.from({ length: n }, (_, i) => BigInt(start + i * step));


describe('FlatStore (exact scan kernel)', () => {
  for (const encoding of ['f32', 'f16', 'i8'] as const) {
    for (const metric of ['ip', 'l2'] as const) {
      it(`${encoding} ${metric}: ids and exact scores equal the brute-force reference`, async () => {
        // 3000 x 200 floats = 2.4 MB per encoding copy; dim 200 is not a multiple of 16 (padding path);
        // 7 queries exercise the four-query kernel and the single-query tail.
        const dim = 200;
        const set = clusteredSet(3000, 7, dim, { seed: 31 });
        const galleryIds = ids(3000, 10, 3);
        const store = FlatStore.create(dim, metric, encoding);
        await store.add(set.gallery, galleryIds);
        const k = 10;
        expectMatches(
          await store.search(set.queries, k),
          bruteForce(set.gallery, galleryIds, set.queries, dim, k, metric),
          k,
          5,
        );
      });
    }
  }

  it('splits a large scan across threads and still returns the exact top k', async () => {
    // 12000 x 256 fp32 = 12 MB: above the size where the scan uses both cores.
    const dim = 256;
    const gallery = randomVectors(12000, dim, 41);
    const queries = randomVectors(5, dim, 42);
    const store = FlatStore.create(dim, 'ip', 'f32');
    await store.add(gallery, ids(12000));
    expectMatches(
      await store.search(queries, 20),
      bruteForce(gallery, ids(12000), queries, dim, 20, 'ip'),
      20,
      5,
    );
    expectMatches(
      await store.search(queries.subarray(0, dim), 20),
      bruteForce(gallery, ids(12000), queries.subarray(0, dim), dim, 20, 'ip'),
      20,
      5,
    );
  });

  it('rescore gives exact scores to candidates, dropping unknown and repeated ids', async () => {
    const dim = 16;
    const gallery = randomVectors(50, dim, 5);
    const store = FlatStore.create(dim, 'ip', 'f16');
    await store.add(gallery, ids(50));
    const query = gallery.slice(3 * dim, 4 * dim);
    const result = await store.rescore(query, BigInt64Array.from([7n, 3n, 999n, -1n, 3n]), 3);
    expect(Array.from(result.labels)).toEqual([3n, 7n, -1n]);
    expect(result.distances[0]).toBeCloseTo(1, 5);
    expect(result.distances[2]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('removes immediately and keeps the other vectors findable (swap-remove)', async () => {
    const dim = 32;
    const gallery = randomVectors(100, dim, 6);
    const store = FlatStore.create(dim, 'l2', 'i8');
    await store.add(gallery, ids(100));
    expect(await store.remove(BigInt64Array.from([0n, 50n, 12345n]))).toBe(2);
    expect(store.size).toBe(98);
    for (const id of [1, 99, 49, 51]) {
      const result = await store.search(gallery.slice(id * dim, (id + 1) * dim), 1);
      expect(result.labels[0]).toBe(BigInt(id));
    }
    const all = await store.search(gallery.slice(0, dim), 98);
    expect(Array.from(all.labels)).not.toContain(0n);
    expect(Array.from(all.labels)).not.toContain(50n);
    expect(await store.get(BigInt64Array.from([99n]))).toEqual(gallery.slice(99 * dim, 100 * dim));
    await expect(store.get(BigInt64Array.from([50n]))).rejects.toThrow(/not in the store/);
  });

  it('round-trips through a file and exports every vector', async () => {
    const dim = 24;
    const gallery = randomVectors(300, dim, 8);
    const store = FlatStore.create(dim, 'ip', 'f16');
    await store.add(gallery, ids(300, 1000));
    await store.remove(BigInt64Array.from([1000n]));
    const path = join(dir, 'store.idmflat');
    await store.write(path);
    const copy = await FlatStore.read(path);
    expect([copy.size, copy.dim, copy.metric, copy.encoding]).toEqual([299, 24, 'ip', 'f16']);
    const queries = randomVectors(3, dim, 9);
    expect(await copy.search(queries, 5)).toEqual(await store.search(queries, 5));
    const exported = await copy.export();
    expect(exported.ids.length).toBe(299);
    expect(exported.vectors.length).toBe(299 * dim);
    const row = Number(exported.ids[0]) - 1000;
    expect(exported.vectors.subarray(0, dim)).toEqual(gallery.subarray(row * dim, (row + 1) * dim));
  });

  it('rejects bad input and damaged files with clear errors', async () => {
    expect(() => FlatStore.create(8, 'ip', 'f64' as 'f32')).toThrow(/encoding must be/);
    expect(() => FlatStore.create(5000, 'ip', 'i8')).toThrow(/at most 4096/);
    const store = FlatStore.create(8, 'ip', 'f16');
    await store.add(randomVectors(2, 8), ids(2));
    await expect(store.add(randomVectors(1, 8), ids(1, 1))).rejects.toThrow(/already in the store/);
    await expect(store.search(new Float32Array(9), 1)).rejects.toThrow(/whole number of rows/);
    await expect(store.search(new Float32Array(8).fill(Number.NaN), 1)).rejects.toThrow(/NaN/);
    await expect(store.search(new Float32Array(8), 2, 1)).rejects.toThrow(/candidates must be an integer/);
    await expect(FlatStore.read(join(dir, 'absent'))).rejects.toThrow(/No such file/);
    const junk = join(dir, 'junk');
    writeFileSync(junk, 'definitely not a store file, but long enough to hold a header');
    await expect(FlatStore.read(junk)).rejects.toThrow(/not an IDMatch store file/);
    const path = join(dir, 'cut.idmflat');
    await store.write(path);
    truncateSync(path, 60);
    await expect(FlatStore.read(path)).rejects.toThrow(/not the size its header announces/);
    await store.close();
    await expect(store.search(new Float32Array(8), 1)).rejects.toThrow(/closed/);
  });
});

describe('FlatStore kernels', () => {
  it('every kernel this CPU runs gives the exact answers', async () => {
    const dim = 96;
    const set = clusteredSet(2500, 9, dim, { seed: 17 });
    const galleryIds = ids(2500);
    const reference = bruteForce(set.gallery, galleryIds, set.queries, dim, 12, 'ip');
    const ran: string[] = [];
    try {
      for (const kernel of ['generic', 'avx2', 'vnni'] as const) {
        if (!setScanKernel(kernel)) continue;
        ran.push(nativeInfo().scanKernel);
        for (const encoding of ['f32', 'f16', 'i8'] as const) {
          const store = FlatStore.create(dim, 'ip', encoding);
          await store.add(set.gallery, galleryIds);
          expectMatches(await store.search(set.queries, 12), reference, 12, 5);
          await store.close();
        }
      }
    } finally {
      setScanKernel('auto');
    }
    expect(ran).toContain('generic');
    expect(setScanKernel('sse9' as 'auto')).toBe(false);
  });

  it('gives the same answers with IDMATCH_SCAN=generic as with the AVX2 kernels', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `
      import { FlatStore, nativeInfo } from './native/faiss.ts';
      import { clusteredSet } from './bench/embeddings.ts';
      const set = clusteredSet(2000, 6, 72, { seed: 8 });
      const out = { kernel: nativeInfo().scanKernel, results: {} };
      for (const encoding of ['f32', 'f16', 'i8']) {
        const store = FlatStore.create(72, 'l2', encoding);
        await store.add(set.gallery, BigInt64Array.from({ length: 2000 }, (_, i) => BigInt(i)));
        out.results[encoding] = Array.from((await store.search(set.queries, 7)).labels, Number);
      }
      console.log(JSON.stringify(out));
    `;
    const run = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          env: { ...process.env, ...env },
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          encoding: 'utf8',
        }),
      );
    const generic = run({ IDMATCH_SCAN: 'generic' });
    const best = run({});
    expect(generic.kernel).toBe('generic');
    expect(generic.results).toEqual(best.results);
  });
});
