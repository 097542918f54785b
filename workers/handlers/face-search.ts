import type { AnalysedFace } from '../../engine/face/pipeline.js';
import { similarityToFmr, thresholdForFmr } from '../../engine/face/compare.js';
import { IdmError } from '../../engine/errors.js';
import { getBlob } from '../../store/samples.js';
import type { FaceSearchRequest, SearchJob } from '../jobs.js';
import type { JobLike, WorkerRuntime } from '../runtime.js';
import { auditSearch } from './dna-search.js';

export type FaceSearchJob = SearchJob & { request: FaceSearchRequest };

export interface FaceCandidateView {
  rank: number;
  subjectId: string;
  agencyId: string;
  category: string;
  /** Best cosine similarity over the subject's photos (fusion by maximum). */
  score: number;
  fmr: number;
  /** The subject's photos that matched, best first: template and sample ids (for thumbnails). */
  matches: Array<{ templateId: string; sampleId: string | null; score: number }>;
}

export interface FaceSearchResult {
  modality: 'face';
  mode: 'investigation' | 'identification';
  threshold: number | null;
  gallerySize: number;
  faces: Array<{
    box: AnalysedFace['box'];
    quality: AnalysedFace['quality'];
    candidates: FaceCandidateView[];
  }>;
  elapsedMs: number;
}

// Several photos of one subject compete for the same places; ask the index for more than the limit.
const PHOTOS_PER_SUBJECT = 4;

/**
 * Face search: every face of the probe photo (a group photo searches each face) against the face
 * galleries, candidates fused per subject. Investigation mode returns ranked candidates; with a
 * threshold (or an FMR turned into one by the calibration) it is identification mode.
 */
export async function runFaceSearch(job: JobLike<FaceSearchJob>, runtime: WorkerRuntime): Promise<FaceSearchResult> {
  const started = performance.now();
  const { request, actor } = job.data;
  const limit = request.limit ?? 50;
  const threshold = request.threshold ?? (request.fmr !== undefined ? thresholdForFmr(request.fmr) : null);
  const bytes = await getBlob(runtime.db, request.imageSha256);
  const analysis = await runtime.pool.run({ name: 'face.analyse', bytes, maxFaces: request.maxFaces ?? 50 });
  await job.updateProgress(40);
  if (analysis.faces.length === 0) throw new IdmError('IDM_NO_FACE', 'no face was found in the probe photo');
  const faces: FaceSearchResult['faces'] = [];
  for (const face of analysis.faces) {
    const { candidates } = await runtime.faces.search(face.embedding, {
      k: limit * PHOTOS_PER_SUBJECT,
      agencyId: actor.agencyId,
      categories: request.categories,
      agencies: request.agencies,
    });
    const bySubject = new Map<string, FaceCandidateView>();
    for (const hit of candidates) {
      if (threshold !== null && hit.score < threshold) continue;
      const match = { templateId: hit.templateId, sampleId: runtime.faces.sampleOf(hit.templateId), score: hit.score };
      const known = bySubject.get(hit.subjectId);
      if (known) {
        known.matches.push(match);
        continue;
      }
      bySubject.set(hit.subjectId, {
        rank: 0,
        subjectId: hit.subjectId,
        agencyId: hit.agency,
        category: hit.category,
        score: hit.score,
        fmr: similarityToFmr(hit.score),
        matches: [match],
      });
    }
    const ranked = [...bySubject.values()].sort((a, b) => b.score - a.score).slice(0, limit);
    ranked.forEach((candidate, index) => {
      candidate.rank = index + 1;
    });
    faces.push({ box: face.box, quality: face.quality, candidates: ranked });
  }
  const result: FaceSearchResult = {
    modality: 'face',
    mode: threshold === null ? 'investigation' : 'identification',
    threshold,
    gallerySize: runtime.faces.size,
    faces,
    elapsedMs: Math.round(performance.now() - started),
  };
  await auditSearch(runtime, job, {
    modality: 'face',
    probe: request.imageSha256,
    faces: faces.length,
    candidates: faces.flatMap((f) => f.candidates.map((c) => c.subjectId)),
  });
  await job.updateProgress(100);
  return result;
}
