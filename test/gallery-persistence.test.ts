import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { clusteredSet, randomVectors } from '../bench/embeddings.js';
import { IdmError } from '../engine/errors.js';
import { GallerySet } from '../engine/index/galleries.js';
import { MemoryFeed } from '../engine/index/memory-feed.js';
import { openGalleries, readSnapshot, writeSnapshot } from '../engine/index/persistence.js';
import type { GalleryKey, TemplateFeed } from '../engine/index/types.js';

const root = mkdtempSync(join(tmpdir(), 'idm-gallery-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dim = 24;
const shapes = { face: { dim, metric: 'ip' as const } };
const keys: GalleryKey[] = [
  { modality: 'face', agency: 'a1', category: 'criminal' },
  { modality: 'face', agency: 'a2', category: 'missing-person' },
];

function feedOf(n: number, seed = 2) {
  const set = clusteredSet(n, 8, dim, { seed });
  const feed = new MemoryFeed();
  for (let i = 0; i < n; i++)
    feed.put(`t${i}`, `s${set.identities[i]}`, keys[i % 2], set.gallery.slice(i * dim, (i + 1) * dim));
  return { set, feed };
}

async function answers(galleries: GallerySet, queries: Float32Array) {
  const lists = await galleries.searchBatch('face', queries, { k: 10 });
  return lists.map((list) =>
    list.candidates.map((c) => [c.templateId, c.subjectId, c.agency, Math.round(c.score * 1e5)]),
  );
}

/** Counts what a restart reads from the store. */
class CountingFeed implements TemplateFeed {
  requestedAfter: number[] = [];
  constructor(private readonly inner: TemplateFeed) {}
  changesSince(afterSeq: number, limit: number) {
    this.requestedAfter.push(afterSeq);
    return this.inner.changesSince(afterSeq, limit);
  }
}

describe('gallery persistence', () => {
  it('restores a snapshot and catches up by sequence number, reading only the missed changes', async () => {
    const dir = join(root, 'catch-up');
    const { set, feed } = feedOf(1500);
    const live = new GallerySet(shapes, { exactMaxVectors: 400 });
    await live.apply(await feed.changesSince(0, 1e9));
    await Promise.all(live.list().map((g) => g.settled()));
    const info = await writeSnapshot(live, dir);
    expect(info).toMatchObject({ lastSeq: 1500, galleries: 2, vectors: 1500 });

    // Changes after the snapshot: an insert, an update, a deletion.
    const later = [
      feed.put('late', 'sLate', keys[0], randomVectors(1, dim, 5)),
      feed.put('t3', 's0', keys[1], randomVectors(1, dim, 6)),
      feed.delete('t7', 's1', keys[1]),
    ];
    await live.apply(later);

    const counting = new CountingFeed(feed);
    const opened = await openGalleries(dir, shapes, counting, { exactMaxVectors: 400 });
    expect(opened.source).toBe('snapshot');
    expect(opened.snapshotSeq).toBe(1500);
    expect(opened.changesRead).toBe(3);
    expect(counting.requestedAfter[0]).toBe(1500);
    expect(opened.set.lastSeq).toBe(1503);
    expect(opened.set.list().map((g) => g.method)).toEqual(['approximate', 'approximate']);
    expect(await answers(opened.set, set.queries)).toEqual(await answers(live, set.queries));
    const probe = set.gallery.slice(7 * dim, 8 * dim);
    expect(
      (await opened.set.search('face', probe, { k: 50 })).candidates.map((c) => c.templateId),
    ).not.toContain('t7');
    await opened.set.close();
    await live.close();
  });

  it('rebuilds from the whole feed when there is no snapshot, or when the shape changed', async () => {
    const { set, feed } = feedOf(400, 3);
    const empty = await openGalleries(join(root, 'nothing-here'), shapes, feed);
    expect(empty.source).toBe('rebuild');
    expect(empty.changesRead).toBe(400);
    expect(empty.set.size).toBe(400);

    const dir = join(root, 'reshaped');
    await writeSnapshot(empty.set, dir);
    expect(await readSnapshot(dir, { face: { dim, metric: 'l2' } })).toBeUndefined();
    expect(await readSnapshot(dir, { face: { dim: dim * 2, metric: 'ip' } })).toBeUndefined();
    const same = await readSnapshot(dir, shapes);
    expect(same?.size).toBe(400);
    expect(await answers(same!, set.queries)).toEqual(await answers(empty.set, set.queries));
  });

  it('keeps only the newest snapshot and switches CURRENT atomically', async () => {
    const dir = join(root, 'rotation');
    const { feed } = feedOf(100, 4);
    const galleries = new GallerySet(shapes);
    await galleries.apply(await feed.changesSince(0, 50));
    const first = await writeSnapshot(galleries, dir);
    await galleries.apply(await feed.changesSince(50, 50));
    const second = await writeSnapshot(galleries, dir);
    const names = readdirSync(dir).filter((name) => name.startsWith('snapshot-'));
    expect(names).toEqual([second.path.split('/').pop()]);
    expect(readFileSync(join(dir, 'CURRENT'), 'utf8').trim()).toBe(names[0]);
    expect(first.lastSeq).toBe(50);
    expect((await readSnapshot(dir, shapes))?.lastSeq).toBe(100);
  });

  it('reports a damaged snapshot instead of serving wrong results', async () => {
    const dir = join(root, 'damaged');
    const { feed } = feedOf(60, 5);
    const galleries = new GallerySet(shapes);
    await galleries.apply(await feed.changesSince(0, 1e9));
    const info = await writeSnapshot(galleries, dir);
    writeFileSync(join(info.path, 'g0.store'), 'garbage');
    const error = await readSnapshot(dir, shapes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdmError);
    writeFileSync(join(info.path, 'manifest.json'), '{ not json');
    await expect(readSnapshot(dir, shapes)).rejects.toMatchObject({ code: 'IDM_INTEGRITY' });
  });
});
