/**
 * In-memory 1:N face search over a small gallery (CLI files, benchmarks, tests; large galleries live in
 * the vector index). Investigation mode returns the top `limit` candidates; identification mode keeps
 * only candidates at or above `threshold`. A subject enrolled with several photos is scored by fusing
 * its images' similarities (max by default, as its best-matching photo decides; `mean` is the steadier
 * alternative when a subject's photos are all of good quality).
 */
import { cosineSimilarity } from './similarity.js';

export interface GalleryEntry {
  subjectId: string;
  sampleId: string;
  embedding: Float32Array;
}

export interface Candidate {
  subjectId: string;
  score: number;
  /** The subject's best-matching sample (for its thumbnail). */
  sampleId: string;
  /** Every sample of the subject with its similarity, best first. */
  samples: Array<{ sampleId: string; score: number }>;
}

export interface SearchOptions {
  /** Investigation mode: how many candidates (default 50). */
  limit?: number;
  /** Identification mode: only candidates with a fused score >= threshold. */
  threshold?: number;
  fusion?: 'max' | 'mean';
}

export function searchGallery(
  probe: Float32Array,
  gallery: GalleryEntry[],
  options: SearchOptions = {},
): Candidate[] {
  const bySubject = new Map<string, Array<{ sampleId: string; score: number }>>();
  for (const entry of gallery) {
    const list = bySubject.get(entry.subjectId) ?? [];
    list.push({ sampleId: entry.sampleId, score: cosineSimilarity(probe, entry.embedding) });
    bySubject.set(entry.subjectId, list);
  }
  const fusion = options.fusion ?? 'max';
  const candidates: Candidate[] = [];
  for (const [subjectId, samples] of bySubject) {
    samples.sort((a, b) => b.score - a.score);
    const score =
      fusion === 'max' ? samples[0].score : samples.reduce((s, x) => s + x.score, 0) / samples.length;
    candidates.push({ subjectId, score, sampleId: samples[0].sampleId, samples });
  }
  candidates.sort((a, b) => b.score - a.score || a.subjectId.localeCompare(b.subjectId));
  const kept =
    options.threshold === undefined
      ? candidates
      : candidates.filter((c) => c.score >= (options.threshold as number));
  return kept.slice(0, options.limit ?? 50);
}

/**
 * A probe subject with several photos against the gallery: each probe photo is searched and a
 * candidate's scores are fused across the probe photos (max), so one good photo is enough.
 */
export function searchGalleryMulti(
  probes: Float32Array[],
  gallery: GalleryEntry[],
  options: SearchOptions = {},
): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const probe of probes) {
    for (const c of searchGallery(probe, gallery, {
      fusion: options.fusion,
      limit: Number.POSITIVE_INFINITY,
    })) {
      const prior = best.get(c.subjectId);
      if (!prior || c.score > prior.score) best.set(c.subjectId, c);
    }
  }
  const ranked = [...best.values()].sort(
    (a, b) => b.score - a.score || a.subjectId.localeCompare(b.subjectId),
  );
  const kept =
    options.threshold === undefined ? ranked : ranked.filter((c) => c.score >= (options.threshold as number));
  return kept.slice(0, options.limit ?? 50);
}
