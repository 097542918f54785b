import { randomUUID } from 'node:crypto';

import type { StrProfile } from '../engine/dna/profile.js';
import type { Queryable } from '../store/database.js';
import type { Restriction, SubjectCategory } from '../store/subjects.js';
import { templateChangesSince } from '../store/templates.js';
import type { DnaGalleryEntries } from './cpu-tasks.js';
import { type SharedGallery, shareJson } from './shared-gallery.js';

export interface DnaGalleryEntry {
  templateId: string;
  subjectId: string;
  agencyId: string;
  category: SubjectCategory;
  restriction: Restriction;
  profile: StrProfile;
}

/**
 * The DNA gallery of one worker process, kept in step with the store by template sequence number:
 * before every search it applies the inserts and tombstones committed since it last looked, so an
 * enrolment is visible to the next search and a deleted profile never comes back.
 */
export class DnaGallery {
  readonly #entries = new Map<string, DnaGalleryEntry>();
  readonly #key = `dna-${randomUUID()}`;
  #seq = 0;
  #version = 0;
  #shared: SharedGallery | null = null;

  async catchUp(db: Queryable): Promise<void> {
    for (;;) {
      const changes = await templateChangesSince(db, 'dna', this.#seq);
      for (const change of changes) {
        this.#seq = change.seq;
        if (change.data === null) {
          this.#entries.delete(change.id);
        } else {
          this.#entries.set(change.id, {
            templateId: change.id,
            subjectId: change.subjectId,
            agencyId: change.agencyId,
            category: change.category,
            restriction: change.restriction,
            profile: JSON.parse(new TextDecoder().decode(change.data)) as StrProfile,
          });
        }
      }
      if (changes.length > 0) this.#version += 1;
      if (changes.length < 50_000) return;
    }
  }

  get(templateId: string): DnaGalleryEntry | undefined {
    return this.#entries.get(templateId);
  }

  get size(): number {
    return this.#entries.size;
  }

  shared(): SharedGallery {
    if (!this.#shared || this.#shared.version !== this.#version) {
      const entries: DnaGalleryEntries = [...this.#entries.values()].map((e) => [e.templateId, e.profile]);
      this.#shared = shareJson(this.#key, this.#version, entries);
    }
    return this.#shared;
  }
}
