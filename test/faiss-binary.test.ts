import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { rng } from '../bench/embeddings.js';
import { IdmError } from '../engine/errors.js';
import { BinaryIndex } from '../native/faiss.js';

const dir = mkdtempSync(join(tmpdir(), 'idm-binary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (n: number, start = 0) => BigInt64Array.from({ length: n }, (_, i) => BigInt(start + i));

function randomCodes(n: number, bytes: number, seed: number): Uint8Array {
  const random = rng(seed);
  return Uint8Array.from({ length: n * bytes }, () => Math.floor(random() * 256));
}

function popcount(x: number): number {
  let count = 0;
  for (let v = x; v; v &= v - 1) count++;
  return count;
}

/** Brute-force Hamming top-k distances per query (ids may tie, so distances are what must agree). */
function hamming(codes: Uint8Array, queries: Uint8Array, bytes: number, k: number): number[][] {
  const n = codes.length / bytes;
  const out: number[][] = [];
  for (let q = 0; q < queries.length / bytes; q++) {
    const distances: number[] = [];
    for (let r = 0; r < n; r++) {
      let d = 0;
      for (let i = 0; i < bytes; i++) d += popcount(codes[r * bytes + i] ^ queries[q * bytes + i]);
      distances.push(d);
    }
    out.push(distances.sort((a, b) => a - b).slice(0, k));
  }
  return out;
}

describe('BinaryIndex', () => {
  it('flat Hamming search equals a brute-force reference', async () => {
    const bytes = 32;
    const codes = randomCodes(400, bytes, 1);
    const queries = randomCodes(10, bytes, 2);
    const index = BinaryIndex.create(bytes * 8, 'BFlat');
    await index.add(codes, ids(400, 100));
    const result = await index.search(queries, 8);
    const reference = hamming(codes, queries, bytes, 8);
    reference.forEach((row, q) => {
      expect(Array.from(result.distances.subarray(q * 8, q * 8 + 8))).toEqual(row);
    });
    // The returned ids really are at the returned distances.
    const id = Number(result.labels[0]) - 100;
    let d = 0;
    for (let i = 0; i < bytes; i++) d += popcount(codes[id * bytes + i] ^ queries[i]);
    expect(result.distances[0]).toBe(d);
  });

  it('IVF with every list probed is exact; removal and range search work', async () => {
    const bytes = 16;
    const codes = randomCodes(1000, bytes, 3);
    const queries = codes.slice(0, 5 * bytes);
    const index = BinaryIndex.create(bytes * 8, 'BIVF8');
    await index.train(codes);
    await index.add(codes, ids(1000));
    await index.setParameter('nprobe', 8);
    const result = await index.search(queries, 4);
    const reference = hamming(codes, queries, bytes, 4);
    reference.forEach((row, q) => {
      expect(Array.from(result.distances.subarray(q * 4, q * 4 + 4))).toEqual(row);
    });
    expect(result.labels[0]).toBe(0n);

    expect(await index.remove(BigInt64Array.from([0n]))).toBe(1);
    const after = await index.search(queries.subarray(0, bytes), 4);
    expect(Array.from(after.labels)).not.toContain(0n);

    const range = await index.rangeSearch(queries.subarray(bytes, 2 * bytes), 1);
    expect(Array.from(range.labels)).toEqual([1n]);
    expect(Array.from(range.distances)).toEqual([0]);
  });

  it('round-trips through a file', async () => {
    const bytes = 8;
    const codes = randomCodes(100, bytes, 4);
    const index = BinaryIndex.create(64, 'BFlat');
    await index.add(codes, ids(100, 7));
    const path = join(dir, 'codes.bfaiss');
    await index.write(path);
    const copy = await BinaryIndex.read(path);
    expect(copy.size).toBe(100);
    expect(copy.dim).toBe(64);
    expect(await copy.search(codes.subarray(0, 16), 3)).toEqual(await index.search(codes.subarray(0, 16), 3));
  });

  it('rejects bad input with a clear error', async () => {
    expect(() => BinaryIndex.create(60, 'BFlat')).toThrow(/multiple of 8/);
    expect(() => BinaryIndex.create(64, 'Flat')).toThrow(IdmError);
    const index = BinaryIndex.create(64, 'BFlat');
    await expect(index.add(new Uint8Array(12), ids(1))).rejects.toThrow(/whole number of rows of 8/);
    await expect(index.search(new Float32Array(8) as unknown as Uint8Array, 1)).rejects.toThrow(/Uint8Array/);
    await expect(BinaryIndex.read(join(dir, 'missing'))).rejects.toThrow(/No such file/);
    const ivf = BinaryIndex.create(64, 'BIVF4');
    await expect(ivf.add(new Uint8Array(8), ids(1))).rejects.toThrow(/not trained/);
    await expect(index.setParameter('efSearch', 10)).rejects.toThrow(/HNSW indexes only/);
  });
});
