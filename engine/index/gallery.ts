/**
 * One gallery: the templates of one modality and partition (agency, category), searchable by vector.
 *
 * The FlatStore holds the vectors (fp32 master plus an int8 scan copy) and answers exact searches;
 * once the gallery outgrows `exactMaxVectors` an approximate index (approximate.ts: our int8 IVF by
 * default) is built beside it in the background, and searches take its candidates and re-score them
 * exactly against the store. Labels are the store's change sequence numbers, unique forever, so an
 * updated template simply gets a new label.
 *
 * Guarantees: a template deleted (or replaced) is gone from the store before remove() resolves, and
 * every search re-scores against the store, so it never comes back even while the approximate index
 * still holds it; a template added is searchable when add() resolves.
 */
import { IdmError } from '../errors.js';
import { FlatStore, type Metric } from '../../native/faiss.js';
import { type ApproximateIndex, buildApproximate } from './approximate.js';
import { chooseMethod, type GalleryMethod, type IndexParameters } from './parameters.js';
import type { GalleryKey } from './types.js';

export interface GalleryEntry {
  templateId: string;
  subjectId: string;
}

export interface GalleryHit extends GalleryEntry {
  score: number;
}

export interface GalleryInsert extends GalleryEntry {
  seq: number;
  vector: Float32Array;
}

/** Snapshot view of a gallery's contents (for persistence). */
export interface GalleryContents {
  labels: number[];
  templateIds: string[];
  subjectIds: string[];
}

interface Approximate {
  index: ApproximateIndex;
  /** Labels deleted from the store but still in an index that cannot remove (HNSW). */
  stale: number;
}

export class Gallery {
  readonly key: GalleryKey;
  readonly dim: number;
  readonly metric: Metric;
  private readonly parameters: IndexParameters;
  private readonly store: FlatStore;
  private readonly entries = new Map<number, GalleryEntry>();
  private readonly labelOf = new Map<string, number>();
  private approximate: Approximate | undefined;
  /** Labels added while an approximate index is being built, to add to it before it goes live. */
  private pending: number[] | undefined;
  private building: Promise<void> | undefined;
  /** Why the last approximate-index build failed (the gallery keeps answering exactly meanwhile). */
  buildError: Error | undefined;
  /** Mutations run one after another, so that builds see a consistent order of adds and removes. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(key: GalleryKey, dim: number, metric: Metric, parameters: IndexParameters, store?: FlatStore) {
    this.key = key;
    this.dim = dim;
    this.metric = metric;
    this.parameters = parameters;
    this.store = store ?? FlatStore.create(dim, metric, parameters.scanEncoding);
    if (this.store.dim !== dim || this.store.metric !== metric) {
      throw new IdmError(
        'IDM_INDEX',
        `store has dim ${this.store.dim}/${this.store.metric}, gallery wants ${dim}/${metric}`,
      );
    }
  }

  /** Rebuilds a gallery from persisted parts (see persistence.ts). */
  static restore(
    key: GalleryKey,
    parameters: IndexParameters,
    store: FlatStore,
    contents: GalleryContents,
    approximate?: ApproximateIndex,
  ): Gallery {
    const gallery = new Gallery(key, store.dim, store.metric, parameters, store);
    contents.labels.forEach((label, i) => {
      gallery.entries.set(label, { templateId: contents.templateIds[i], subjectId: contents.subjectIds[i] });
      gallery.labelOf.set(contents.templateIds[i], label);
    });
    if (gallery.entries.size !== store.size) {
      throw new IdmError(
        'IDM_INTEGRITY',
        `gallery ${key.modality}/${key.agency}/${key.category}: ${store.size} vectors but ${gallery.entries.size} entries`,
      );
    }
    if (approximate)
      gallery.approximate = { index: approximate, stale: Math.max(0, approximate.size - store.size) };
    else gallery.maybeBuild();
    return gallery;
  }

  get size(): number {
    return this.entries.size;
  }

  get method(): GalleryMethod {
    return this.approximate ? 'approximate' : 'exact';
  }

  templateIds(): IterableIterator<string> {
    return this.labelOf.keys();
  }

  has(templateId: string): boolean {
    return this.labelOf.has(templateId);
  }

  /** The label (store sequence number) under which a template is held. */
  labelFor(templateId: string): number | undefined {
    return this.labelOf.get(templateId);
  }

  /** Adds templates, replacing any held under the same template id. Resolves when they are searchable. */
  add(batch: GalleryInsert[]): Promise<void> {
    return this.serial(async () => {
      // A change applied twice (overlapping catch-up) is already held under its seq: skip it.
      const inserts = batch.filter((insert) => !this.entries.has(insert.seq));
      if (inserts.length === 0) return;
      const vectors = new Float32Array(inserts.length * this.dim);
      const labels = new BigInt64Array(inserts.length);
      const seen = new Set<string>();
      inserts.forEach((insert, i) => {
        if (insert.vector.length !== this.dim) {
          throw new IdmError(
            'IDM_INDEX',
            `template ${insert.templateId}: vector has ${insert.vector.length} values, gallery dimension is ${this.dim}`,
          );
        }
        if (seen.has(insert.templateId))
          throw new IdmError('IDM_INDEX', `template ${insert.templateId} appears twice in one batch`);
        // Checked before anything changes, so that a bad vector cannot cost the template it replaces.
        if (!insert.vector.every(Number.isFinite))
          throw new IdmError('IDM_INDEX', `template ${insert.templateId}: vector contains NaN or infinity`);
        seen.add(insert.templateId);
        vectors.set(insert.vector, i * this.dim);
        labels[i] = BigInt(insert.seq);
      });
      const replaced = inserts
        .map((insert) => this.labelOf.get(insert.templateId))
        .filter((label) => label !== undefined);
      if (replaced.length) await this.dropLabels(replaced);
      await this.store.add(vectors, labels);
      inserts.forEach((insert) => {
        this.entries.set(insert.seq, { templateId: insert.templateId, subjectId: insert.subjectId });
        this.labelOf.set(insert.templateId, insert.seq);
      });
      if (this.approximate) await this.approximate.index.add(vectors, labels);
      if (this.pending) this.pending.push(...inserts.map((insert) => insert.seq));
      this.maybeBuild();
    });
  }

  /** Removes templates; resolves with how many were held. They never appear in a search after this resolves. */
  remove(templateIds: string[]): Promise<number> {
    return this.serial(async () => {
      const labels = templateIds.map((id) => this.labelOf.get(id)).filter((label) => label !== undefined);
      if (labels.length) await this.dropLabels(labels);
      return labels.length;
    });
  }

  /**
   * The k best templates for each query (row-major queries), best first, with exact scores.
   * `exact` forces the full scan even where an approximate index exists.
   */
  async search(queries: Float32Array, k: number, options: { exact?: boolean } = {}): Promise<GalleryHit[][]> {
    if (queries.length % this.dim !== 0) {
      throw new IdmError('IDM_INDEX', `query has ${queries.length} values, gallery dimension is ${this.dim}`);
    }
    const nq = queries.length / this.dim;
    if (nq === 0 || this.entries.size === 0) return Array.from({ length: nq }, () => []);
    const method = this.approximate ? chooseMethod(this.store.size, this.parameters, options) : 'exact';
    let result: { distances: Float32Array; labels: BigInt64Array };
    if (method === 'approximate' && this.approximate) {
      // Deleted labels still in the index take candidate places: ask for proportionally more.
      const { index, stale } = this.approximate;
      const live = Math.max(0.5, 1 - stale / Math.max(1, index.size));
      const wanted = Math.ceil(Math.max(2 * k + 32, this.parameters.approximateCandidates) / live);
      const candidates = await index.candidates(queries, Math.max(1, Math.min(wanted, index.size)));
      result = await this.store.rescore(queries, candidates, k);
    } else {
      result = await this.store.search(queries, k);
    }
    const hits: GalleryHit[][] = [];
    for (let q = 0; q < nq; q++) {
      const row: GalleryHit[] = [];
      for (let j = 0; j < k; j++) {
        const label = result.labels[q * k + j];
        if (label < 0n) break;
        const entry = this.entries.get(Number(label));
        if (entry) row.push({ ...entry, score: result.distances[q * k + j] });
      }
      hits.push(row);
    }
    return hits;
  }

  /** A consistent view of the gallery for a snapshot: the store, its entries and approximate index. */
  snapshot<T>(
    write: (parts: {
      store: FlatStore;
      contents: GalleryContents;
      approximate?: ApproximateIndex;
    }) => Promise<T>,
  ): Promise<T> {
    return this.serial(async () => {
      const contents: GalleryContents = { labels: [], templateIds: [], subjectIds: [] };
      for (const [label, entry] of this.entries) {
        contents.labels.push(label);
        contents.templateIds.push(entry.templateId);
        contents.subjectIds.push(entry.subjectId);
      }
      return write({ store: this.store, contents, approximate: this.approximate?.index });
    });
  }

  /** Waits for a running approximate-index build (tests, benchmarks, orderly shutdown). */
  async settled(): Promise<void> {
    await this.queue;
    while (this.building) await this.building.catch(() => undefined);
  }

  /** Builds the approximate index now, whatever the size (benchmarks, tests). */
  buildApproximate(): Promise<void> {
    if (!this.building) {
      this.building = this.build().finally(() => {
        this.building = undefined;
      });
    }
    return this.building;
  }

  async close(): Promise<void> {
    await this.settled();
    await this.store.close();
    await this.approximate?.index.close();
    this.approximate = undefined;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async dropLabels(labels: number[]): Promise<void> {
    const ids = BigInt64Array.from(labels, (label) => BigInt(label));
    await this.store.remove(ids);
    for (const label of labels) {
      const entry = this.entries.get(label);
      if (entry) this.labelOf.delete(entry.templateId);
      this.entries.delete(label);
    }
    if (this.approximate?.index.removes) {
      await this.approximate.index.remove(ids);
    } else if (this.approximate) {
      // HNSW cannot delete: the label stays until the next rebuild, and rescore() drops it.
      this.approximate.stale += labels.length;
      if (
        this.approximate.stale >
        this.parameters.rebuildDeletedFraction * Math.max(1, this.approximate.index.size)
      ) {
        this.buildInBackground();
      }
    }
  }

  private maybeBuild(): void {
    if (
      !this.approximate &&
      !this.building &&
      chooseMethod(this.store.size, this.parameters) === 'approximate'
    ) {
      this.buildInBackground();
    }
  }

  private buildInBackground(): void {
    this.buildApproximate().then(
      () => {
        this.buildError = undefined;
      },
      (error: unknown) => {
        this.buildError = error instanceof Error ? error : new Error(String(error));
      },
    );
  }

  private async build(): Promise<void> {
    // The copy is taken inside the mutation queue: everything added later is recorded in `pending`.
    const copy = await this.serial(async () => {
      this.pending = [];
      return this.store.export();
    });
    let index: ApproximateIndex | undefined;
    try {
      index = await buildApproximate(this.dim, this.metric, copy.vectors, copy.ids, this.parameters);
      const built = index;
      await this.serial(async () => {
        const late = (this.pending ?? []).filter((label) => this.entries.has(label));
        if (late.length) {
          const labels = BigInt64Array.from(late, (label) => BigInt(label));
          await built.add(await this.store.get(labels), labels);
        }
        // Templates deleted while the index was being built are still in it.
        let stale = built.size - this.store.size;
        if (built.removes && stale > 0) {
          const gone = copy.ids.filter((id) => !this.entries.has(Number(id)));
          if (gone.length) await built.remove(gone);
          stale = 0;
        }
        const previous = this.approximate;
        this.approximate = { index: built, stale };
        this.pending = undefined;
        await previous?.index.close();
      });
    } catch (error) {
      this.pending = undefined;
      await index?.close();
      throw error;
    }
  }
}
