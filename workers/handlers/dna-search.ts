import type { LocusComparison } from '../../engine/dna/search.js';
import { appendAudit } from '../../store/audit.js';
import type { SubjectCategory } from '../../store/subjects.js';
import type { DnaSearchRequest, SearchJob } from '../jobs.js';

/** A search job whose request is a DNA search. */
export type DnaSearchJob = SearchJob & { request: DnaSearchRequest };
import type { JobLike, WorkerRuntime } from '../runtime.js';
import { visibleTo } from '../visibility.js';

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

export interface FamilialCandidateView {
  rank: number;
  subjectId: string;
  templateId: string;
  agencyId: string;
  category: SubjectCategory;
  lr: number;
  log10Lr: number;
  sharedLoci: number;
}

export interface FamilialSearchResult {
  modality: 'dna';
  mode: 'familial';
  gallerySize: number;
  frequencies: { database: string; population?: string };
  rankings: Array<{ relationship: string; scored: number; aboveThreshold: number; candidates: FamilialCandidateView[] }>;
  elapsedMs: number;
}

interface Visible {
  subjectId: string;
  templateId: string;
  agencyId: string;
  category: SubjectCategory;
}

/** The gallery entry behind a template id, if the caller may see it and it passes the filters. */
function visibleEntry(runtime: WorkerRuntime, job: JobLike<DnaSearchJob>, templateId: string): Visible | null {
  const { request, actor } = job.data;
  const entry = runtime.dna.get(templateId);
  if (!entry || !visibleTo(entry, actor.agencyId, request)) return null;
  return { subjectId: entry.subjectId, templateId: entry.templateId, agencyId: entry.agencyId, category: entry.category };
}

export async function auditSearch(runtime: WorkerRuntime, job: JobLike<SearchJob>, details: Record<string, unknown>) {
  const { actor } = job.data;
  await appendAudit(runtime.db, {
    agencyId: actor.agencyId,
    keyId: actor.keyId,
    requestId: actor.requestId,
    action: 'search.run',
    resourceType: 'job',
    resourceId: job.id ?? null,
    outcome: 'success',
    source: runtime.source,
    details,
  });
}

/** Familial search: the gallery ranked by kinship index to the probe, per relationship. */
async function runFamilialSearch(job: JobLike<DnaSearchJob>, runtime: WorkerRuntime): Promise<FamilialSearchResult> {
  const started = performance.now();
  const { request } = job.data;
  const familial = request.familial ?? { relationships: ['parent-child', 'full-sibling'] };
  const topK = familial.topK ?? 50;
  await runtime.dna.catchUp(runtime.db);
  await job.updateProgress(10);
  const rankings = await runtime.pool.run({
    name: 'dna.familial',
    gallery: runtime.dna.shared(),
    probe: request.profile,
    frequencies: request.frequencies,
    options: {
      relationships: familial.relationships,
      threshold: familial.threshold,
      topK: topK * ENGINE_LIMIT_FACTOR,
      minSharedLoci: request.minSharedLoci,
      theta: request.theta,
    },
  });
  const result: FamilialSearchResult = {
    modality: 'dna',
    mode: 'familial',
    gallerySize: runtime.dna.size,
    frequencies: request.frequencies,
    rankings: rankings.map((ranking) => {
      const candidates: FamilialCandidateView[] = [];
      for (const candidate of ranking.candidates) {
        const visible = visibleEntry(runtime, job, candidate.id);
        if (!visible) continue;
        candidates.push({ rank: candidates.length + 1, ...visible, lr: candidate.lr, log10Lr: candidate.log10Lr, sharedLoci: candidate.sharedLoci });
        if (candidates.length >= topK) break;
      }
      return { relationship: ranking.relationship, scored: ranking.scored, aboveThreshold: ranking.aboveThreshold, candidates };
    }),
    elapsedMs: Math.round(performance.now() - started),
  };
  await auditSearch(runtime, job, {
    modality: 'dna',
    mode: 'familial',
    gallerySize: result.gallerySize,
    candidates: result.rankings.flatMap((r) => r.candidates.map((c) => c.subjectId)),
  });
  await job.updateProgress(100);
  return result;
}

// The engine ranks the whole gallery; partition filters are applied afterwards, so ask it for more
// than the caller's limit to keep the list full after filtering.
const ENGINE_LIMIT_FACTOR = 20;

export async function runDnaSearch(
  job: JobLike<DnaSearchJob>,
  runtime: WorkerRuntime,
): Promise<SearchResult | FamilialSearchResult> {
  if (job.data.request.familial) return runFamilialSearch(job, runtime);
  const started = performance.now();
  const { request } = job.data;
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
  const candidates: DnaCandidateView[] = [];
  for (const candidate of found) {
    const visible = visibleEntry(runtime, job, candidate.id);
    if (!visible) continue;
    candidates.push({
      rank: candidates.length + 1,
      ...visible,
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
  await auditSearch(runtime, job, {
    modality: 'dna',
    stringency: request.stringency,
    gallerySize: result.gallerySize,
    candidates: candidates.map((c) => c.subjectId),
  });
  await job.updateProgress(100);
  return result;
}
