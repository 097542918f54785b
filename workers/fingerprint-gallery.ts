import { FingerprintGallery as SharedFingerprints, type GallerySnapshot } from '../engine/fingerprint/identify/index.js';
import type { FingerprintTemplate } from '../engine/fingerprint/types.js';
import type { Queryable } from '../store/database.js';
import type { Restriction, SubjectCategory } from '../store/subjects.js';
import { templateChangesSince } from '../store/templates.js';

export interface FingerprintGalleryEntry {
  templateId: string;
  subjectId: string;
  sampleId: string;
  agencyId: string;
  category: SubjectCategory;
  restriction: Restriction;
  position: number;
}

/**
 * The fingerprint gallery of one worker process: the identification engine's gallery, whose prepared
 * templates and binary codes live in SharedArrayBuffers that the pool threads search without a copy,
 * kept in step with the store by template sequence number before every search (an enrolment is visible
 * to the next search, a deletion is immediate). Access rules and provenance stay here, in the owner.
 */
export class FingerprintGallery {
  readonly #gallery = new SharedFingerprints();
  readonly #entries = new Map<string, FingerprintGalleryEntry>();
  #seq = 0;
  #snapshot: GallerySnapshot | null = null;

  async catchUp(db: Queryable): Promise<void> {
    for (;;) {
      const changes = await templateChangesSince(db, 'fingerprint', this.#seq);
      for (const change of changes) {
        this.#seq = change.seq;
        if (this.#entries.delete(change.id)) this.#gallery.remove(change.id);
        if (change.data === null) continue;
        const template = JSON.parse(new TextDecoder().decode(change.data)) as FingerprintTemplate;
        const position = Number(change.meta.position ?? 0);
        this.#gallery.add(change.id, template, { position, subjectId: change.subjectId });
        this.#entries.set(change.id, {
          templateId: change.id,
          subjectId: change.subjectId,
          sampleId: change.sampleId,
          agencyId: change.agencyId,
          category: change.category,
          restriction: change.restriction,
          position,
        });
      }
      if (changes.length > 0) this.#snapshot = null;
      if (changes.length < 50_000) return;
    }
  }

  get(templateId: string): FingerprintGalleryEntry | undefined {
    return this.#entries.get(templateId);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Shared buffers only (ids included): posting it to a pool thread copies nothing. */
  snapshot(): GallerySnapshot {
    this.#snapshot ??= this.#gallery.snapshot();
    return this.#snapshot;
  }
}
