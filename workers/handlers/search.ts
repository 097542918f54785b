import type { LocusComparison } from '../../engine/dna/search.js';
import { appendAudit } from '../../store/audit.js';
import type { SubjectCategory } from '../../store/subjects.js';
import type { SearchJob } from '../jobs.js';
import type { JobLike, WorkerRuntime } from '../runtime.js';

export interface DnaCandidateView {
  rank: number;
  subjectId: string;
  templateId: string;
  agencyId: string;
  category: SubjectCategory;
  lr: number | null;
  sharedLoci: number;
  mismatches: number;
  loci: LocusComparison[];
}

export interface SearchResult {
  modality: 'dna';
  gallerySize: number;
  frequencies: { database: string; population?: string };
  candidates: DnaCandidateView[];
  elapsedMs: number;
}

// The engine ranks the whole gallery; partition filters are applied afterwards, so ask it for more
// than the caller's limit to keep the list full after filtering.
const ENGINE_LIMIT_FACTOR = 20;

export async function runSearchJob(job: JobLike<SearchJob>, runtime: WorkerRuntime): Promise<SearchResult> {
  const started = performance.now();
  const { request, actor } = job.data;
  const limit = request.limit ?? 50;
  await runtime.dna.catchUp(runtime.db);
  await job.updateProgress(10);
  const found = await runtime.pool.run({
    name: 'dna.search',
    gallery: runtime.dna.shared(),
    probe: request.profile,
    options: {
      stringency: request.stringency,
      minSharedLoci: request.minSharedLoci,
      maxMismatches: request.maxMismatches,
      limit: limit * ENGINE_LIMIT_FACTOR,
      theta: request.theta,
    },
    frequencies: request.frequencies,
  });
  const categories = request.categories ? new Set(request.categories) : null;
  const agencies = request.agencies ? new Set(request.agencies) : null;
  const candidates: DnaCandidateView[] = [];
  for (const candidate of found) {
    const entry = runtime.dna.get(candidate.id);
    if (!entry) continue;
    // A subject restricted to its agency never appears in another agency's candidate list.
    if (entry.restriction === 'agency' && entry.agencyId !== actor.agencyId) continue;
    if (categories && !categories.has(entry.category)) continue;
    if (agencies && !agencies.has(entry.agencyId)) continue;
    candidates.push({
      rank: candidates.length + 1,
      subjectId: entry.subjectId,
      templateId: entry.templateId,
      agencyId: entry.agencyId,
      category: entry.category,
      lr: candidate.lr,
      sharedLoci: candidate.sharedLoci,
      mismatches: candidate.mismatches,
      loci: candidate.loci,
    });
    if (candidates.length >= limit) break;
  }
  const result: SearchResult = {
    modality: 'dna',
    gallerySize: runtime.dna.size,
    frequencies: request.frequencies,
    candidates,
    elapsedMs: Math.round(performance.now() - started),
  };
  await appendAudit(runtime.db, {
    agencyId: actor.agencyId,
    keyId: actor.keyId,
    requestId: actor.requestId,
    action: 'search.run',
    resourceType: 'job',
    resourceId: job.id ?? null,
    outcome: 'success',
    source: runtime.source,
    details: {
      modality: 'dna',
      stringency: request.stringency,
      gallerySize: result.gallerySize,
      candidates: candidates.map((c) => c.subjectId),
    },
  });
  await job.updateProgress(100);
  return result;
}
