import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { bruteForce, clusteredSet, randomVectors, recallAt } from '../bench/embeddings.js';
import { IdmError } from '../engine/errors.js';
import { FaissIndex, nativeInfo } from '../native/faiss.js';
import { expectMatches } from './helpers/vectors.js';

const dir = mkdtempSync(join(tmpdir(), 'idm-faiss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (n: number, step = 1, start = 0) =>
  BigInt64Array.from({ length: n }, (_, i) => BigInt(start + i * step));


async function rejection(promise: Promise<unknown>): Promise<IdmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdmError);
  expect((error as IdmError).code).toBe('IDM_INDEX');
  return error as IdmError;
}

describe('FaissIndex', () => {
  it('loads the addon and reports its scan kernel', () => {
    const info = nativeInfo();
    expect(info.faissVersion).toBe('1.7.3');
    expect(['vnni', 'avx2', 'generic']).toContain(info.scanKernel);
    if (info.vnni) expect(info.scanKernel).toBe('vnni');
  });

  for (const metric of ['ip', 'l2'] as const) {
    it(`flat ${metric} search equals a brute-force reference on random vectors`, async () => {
      const dim = 32;
      const gallery = randomVectors(500, dim, 3);
      const queries = randomVectors(20, dim, 4);
      const galleryIds = ids(500, 3, 1000);
      const index = FaissIndex.create(dim, 'Flat', metric);
      await index.add(gallery, galleryIds);
      expect(index.size).toBe(500);
      expect(index.metric).toBe(metric);
      const k = 10;
      expectMatches(
        await index.search(queries, k),
        bruteForce(gallery, galleryIds, queries, dim, k, metric),
        k,
        4,
      );
      await index.close();
    });

    it(`flat ${metric} search equals the reference on clustered embeddings`, async () => {
      const set = clusteredSet(1000, 25, 64, { seed: 11 });
      const galleryIds = ids(1000, 1, 5);
      const index = FaissIndex.create(64, 'Flat', metric);
      await index.add(set.gallery, galleryIds);
      const k = 12;
      expectMatches(
        await index.search(set.queries, k),
        bruteForce(set.gallery, galleryIds, set.queries, 64, k, metric),
        k,
        4,
      );
    });
  }

  it('IVF with every list probed is exact; HNSW reaches high recall', async () => {
    const set = clusteredSet(3000, 30, 32, { seed: 5 });
    const galleryIds = ids(3000);
    const reference = bruteForce(set.gallery, galleryIds, set.queries, 32, 10, 'ip');

    const ivf = FaissIndex.create(32, 'IVF16,Flat', 'ip');
    expect(ivf.isTrained).toBe(false);
    await ivf.train(set.gallery);
    expect(ivf.isTrained).toBe(true);
    await ivf.add(set.gallery, galleryIds);
    await ivf.setParameter('nprobe', 16);
    expectMatches(await ivf.search(set.queries, 10), reference, 10, 4);

    const hnsw = FaissIndex.create(32, 'HNSW16', 'ip');
    await hnsw.setParameter('efSearch', 128);
    await hnsw.add(set.gallery, galleryIds);
    expect(recallAt(reference.ids, (await hnsw.search(set.queries, 10)).labels, 10, 10)).toBeGreaterThan(
      0.95,
    );
  });

  it('removes ids: a removed vector never comes back', async () => {
    const dim = 16;
    const gallery = randomVectors(200, dim, 9);
    const index = FaissIndex.create(dim, 'Flat', 'ip');
    await index.add(gallery, ids(200));
    const query = gallery.slice(7 * dim, 8 * dim);
    expect((await index.search(query, 1)).labels[0]).toBe(7n);
    expect(await index.remove(BigInt64Array.from([7n, 9999n]))).toBe(1);
    expect(index.size).toBe(199);
    const after = await index.search(query, 199);
    expect(Array.from(after.labels)).not.toContain(7n);
    expect(after.labels.every((label) => label >= 0n)).toBe(true);
  });

  it('pads results with -1 when the index holds fewer than k vectors, and answers an empty index', async () => {
    const empty = FaissIndex.create(8, 'HNSW8', 'ip');
    const none = await empty.search(new Float32Array(8).fill(0.5), 3);
    expect(Array.from(none.labels)).toEqual([-1n, -1n, -1n]);
    const index = FaissIndex.create(8, 'Flat', 'l2');
    await index.add(randomVectors(2, 8), ids(2));
    const result = await index.search(randomVectors(1, 8, 2), 4);
    expect(Array.from(result.labels.subarray(2))).toEqual([-1n, -1n]);
  });

  it('range search returns exactly the vectors within the radius', async () => {
    const dim = 16;
    const gallery = randomVectors(300, dim, 21);
    const queries = randomVectors(5, dim, 22);
    const index = FaissIndex.create(dim, 'Flat', 'ip');
    await index.add(gallery, ids(300));
    const radius = 0.4;
    const result = await index.rangeSearch(queries, radius);
    const all = bruteForce(gallery, ids(300), queries, dim, 300, 'ip');
    for (let q = 0; q < 5; q++) {
      const expected = all.ids[q].filter((_, j) => all.scores[q][j] > radius).sort((a, b) => a - b);
      const got = Array.from(result.labels.subarray(result.offsets[q], result.offsets[q + 1]), Number).sort(
        (a, b) => a - b,
      );
      expect(got).toEqual(expected);
    }
  });

  it('writes to and reads from a file, keeping ids, metric and results', async () => {
    const set = clusteredSet(500, 10, 24, { seed: 3 });
    const index = FaissIndex.create(24, 'HNSW8', 'l2');
    await index.add(set.gallery, ids(500, 2));
    const before = await index.search(set.queries, 5);
    const path = join(dir, 'hnsw.faiss');
    await index.write(path);
    const copy = await FaissIndex.read(path);
    expect(copy.size).toBe(500);
    expect(copy.dim).toBe(24);
    expect(copy.metric).toBe('l2');
    const after = await copy.search(set.queries, 5);
    expect(after.labels).toEqual(before.labels);
    expect(await copy.memoryBytes()).toBeGreaterThan(500 * 24 * 4);
  });

  it('serves concurrent adds and searches from several async callers', async () => {
    const dim = 32;
    const index = FaissIndex.create(dim, 'Flat', 'ip');
    const batches = Array.from({ length: 8 }, (_, b) => randomVectors(250, dim, 100 + b));
    const queries = randomVectors(4, dim, 99);
    const work: Array<Promise<unknown>> = [];
    batches.forEach((batch, b) => {
      work.push(index.add(batch, ids(250, 1, b * 250)));
      work.push(index.search(queries, 5));
    });
    await Promise.all(work);
    expect(index.size).toBe(2000);
    const all = new Float32Array(2000 * dim);
    batches.forEach((batch, b) => {
      all.set(batch, b * 250 * dim);
    });
    expectMatches(await index.search(queries, 5), bruteForce(all, ids(2000), queries, dim, 5, 'ip'), 5, 4);
  });

  describe('bad input is a clear error, never a crash', () => {
    const dim = 8;
    const make = async () => {
      const index = FaissIndex.create(dim, 'Flat', 'ip');
      await index.add(randomVectors(10, dim), ids(10));
      return index;
    };

    it('wrong dimensions', async () => {
      const index = await make();
      expect((await rejection(index.search(new Float32Array(7), 1))).message).toMatch(
        /not a whole number of rows of 8/,
      );
      expect((await rejection(index.add(new Float32Array(16), ids(3)))).message).toMatch(
        /2 vectors but 3 ids/,
      );
    });

    it('NaN and infinity', async () => {
      const index = await make();
      const bad = new Float32Array(dim);
      bad[3] = Number.NaN;
      expect((await rejection(index.search(bad, 1))).message).toMatch(/NaN at element 3/);
      bad[3] = Number.POSITIVE_INFINITY;
      expect((await rejection(index.add(bad, ids(1, 1, 50)))).message).toMatch(/infinite/);
      expect(index.size).toBe(10);
    });

    it('an untrained index', async () => {
      const ivf = FaissIndex.create(dim, 'IVF4,Flat', 'l2');
      expect((await rejection(ivf.add(randomVectors(4, dim), ids(4)))).message).toMatch(/not trained/);
      expect((await rejection(ivf.search(randomVectors(1, dim), 1))).message).toMatch(/not trained/);
      expect((await rejection(ivf.train(randomVectors(2, dim)))).message).toMatch(
        /at least as large as number of clusters/,
      );
    });

    it('a missing or foreign file', async () => {
      expect((await rejection(FaissIndex.read(join(dir, 'nope.faiss')))).message).toMatch(/No such file/);
      const junk = join(dir, 'junk.faiss');
      writeFileSync(junk, 'not an index at all');
      expect((await rejection(FaissIndex.read(junk))).message).toMatch(/not a readable FAISS index/);
      const index = await make();
      const whole = join(dir, 'whole.faiss');
      await index.write(whole);
      const cut = join(dir, 'cut.faiss');
      writeFileSync(cut, readFileSync(whole).subarray(0, 100));
      expect((await rejection(FaissIndex.read(cut))).message).toMatch(
        /not a readable FAISS index.*read error/,
      );
      expect((await rejection(index.write(join(dir, 'no', 'such', 'dir.faiss')))).message).toMatch(
        /could not open/,
      );
    });

    it('bad arguments', async () => {
      expect(() => FaissIndex.create(8, 'NotAnIndex', 'ip')).toThrow(/factory string 'NotAnIndex'/);
      expect(() => FaissIndex.create(8, 'Flat', 'cosine' as 'ip')).toThrow(/metric must be 'ip' or 'l2'/);
      expect(() => FaissIndex.create(0, 'Flat', 'ip')).toThrow(/dim must be an integer/);
      const index = await make();
      await rejection(index.search(randomVectors(1, dim), 0));
      await rejection(index.search(new Float64Array(8) as unknown as Float32Array, 1));
      await rejection(index.add(randomVectors(1, dim), new Int32Array(1) as unknown as BigInt64Array));
      expect(
        (await rejection(index.add(randomVectors(2, dim), BigInt64Array.from([50n, 50n])))).message,
      ).toMatch(/twice/);
      expect((await rejection(index.setParameter('nprobe', 4))).message).toMatch(/IVF indexes only/);
      const hnsw = FaissIndex.create(dim, 'HNSW8', 'ip');
      await hnsw.add(randomVectors(3, dim), ids(3));
      expect((await rejection(hnsw.remove(ids(1)))).message).toMatch(/not implemented/);
    });

    it('a closed index', async () => {
      const index = await make();
      await index.close();
      expect((await rejection(index.search(randomVectors(1, dim), 1))).message).toMatch(/closed/);
      expect(index.size).toBe(0);
    });
  });
});
