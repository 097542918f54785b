/**
 * All galleries of a worker: one per modality and partition (agency, category), fed by the store's
 * change sequence and searched together with partition filters.
 */
import { IdmError } from '../errors.js';
import type { Metric } from '../../native/faiss.js';
import { Gallery, type GalleryInsert } from './gallery.js';
import { defaultIndexParameters, type IndexParameters } from './parameters.js';
import {
  type Candidate,
  type CandidateList,
  type GalleryKey,
  keyString,
  type SearchOptions,
  type TemplateChange,
} from './types.js';

/** Vector shape of each modality, e.g. { face: { dim: 512, metric: 'ip' } }. */
export type ModalityShapes = Record<string, { dim: number; metric: Metric }>;

export class GallerySet {
  readonly shapes: ModalityShapes;
  readonly parameters: IndexParameters;
  private readonly galleries = new Map<string, Gallery>();
  private readonly where = new Map<string, string>(); // templateId -> gallery key string
  private appliedSeq = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(shapes: ModalityShapes, parameters: Partial<IndexParameters> = {}) {
    this.shapes = shapes;
    this.parameters = { ...defaultIndexParameters, ...parameters };
  }

  /** The highest change sequence number applied: every change up to it is reflected. */
  get lastSeq(): number {
    return this.appliedSeq;
  }

  /** Number of templates over all galleries. */
  get size(): number {
    let total = 0;
    for (const gallery of this.galleries.values()) total += gallery.size;
    return total;
  }

  list(): Gallery[] {
    return [...this.galleries.values()];
  }

  /** The gallery of a partition, created empty on first use. */
  gallery(key: GalleryKey): Gallery {
    const name = keyString(key);
    let gallery = this.galleries.get(name);
    if (!gallery) {
      const shape = this.shapes[key.modality];
      if (!shape)
        throw new IdmError('IDM_INDEX', `no vector shape configured for modality '${key.modality}'`);
      gallery = new Gallery({ ...key }, shape.dim, shape.metric, this.parameters);
      this.galleries.set(name, gallery);
    }
    return gallery;
  }

  /** Adds a restored gallery (persistence.ts). */
  adopt(gallery: Gallery, appliedSeq: number): void {
    this.galleries.set(keyString(gallery.key), gallery);
    this.appliedSeq = Math.max(this.appliedSeq, appliedSeq);
    this.reindex(gallery);
  }

  /**
   * Applies store changes in sequence order: inserts and updates (a template that moves partition
   * leaves its old gallery), deletions. Changes at or below lastSeq are skipped, so a catch-up may
   * overlap what a snapshot already holds. Resolves when every change is visible to searches.
   */
  apply(changes: TemplateChange[]): Promise<void> {
    return this.serial(async () => {
      const fresh = changes.filter((change) => change.seq > this.appliedSeq).sort((a, b) => a.seq - b.seq);
      if (fresh.length === 0) return;
      // Group consecutive work per gallery; a later change of the same template closes the group so
      // that order is kept.
      let inserts = new Map<string, GalleryInsert[]>();
      let removals = new Map<string, string[]>();
      let touched = new Set<string>();
      const flush = async () => {
        for (const [name, ids] of removals) await this.galleries.get(name)?.remove(ids);
        for (const [name, batch] of inserts) await this.galleries.get(name)?.add(batch);
        inserts = new Map();
        removals = new Map();
        touched = new Set();
      };
      for (const change of fresh) {
        if (touched.has(change.templateId)) await flush();
        touched.add(change.templateId);
        const previous = this.where.get(change.templateId);
        const target = keyString(change.key);
        if (change.deleted || !change.vector) {
          if (previous) push(removals, previous, change.templateId);
          this.where.delete(change.templateId);
          continue;
        }
        if (previous && previous !== target) push(removals, previous, change.templateId);
        this.gallery(change.key);
        push(inserts, target, {
          seq: change.seq,
          templateId: change.templateId,
          subjectId: change.subjectId,
          vector: change.vector,
        });
        this.where.set(change.templateId, target);
      }
      await flush();
      this.appliedSeq = fresh[fresh.length - 1].seq;
    });
  }

  /** The k best candidates for one query over the galleries of a modality that pass the filters. */
  async search(modality: string, query: Float32Array, options: SearchOptions = {}): Promise<CandidateList> {
    return (await this.searchBatch(modality, query, options))[0];
  }

  /** As search(), for a batch of queries (row-major): one candidate list per query. */
  async searchBatch(
    modality: string,
    queries: Float32Array,
    options: SearchOptions = {},
  ): Promise<CandidateList[]> {
    const shape = this.shapes[modality];
    if (!shape) throw new IdmError('IDM_INDEX', `no vector shape configured for modality '${modality}'`);
    if (queries.length === 0 || queries.length % shape.dim !== 0) {
      throw new IdmError(
        'IDM_INDEX',
        `query has ${queries.length} values, ${modality} vectors have ${shape.dim}`,
      );
    }
    const k = options.k ?? 50;
    if (!Number.isInteger(k) || k < 1)
      throw new IdmError('IDM_INDEX', `k must be a positive integer, got ${k}`);
    const nq = queries.length / shape.dim;
    const chosen = this.list().filter(
      (gallery) =>
        gallery.key.modality === modality &&
        gallery.size > 0 &&
        (!options.agencies || options.agencies.includes(gallery.key.agency)) &&
        (!options.categories || options.categories.includes(gallery.key.category)),
    );
    const perGallery = await Promise.all(
      chosen.map((gallery) => gallery.search(queries, k, { exact: options.exact })),
    );
    const better = shape.metric === 'ip' ? (a: number, b: number) => b - a : (a: number, b: number) => a - b;
    const lists: CandidateList[] = [];
    for (let q = 0; q < nq; q++) {
      const merged: Array<Omit<Candidate, 'rank'>> = [];
      chosen.forEach((gallery, g) => {
        for (const hit of perGallery[g][q])
          merged.push({ ...hit, agency: gallery.key.agency, category: gallery.key.category });
      });
      merged.sort((a, b) => better(a.score, b.score) || (a.templateId < b.templateId ? -1 : 1));
      lists.push({
        modality,
        metric: shape.metric,
        candidates: merged.slice(0, k).map((candidate, i) => ({ rank: i + 1, ...candidate })),
        galleries: chosen.length,
        vectors: chosen.reduce((sum, gallery) => sum + gallery.size, 0),
        methods: chosen.map((gallery) => (options.exact ? 'exact' : gallery.method)),
      });
    }
    return lists;
  }

  /** Runs `work` with no change being applied (snapshots). */
  quiesced<T>(work: () => Promise<T>): Promise<T> {
    return this.serial(work);
  }

  async close(): Promise<void> {
    await this.queue;
    await Promise.all(this.list().map((gallery) => gallery.close()));
    this.galleries.clear();
    this.where.clear();
  }

  private reindex(gallery: Gallery): void {
    const name = keyString(gallery.key);
    for (const templateId of gallery.templateIds()) this.where.set(templateId, name);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
