/**
 * The gallery index's own storage: snapshots on disk plus catch-up from the store's change sequence,
 * so that a restarted worker is ready in seconds instead of re-reading every template.
 *
 * Layout of a snapshot directory (the caller chooses it):
 *   CURRENT                      name of the newest complete snapshot (replaced atomically by rename)
 *   snapshot-<seq>-<ms>/
 *     manifest.json              version, lastSeq, and per gallery: key, shape, file names
 *     g<i>.store                 FlatStore file: ids (store seqs) and fp32 vectors
 *     g<i>.entries.json          template and subject id of each label
 *     g<i>.ivf-i8 | g<i>.faiss   the approximate index, when the gallery had one
 * A snapshot is written into a hidden temporary folder and renamed into place, so a crash mid-write
 * leaves the previous one current. Older snapshots are removed once a new one is current.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { IdmError } from '../errors.js';
import { FlatStore } from '../../native/faiss.js';
import { type ApproximateKind, readApproximate } from './approximate.js';
import { Gallery, type GalleryContents } from './gallery.js';
import { GallerySet, type ModalityShapes } from './galleries.js';
import type { IndexParameters } from './parameters.js';
import type { GalleryKey, TemplateFeed } from './types.js';

const VERSION = 1;

interface GalleryManifest {
  key: GalleryKey;
  dim: number;
  metric: 'ip' | 'l2';
  size: number;
  store: string;
  entries: string;
  approximate?: { file: string; kind: ApproximateKind; factory: string };
}

interface Manifest {
  version: number;
  createdAt: string;
  lastSeq: number;
  galleries: GalleryManifest[];
}

export interface SnapshotInfo {
  path: string;
  lastSeq: number;
  galleries: number;
  vectors: number;
  bytes: number;
  ms: number;
}

/** Writes a snapshot of every gallery; changes wait while it is written. */
export async function writeSnapshot(set: GallerySet, directory: string): Promise<SnapshotInfo> {
  const started = performance.now();
  await mkdir(directory, { recursive: true });
  return set.quiesced(async () => {
    const name = `snapshot-${set.lastSeq}-${Date.now()}`;
    const temporary = join(directory, `.${name}.tmp`);
    await rm(temporary, { recursive: true, force: true });
    await mkdir(temporary);
    const manifest: Manifest = {
      version: VERSION,
      createdAt: new Date().toISOString(),
      lastSeq: set.lastSeq,
      galleries: [],
    };
    let vectors = 0;
    for (const [i, gallery] of set.list().entries()) {
      const entry: GalleryManifest = {
        key: gallery.key,
        dim: gallery.dim,
        metric: gallery.metric,
        size: 0,
        store: `g${i}.store`,
        entries: `g${i}.entries.json`,
      };
      await gallery.snapshot(async ({ store, contents, approximate }) => {
        entry.size = contents.labels.length;
        await store.write(join(temporary, entry.store));
        await writeFile(join(temporary, entry.entries), JSON.stringify(contents));
        if (approximate) {
          entry.approximate = {
            file: `g${i}.${approximate.kind}`,
            kind: approximate.kind,
            factory: set.parameters.approximateIndex,
          };
          await approximate.write(join(temporary, entry.approximate.file));
        }
      });
      vectors += entry.size;
      manifest.galleries.push(entry);
    }
    await writeFile(join(temporary, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const final = join(directory, name);
    await rename(temporary, final);
    await writeFile(join(directory, 'CURRENT.tmp'), `${name}\n`);
    await rename(join(directory, 'CURRENT.tmp'), join(directory, 'CURRENT'));
    for (const other of await readdir(directory)) {
      if (other !== name && other.startsWith('snapshot-'))
        await rm(join(directory, other), { recursive: true, force: true });
    }
    let bytes = 0;
    for (const file of await readdir(final)) bytes += (await stat(join(final, file))).size;
    return {
      path: final,
      lastSeq: manifest.lastSeq,
      galleries: manifest.galleries.length,
      vectors,
      bytes,
      ms: performance.now() - started,
    };
  });
}

/**
 * Loads the current snapshot into a new GallerySet. Resolves undefined when there is none, or when it
 * does not fit (another format version, or a modality's dimension or metric changed); throws when a
 * snapshot that should fit is damaged.
 */
export async function readSnapshot(
  directory: string,
  shapes: ModalityShapes,
  parameters: Partial<IndexParameters> = {},
): Promise<GallerySet | undefined> {
  let name: string;
  try {
    name = (await readFile(join(directory, 'CURRENT'), 'utf8')).trim();
  } catch {
    return undefined;
  }
  const folder = join(directory, name);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as Manifest;
  } catch (error) {
    throw new IdmError(
      'IDM_INTEGRITY',
      `snapshot ${folder} has no readable manifest: ${(error as Error).message}`,
    );
  }
  if (manifest.version !== VERSION) return undefined;
  for (const entry of manifest.galleries) {
    const shape = shapes[entry.key.modality];
    if (!shape || shape.dim !== entry.dim || shape.metric !== entry.metric) return undefined;
  }
  const set = new GallerySet(shapes, parameters);
  try {
    for (const entry of manifest.galleries) {
      const [store, contents, approximate] = await Promise.all([
        FlatStore.read(join(folder, entry.store)),
        readFile(join(folder, entry.entries), 'utf8').then((text) => JSON.parse(text) as GalleryContents),
        entry.approximate
          ? readApproximate(
              entry.approximate.kind,
              join(folder, entry.approximate.file),
              entry.approximate.factory,
              set.parameters,
            )
          : Promise.resolve(undefined),
      ]);
      if (store.size !== entry.size) {
        throw new IdmError(
          'IDM_INTEGRITY',
          `snapshot gallery ${entry.store} holds ${store.size} vectors, manifest says ${entry.size}`,
        );
      }
      set.adopt(Gallery.restore(entry.key, set.parameters, store, contents, approximate), manifest.lastSeq);
    }
  } catch (error) {
    await set.close();
    throw error;
  }
  return set;
}

/** Applies every change after the set's lastSeq; resolves with how many changes were read. */
export async function catchUp(set: GallerySet, feed: TemplateFeed): Promise<number> {
  let read = 0;
  const limit = set.parameters.catchUpBatch;
  for (;;) {
    const changes = await feed.changesSince(set.lastSeq, limit);
    if (changes.length === 0) break;
    read += changes.length;
    const last = changes[changes.length - 1].seq;
    if (last <= set.lastSeq)
      throw new IdmError(
        'IDM_INTEGRITY',
        `the change feed went backwards (seq ${last} after ${set.lastSeq})`,
      );
    await set.apply(changes);
    if (changes.length < limit) break;
  }
  return read;
}

export interface OpenedGalleries {
  set: GallerySet;
  /** 'snapshot' when a snapshot was loaded and caught up; 'rebuild' when every change was re-read. */
  source: 'snapshot' | 'rebuild';
  snapshotSeq: number;
  changesRead: number;
  ms: number;
}

/**
 * A worker's start: the current snapshot plus a catch-up when one fits, otherwise a full rebuild
 * from the store's change feed.
 */
export async function openGalleries(
  directory: string,
  shapes: ModalityShapes,
  feed: TemplateFeed,
  parameters: Partial<IndexParameters> = {},
): Promise<OpenedGalleries> {
  const started = performance.now();
  const restored = await readSnapshot(directory, shapes, parameters);
  const set = restored ?? new GallerySet(shapes, parameters);
  const snapshotSeq = set.lastSeq;
  const changesRead = await catchUp(set, feed);
  return {
    set,
    source: restored ? 'snapshot' : 'rebuild',
    snapshotSeq,
    changesRead,
    ms: performance.now() - started,
  };
}
