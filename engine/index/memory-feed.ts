/**
 * A TemplateFeed over an in-memory change log: what the store's change sequence looks like to the
 * gallery index, for tests, benchmarks and tools that have no database.
 */
import type { GalleryKey, TemplateChange, TemplateFeed } from './types.js';

export class MemoryFeed implements TemplateFeed {
  private readonly log: TemplateChange[] = [];
  private seq = 0;

  get lastSeq(): number {
    return this.seq;
  }

  /** Records an insert or update; returns the change (with its new seq). */
  put(templateId: string, subjectId: string, key: GalleryKey, vector: Float32Array): TemplateChange {
    const change: TemplateChange = { seq: ++this.seq, templateId, subjectId, key, vector };
    this.log.push(change);
    return change;
  }

  /** Records a deletion. */
  delete(templateId: string, subjectId: string, key: GalleryKey): TemplateChange {
    const change: TemplateChange = { seq: ++this.seq, templateId, subjectId, key, deleted: true };
    this.log.push(change);
    return change;
  }

  async changesSince(afterSeq: number, limit: number): Promise<TemplateChange[]> {
    // seq n sits at index n - 1
    return this.log.slice(afterSeq, afterSeq + limit);
  }
}
