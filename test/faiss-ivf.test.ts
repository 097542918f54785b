import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { bruteForce, clusteredSet, randomVectors, recallAt } from '../bench/embeddings.js';
import { FlatStore, IvfIndex } from '../native/faiss.js';

const dir = mkdtempSync(join(tmpdir(), 'idm-ivf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (n: number, start = 0) => BigInt64Array.from({ length: n }, (_, i) => BigInt(start + i));

describe('IvfIndex (int8 inverted file)', () => {
  for (const metric of ['ip', 'l2'] as const) {
    it(`${metric}: probing every list and re-scoring gives the exact top k`, async () => {
      const dim = 48;
      const set = clusteredSet(2000, 12, dim, { seed: 21 });
      const galleryIds = ids(2000, 500);
      const index = IvfIndex.create(dim, metric, 32);
      await index.train(set.gallery);
      expect(index.isTrained).toBe(true);
      await index.add(set.gallery, galleryIds);
      expect(index.size).toBe(2000);
      const store = FlatStore.create(dim, metric, 'f32');
      await store.add(set.gallery, galleryIds);
      const k = 10;
      const candidates = await index.search(set.queries, 60, 32);
      const exact = await store.rescore(set.queries, candidates.labels, k);
      const reference = bruteForce(set.gallery, galleryIds, set.queries, dim, k, metric);
      reference.ids.forEach((row, q) => {
        expect(Array.from(exact.labels.subarray(q * k, (q + 1) * k), Number)).toEqual(row);
      });
      // With a few lists probed, recall stays high on clustered data.
      await index.setParameter('nprobe', 8);
      const probed = await store.rescore(set.queries, (await index.search(set.queries, 60)).labels, k);
      expect(recallAt(reference.ids, probed.labels, k, k)).toBeGreaterThan(0.85);
    });
  }

  it('removes immediately and round-trips through a file', async () => {
    const dim = 32;
    const gallery = randomVectors(600, dim, 3);
    const index = IvfIndex.create(dim, 'ip', 8);
    await index.train(gallery);
    await index.add(gallery, ids(600));
    const probe = gallery.slice(5 * dim, 6 * dim);
    expect((await index.search(probe, 1, 8)).labels[0]).toBe(5n);
    expect(await index.remove(BigInt64Array.from([5n, 9999n]))).toBe(1);
    const after = await index.search(probe, 600, 8);
    expect(Array.from(after.labels)).not.toContain(5n);
    expect(after.labels.filter((label) => label >= 0n)).toHaveLength(599);

    const path = join(dir, 'gallery.ivf');
    await index.write(path);
    const copy = await IvfIndex.read(path);
    expect([copy.size, copy.dim, copy.nlist, copy.metric]).toEqual([599, dim, 8, 'ip']);
    const queries = randomVectors(4, dim, 4);
    expect(await copy.search(queries, 7, 8)).toEqual(await index.search(queries, 7, 8));
  });

  it('rejects bad input with clear errors', async () => {
    const dim = 16;
    const index = IvfIndex.create(dim, 'l2', 4);
    await expect(index.add(randomVectors(4, dim), ids(4))).rejects.toThrow(/not trained/);
    await expect(index.search(randomVectors(1, dim), 1)).rejects.toThrow(/not trained/);
    await expect(index.train(randomVectors(3, dim))).rejects.toThrow(/at least as many vectors as lists/);
    await index.train(randomVectors(50, dim));
    await expect(index.add(randomVectors(2, dim), BigInt64Array.from([1n, 1n]))).rejects.toThrow(/twice/);
    await index.add(randomVectors(2, dim), ids(2));
    await expect(index.add(randomVectors(1, dim), ids(1))).rejects.toThrow(/already in the index/);
    await expect(index.search(new Float32Array(dim).fill(Number.NaN), 1)).rejects.toThrow(/NaN/);
    await expect(index.search(new Float32Array(dim + 1), 1)).rejects.toThrow(/whole number of rows/);
    await expect(index.setParameter('efSearch' as 'nprobe', 3)).rejects.toThrow(/unknown IvfIndex parameter/);
    expect(() => IvfIndex.create(dim, 'cos' as 'ip', 4)).toThrow(/metric/);
    await expect(IvfIndex.read(join(dir, 'absent.ivf'))).rejects.toThrow(/No such file/);
    const junk = join(dir, 'junk.ivf');
    writeFileSync(junk, 'this is not an inverted file index at all, sorry');
    await expect(IvfIndex.read(junk)).rejects.toThrow(/not an IDMatch IVF index file/);
    const path = join(dir, 'cut.ivf');
    await index.write(path);
    writeFileSync(path, (await import('node:fs')).readFileSync(path).subarray(0, 100));
    await expect(IvfIndex.read(path)).rejects.toThrow(/truncated/);
    await index.close();
    await expect(index.search(randomVectors(1, dim), 1)).rejects.toThrow(/closed/);
  });
});
