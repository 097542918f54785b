import { join } from 'node:path';

import type { GallerySet } from '../engine/index/galleries.js';
import { catchUp, openGalleries, writeSnapshot } from '../engine/index/persistence.js';
import type { Candidate, TemplateChange, TemplateFeed } from '../engine/index/types.js';
import type { Queryable } from '../store/database.js';
import type { Restriction } from '../store/subjects.js';
import { storeIdentity, templateChangesSince } from '../store/templates.js';

/** The recogniser's embedding size (face-api's ResNet-34: 128). A lab model with another size gets its own modality. */
export const FACE_DIMENSIONS = 128;
const SHAPES = { face: { dim: FACE_DIMENSIONS, metric: 'ip' as const } };

export function embeddingToBytes(embedding: Float32Array): Uint8Array {
  return new Uint8Array(embedding.buffer.slice(embedding.byteOffset, embedding.byteOffset + embedding.byteLength));
}

export function bytesToEmbedding(bytes: Uint8Array): Float32Array {
  const copy = bytes.slice();
  return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
}

/** The store's template rows of one modality as the index's change feed. */
class StoreFeed implements TemplateFeed {
  readonly restrictions = new Map<string, Restriction>();
  readonly samples = new Map<string, string>();

  constructor(private readonly db: Queryable) {}

  async changesSince(afterSeq: number, limit: number): Promise<TemplateChange[]> {
    const rows = await templateChangesSince(this.db, 'face', afterSeq, limit);
    return rows.map((row) => {
      if (row.data) {
        this.restrictions.set(row.id, row.restriction);
        this.samples.set(row.id, row.sampleId);
      } else {
        this.restrictions.delete(row.id);
        this.samples.delete(row.id);
      }
      return {
        seq: row.seq,
        templateId: row.id,
        subjectId: row.subjectId,
        key: { modality: 'face', agency: row.agencyId, category: row.category },
        vector: row.data ? bytesToEmbedding(row.data) : undefined,
        deleted: row.data === null,
      };
    });
  }
}

/**
 * The face galleries of one worker process: FAISS-backed galleries per agency and category (the
 * index engine), restored from the last on-disk snapshot of this store and caught up by template
 * sequence number before every search, so an enrolment is visible to the next search and a
 * deletion is immediate.
 */
export class FaceGalleries {
  #set: GallerySet | null = null;
  #opening: Promise<GallerySet> | null = null;
  #feed: StoreFeed;
  #directory: string | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly dataDir: string,
  ) {
    this.#feed = new StoreFeed(db);
  }

  private async open(): Promise<GallerySet> {
    if (this.#set) return this.#set;
    this.#opening ??= (async () => {
      this.#directory = join(this.dataDir, 'index', await storeIdentity(this.db), 'face');
      // A snapshot holds vectors, not access rules: read every live template's restriction and sample
      // first, so that a restored template is filtered exactly like a freshly fed one.
      const rows = await this.db.query<{ id: string; sample_id: string; restriction: Restriction }>(
        "SELECT id, sample_id, restriction FROM templates WHERE modality = 'face' AND deleted_at IS NULL",
      );
      for (const row of rows) {
        this.#feed.restrictions.set(row.id, row.restriction);
        this.#feed.samples.set(row.id, row.sample_id);
      }
      const opened = await openGalleries(this.#directory, SHAPES, this.#feed);
      this.#set = opened.set;
      return opened.set;
    })();
    return this.#opening;
  }

  async catchUp(): Promise<GallerySet> {
    const set = await this.open();
    await catchUp(set, this.#feed);
    return set;
  }

  /** Candidates for one embedding; restricted subjects of other agencies never appear. */
  async search(
    embedding: Float32Array,
    options: { k: number; agencyId: string; categories?: string[]; agencies?: string[] },
  ): Promise<{ candidates: Candidate[]; vectors: number }> {
    const set = await this.catchUp();
    const list = await set.search('face', embedding, {
      k: options.k,
      categories: options.categories,
      agencies: options.agencies,
    });
    const visible = list.candidates.filter(
      (c) => this.#feed.restrictions.get(c.templateId) !== 'agency' || c.agency === options.agencyId,
    );
    return { candidates: visible, vectors: list.vectors };
  }

  /** The sample a template was made from (for thumbnails); null for templates restored from a snapshot. */
  sampleOf(templateId: string): string | null {
    return this.#feed.samples.get(templateId) ?? null;
  }

  get size(): number {
    return this.#set?.size ?? 0;
  }

  /** Writes a snapshot so that the next start is a load plus a short catch-up, not a rebuild. */
  async close(): Promise<void> {
    if (!this.#set || !this.#directory) return;
    if (this.#set.size > 0) await writeSnapshot(this.#set, this.#directory);
    await this.#set.close();
    this.#set = null;
  }
}
