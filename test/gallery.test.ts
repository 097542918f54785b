import { describe, expect, it } from 'vitest';

import { bruteForce, clusteredSet, randomVectors } from '../bench/embeddings.js';
import { IdmError } from '../engine/errors.js';
import { GallerySet } from '../engine/index/galleries.js';
import { MemoryFeed } from '../engine/index/memory-feed.js';
import type { CandidateList, GalleryKey } from '../engine/index/types.js';

const dim = 32;
const shapes = { face: { dim, metric: 'ip' as const } };
const partitions: GalleryKey[] = [
  { modality: 'face', agency: 'north', category: 'criminal' },
  { modality: 'face', agency: 'north', category: 'civil' },
  { modality: 'face', agency: 'south', category: 'criminal' },
];

/** A feed of n clustered templates spread over the partitions; template i is "t<i>" of subject "s<i/5>". */
function populate(n: number, seed = 1) {
  const set = clusteredSet(n, 10, dim, { seed });
  const feed = new MemoryFeed();
  const keyOf = (i: number) => partitions[i % partitions.length];
  for (let i = 0; i < n; i++) {
    feed.put(`t${i}`, `s${set.identities[i]}`, keyOf(i), set.gallery.slice(i * dim, (i + 1) * dim));
  }
  return { set, feed, keyOf };
}

/** Brute force over the templates of the chosen rows, returning template ids and scores. */
function reference(gallery: Float32Array, rows: number[], query: Float32Array, k: number) {
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    vectors.set(gallery.subarray(row * dim, (row + 1) * dim), i * dim);
  });
  const result = bruteForce(vectors, rows, query, dim, k, 'ip');
  return { ids: result.ids[0].map((row) => `t${row}`), scores: result.scores[0] };
}

function expectList(list: CandidateList, expected: { ids: string[]; scores: number[] }) {
  expect(list.candidates.map((c) => c.templateId)).toEqual(expected.ids);
  list.candidates.forEach((candidate, i) => {
    expect(candidate.rank).toBe(i + 1);
    expect(candidate.score).toBeCloseTo(expected.scores[i], 5);
  });
}

async function allChanges(feed: MemoryFeed) {
  return feed.changesSince(0, Number.MAX_SAFE_INTEGER);
}

describe('GallerySet', () => {
  it('keeps one gallery per partition and equals brute force, with partition and category filters', async () => {
    const { set, feed } = populate(900);
    const galleries = new GallerySet(shapes);
    await galleries.apply(await allChanges(feed));
    expect(galleries.list()).toHaveLength(3);
    expect(galleries.size).toBe(900);
    expect(galleries.lastSeq).toBe(900);

    const query = set.queries.slice(0, dim);
    const all = Array.from({ length: 900 }, (_, i) => i);
    const list = await galleries.search('face', query, { k: 15 });
    expectList(list, reference(set.gallery, all, query, 15));
    expect(list.galleries).toBe(3);
    expect(list.vectors).toBe(900);
    expect(list.methods).toEqual(['exact', 'exact', 'exact']);
    // Candidates carry the template's subject and partition.
    const top = list.candidates[0];
    const row = Number(top.templateId.slice(1));
    expect(top.subjectId).toBe(`s${set.identities[row]}`);
    expect({ ...partitions[row % 3], modality: 'face' }).toMatchObject({
      agency: top.agency,
      category: top.category,
    });

    const north = await galleries.search('face', query, { k: 10, agencies: ['north'] });
    expectList(
      north,
      reference(
        set.gallery,
        all.filter((i) => i % 3 !== 2),
        query,
        10,
      ),
    );
    const criminal = await galleries.search('face', query, { k: 10, categories: ['criminal'] });
    expectList(
      criminal,
      reference(
        set.gallery,
        all.filter((i) => i % 3 !== 1),
        query,
        10,
      ),
    );
    const southCivil = await galleries.search('face', query, { agencies: ['south'], categories: ['civil'] });
    expect(southCivil.candidates).toEqual([]);
  });

  it('finds a person by a new capture: mates rank first', async () => {
    const { set, feed } = populate(600, 4);
    const galleries = new GallerySet(shapes);
    await galleries.apply(await allChanges(feed));
    const lists = await galleries.searchBatch('face', set.queries, { k: 5 });
    const hits = lists.filter(
      (list, q) => list.candidates[0].subjectId === `s${set.queryIdentities[q]}`,
    ).length;
    expect(hits).toBeGreaterThanOrEqual(8);
  });

  it('deletes immediately and makes inserts visible to the next search', async () => {
    const { set, feed } = populate(300);
    const galleries = new GallerySet(shapes);
    await galleries.apply(await allChanges(feed));
    const probe = set.gallery.slice(10 * dim, 11 * dim);
    expect((await galleries.search('face', probe, { k: 1 })).candidates[0].templateId).toBe('t10');

    await galleries.apply([feed.delete('t10', 's2', partitions[10 % 3])]);
    const after = await galleries.search('face', probe, { k: 300 });
    expect(after.candidates.map((c) => c.templateId)).not.toContain('t10');
    expect(after.candidates).toHaveLength(299);

    const fresh = randomVectors(1, dim, 77);
    await galleries.apply([feed.put('new', 'sNew', partitions[1], fresh)]);
    const found = await galleries.search('face', fresh, { k: 1 });
    expect(found.candidates[0]).toMatchObject({
      templateId: 'new',
      subjectId: 'sNew',
      agency: 'north',
      category: 'civil',
    });
    expect(found.candidates[0].score).toBeCloseTo(1, 5);

    // An update replaces the old vector; moving partition leaves the old gallery.
    await galleries.apply([feed.put('new', 'sNew', partitions[2], randomVectors(1, dim, 78))]);
    const moved = await galleries.search('face', fresh, { k: 300 });
    expect(moved.candidates.filter((c) => c.templateId === 'new')).toHaveLength(1);
    expect(moved.candidates.find((c) => c.templateId === 'new')?.agency).toBe('south');
    expect(moved.candidates[0].templateId).not.toBe('new');
  });

  it('above the exact limit builds an approximate index, re-ranks exactly, and never returns deleted templates', async () => {
    const n = 3000;
    const { set, feed } = populate(n, 9);
    const galleries = new GallerySet(shapes, {
      exactMaxVectors: 500,
      approximateCandidates: 60,
      lowDimensionProbeFactor: 6,
    });
    await galleries.apply(await allChanges(feed));
    await Promise.all(galleries.list().map((gallery) => gallery.settled()));
    expect(galleries.list().map((gallery) => gallery.method)).toEqual([
      'approximate',
      'approximate',
      'approximate',
    ]);

    const all = Array.from({ length: n }, (_, i) => i);
    let found = 0;
    for (let q = 0; q < 10; q++) {
      const query = set.queries.slice(q * dim, (q + 1) * dim);
      const list = await galleries.search('face', query, { k: 10 });
      const truth = reference(set.gallery, all, query, 10);
      found += list.candidates.filter((c) => truth.ids.includes(c.templateId)).length;
      // Scores are exact: each equals the brute-force score of that template.
      for (const candidate of list.candidates) {
        const row = Number(candidate.templateId.slice(1));
        const exact = reference(set.gallery, [row], query, 1).scores[0];
        expect(candidate.score).toBeCloseTo(exact, 5);
      }
      const exact = await galleries.search('face', query, { k: 10, exact: true });
      expectList(exact, truth);
    }
    expect(found / 100).toBeGreaterThanOrEqual(0.95);

    // Delete the current top hit of a probe: it must vanish although HNSW still holds it.
    const probe = set.gallery.slice(42 * dim, 43 * dim);
    expect((await galleries.search('face', probe, { k: 1 })).candidates[0].templateId).toBe('t42');
    await galleries.apply([feed.delete('t42', 'x', partitions[0])]);
    expect(
      (await galleries.search('face', probe, { k: 50 })).candidates.map((c) => c.templateId),
    ).not.toContain('t42');
    // Inserts reach the approximate index too.
    const fresh = randomVectors(1, dim, 99);
    await galleries.apply([feed.put('late', 'sLate', partitions[0], fresh)]);
    expect((await galleries.search('face', fresh, { k: 1 })).candidates[0].templateId).toBe('late');
    await galleries.close();
  });

  it('with a FAISS HNSW tier (which cannot delete) deleted templates still never come back', async () => {
    const n = 1200;
    const { set, feed } = populate(n, 13);
    const galleries = new GallerySet(shapes, {
      exactMaxVectors: 300,
      approximateIndex: 'HNSW16',
      efSearch: 128,
    });
    await galleries.apply(await allChanges(feed));
    await Promise.all(galleries.list().map((gallery) => gallery.settled()));
    expect(galleries.list().every((gallery) => gallery.method === 'approximate')).toBe(true);
    const probe = set.gallery.slice(30 * dim, 31 * dim);
    expect((await galleries.search('face', probe, { k: 1 })).candidates[0].templateId).toBe('t30');
    await galleries.apply([feed.delete('t30', 'x', partitions[0])]);
    const after = await galleries.search('face', probe, { k: 40 });
    expect(after.candidates.map((c) => c.templateId)).not.toContain('t30');
    expect(after.candidates).toHaveLength(40);
    await galleries.close();
  });

  it('serves concurrent changes and searches from several async callers', async () => {
    const { set, feed } = populate(1200, 12);
    const changes = await allChanges(feed);
    const galleries = new GallerySet(shapes);
    const work: Array<Promise<unknown>> = [];
    const seen = new Set<string>();
    for (let b = 0; b < 12; b++) {
      work.push(galleries.apply(changes.slice(b * 100, (b + 1) * 100)));
      work.push(
        galleries.search('face', set.queries.slice(0, dim), { k: 5 }).then((list) => {
          for (const c of list.candidates) seen.add(c.templateId);
        }),
      );
    }
    await Promise.all(work);
    expect(galleries.size).toBe(1200);
    const query = set.queries.slice(0, dim);
    expectList(
      await galleries.search('face', query, { k: 8 }),
      reference(
        set.gallery,
        Array.from({ length: 1200 }, (_, i) => i),
        query,
        8,
      ),
    );
    for (const id of seen) expect(Number(id.slice(1))).toBeLessThan(1200);
  });

  it('rejects bad input with IDM_INDEX errors', async () => {
    const galleries = new GallerySet(shapes);
    const wrong = {
      seq: 1,
      templateId: 'x',
      subjectId: 'y',
      key: partitions[0],
      vector: new Float32Array(dim + 1),
    };
    await expect(galleries.apply([wrong])).rejects.toThrow(/gallery dimension is 32/);
    const nan = { ...wrong, seq: 2, vector: new Float32Array(dim).fill(Number.NaN) };
    await expect(galleries.apply([nan])).rejects.toThrow(/NaN/);
    await expect(galleries.search('face', new Float32Array(5))).rejects.toThrow(IdmError);
    await expect(galleries.search('iris', new Float32Array(dim))).rejects.toThrow(/no vector shape/);
    await expect(galleries.search('face', new Float32Array(dim), { k: 0 })).rejects.toThrow(
      /positive integer/,
    );
    const other = {
      ...wrong,
      seq: 3,
      key: { modality: 'voice', agency: 'a', category: 'b' },
      vector: new Float32Array(dim),
    };
    await expect(galleries.apply([other])).rejects.toThrow(/modality 'voice'/);
  });
});
