/**
 * Value types of the gallery index: partitions, the store's change feed, candidate lists.
 */

/** A gallery partition: one modality, one owning agency, one subject category. */
export interface GalleryKey {
  /** 'face', 'fingerprint', or another float-embedding modality. */
  modality: string;
  agency: string;
  /** Subject category, e.g. 'criminal', 'civil', 'missing-person', 'unidentified-remains'. */
  category: string;
}

/**
 * One change of the template store, in sequence order. The store gives every change (insert, update,
 * deletion) a new, monotonically increasing `seq`; a deletion is a change without a vector. A worker
 * that holds every change up to `seq` is exactly as current as the store was at that change.
 */
export interface TemplateChange {
  seq: number;
  templateId: string;
  subjectId: string;
  key: GalleryKey;
  /** The embedding (unit length for inner-product galleries); absent for a deletion. */
  vector?: Float32Array;
  deleted?: boolean;
}

/** How a restarted worker reads the changes it missed, or every change for a full rebuild. */
export interface TemplateFeed {
  /** Up to `limit` changes with seq > afterSeq, in increasing seq order; fewer than `limit` means the end. */
  changesSince(afterSeq: number, limit: number): Promise<TemplateChange[]>;
}

export interface Candidate {
  /** 1-based rank in the merged list. */
  rank: number;
  /** Cosine / inner product (higher is better) or squared L2 distance (lower is better), exact. */
  score: number;
  templateId: string;
  subjectId: string;
  agency: string;
  category: string;
}

export interface CandidateList {
  modality: string;
  metric: 'ip' | 'l2';
  candidates: Candidate[];
  /** Galleries and vectors the search covered. */
  galleries: number;
  vectors: number;
  /** How each covered gallery searched: 'exact' scan, or 'approximate' then an exact re-rank. */
  methods: Array<'exact' | 'approximate'>;
}

export interface SearchOptions {
  /** Candidates wanted (default 50). */
  k?: number;
  /** Only these agencies' galleries (default: all). */
  agencies?: string[];
  /** Only these subject categories (default: all). */
  categories?: string[];
  /** Force the exact scan even where an approximate index exists. */
  exact?: boolean;
}

export function keyString(key: GalleryKey): string {
  return `${key.modality}/${key.agency}/${key.category}`;
}
