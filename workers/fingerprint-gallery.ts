import { randomUUID } from 'node:crypto';

import type { FingerprintTemplate } from '../engine/fingerprint/types.js';
import type { Queryable } from '../store/database.js';
import type { Restriction, SubjectCategory } from '../store/subjects.js';
import { templateChangesSince } from '../store/templates.js';
import { type SharedGallery, shareJson } from './shared-gallery.js';

export interface FingerprintGalleryEntry {
  templateId: string;
  subjectId: string;
  sampleId: string;
  agencyId: string;
  category: SubjectCategory;
  restriction: Restriction;
  position: number;
  template: FingerprintTemplate;
}

/** The fingerprint gallery as shared with the pool threads: [templateId, position, template]. */
export type FingerprintGalleryRows = Array<[string, number, FingerprintTemplate]>;

/**
 * The fingerprint templates of one worker process, kept in step with the store by template sequence
 * number before every search (inserts visible at once, deletions immediate), handed to the pool
 * threads once per version.
 */
export class FingerprintGallery {
  readonly #entries = new Map<string, FingerprintGalleryEntry>();
  readonly #key = `fingerprint-${randomUUID()}`;
  #seq = 0;
  #version = 0;
  #shared: SharedGallery | null = null;

  async catchUp(db: Queryable): Promise<void> {
    for (;;) {
      const changes = await templateChangesSince(db, 'fingerprint', this.#seq);
      for (const change of changes) {
        this.#seq = change.seq;
        if (change.data === null) {
          this.#entries.delete(change.id);
          continue;
        }
        const template = JSON.parse(new TextDecoder().decode(change.data)) as FingerprintTemplate;
        this.#entries.set(change.id, {
          templateId: change.id,
          subjectId: change.subjectId,
          sampleId: change.sampleId,
          agencyId: change.agencyId,
          category: change.category,
          restriction: change.restriction,
          position: Number(change.meta.position ?? 0),
          template,
        });
      }
      if (changes.length > 0) this.#version += 1;
      if (changes.length < 50_000) return;
    }
  }

  get(templateId: string): FingerprintGalleryEntry | undefined {
    return this.#entries.get(templateId);
  }

  get size(): number {
    return this.#entries.size;
  }

  shared(): SharedGallery {
    if (!this.#shared || this.#shared.version !== this.#version) {
      const rows: FingerprintGalleryRows = [...this.#entries.values()].map((e) => [e.templateId, e.position, e.template]);
      this.#shared = shareJson(this.#key, this.#version, rows);
    }
    return this.#shared;
  }
}
