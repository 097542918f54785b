import type { DnaSearchRequest, FaceSearchRequest, FingerprintSearchRequest, SearchJob } from '../jobs.js';
import type { JobLike, WorkerRuntime } from '../runtime.js';
import { type FamilialSearchResult, runDnaSearch, type SearchResult } from './dna-search.js';
import { type FaceSearchResult, runFaceSearch } from './face-search.js';
import { type FingerprintSearchResult, runFingerprintSearch } from './fingerprint-search.js';

export type { DnaCandidateView, FamilialSearchResult, SearchResult } from './dna-search.js';
export type { FaceSearchResult } from './face-search.js';
export type { FingerprintSearchResult } from './fingerprint-search.js';

/** Every search job goes through here and on to its modality. */
export function runSearchJob(
  job: JobLike<SearchJob>,
  runtime: WorkerRuntime,
): Promise<SearchResult | FamilialSearchResult | FaceSearchResult | FingerprintSearchResult> {
  const { request } = job.data;
  if (request.modality === 'fingerprint') {
    return runFingerprintSearch(job as JobLike<SearchJob & { request: FingerprintSearchRequest }>, runtime);
  }
  if (request.modality === 'face') {
    return runFaceSearch(job as JobLike<SearchJob & { request: FaceSearchRequest }>, runtime);
  }
  return runDnaSearch(job as JobLike<SearchJob & { request: DnaSearchRequest }>, runtime);
}
