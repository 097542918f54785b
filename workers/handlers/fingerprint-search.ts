import { IdmError } from '../../engine/errors.js';
import { onePrintPerFinger } from '../../engine/fingerprint/input.js';
import { getBlob } from '../../store/samples.js';
import type { FingerprintSearchRequest, SearchJob } from '../jobs.js';
import type { JobLike, WorkerRuntime } from '../runtime.js';
import { visibleTo } from '../visibility.js';
import { auditSearch } from './dna-search.js';

export type FingerprintSearchJob = SearchJob & { request: FingerprintSearchRequest };

export interface FingerprintCandidateView {
  rank: number;
  subjectId: string;
  agencyId: string;
  category: string;
  /** finger/latent: the best template's matcher score; tenprint: the fused log10 LR over fingers. */
  score: number;
  /** log10 likelihood ratio (same-source vs different-source), summed over fingers for a tenprint. */
  log10Lr: number;
  /** finger/latent: false match rate of the score; tenprint: null. */
  fmr: number | null;
  fingers: Array<{ probePosition: number; templateId: string; sampleId: string; position: number; score: number; fmr: number }>;
}

export interface FingerprintSearchResult {
  modality: 'fingerprint';
  mode: FingerprintSearchRequest['mode'];
  gallerySize: number;
  probes: Array<{ position: number; minutiae: number; quality: number }>;
  skipped: Array<{ record: number; reason: string }>;
  candidates: FingerprintCandidateView[];
  elapsedMs: number;
}

// Per-finger hit lists are longer than the subject list so that fusion sees each subject's fingers.
const HITS_PER_PROBE_FACTOR = 4;

/**
 * Fingerprint search: the probe read into one template per finger, each compared with the gallery in
 * the pool (finger positions respected; a latent against every finger), candidates fused per subject
 * (best finger for a single print, the sum of per-finger log LRs for a tenprint).
 */
export async function runFingerprintSearch(
  job: JobLike<FingerprintSearchJob>,
  runtime: WorkerRuntime,
): Promise<FingerprintSearchResult> {
  const started = performance.now();
  const { request, actor } = job.data;
  const limit = request.limit ?? (request.mode === 'latent' ? 50 : 20);
  const bytes = await getBlob(runtime.db, request.probeSha256);
  const reading = await runtime.pool.run({
    name: 'fp.read',
    bytes,
    options: { ppi: request.ppi, position: request.position, latent: request.mode === 'latent' },
  });
  let prints = onePrintPerFinger(reading.prints);
  if (request.mode !== 'tenprint') {
    // A single-print search uses the latent of a transaction if it has one, else its first print.
    prints = [prints.find((p) => p.role === 'latent') ?? prints[0]];
  }
  if (prints.length === 0 || prints.every((p) => p.template.minutiae.length === 0)) {
    throw new IdmError('IDM_BAD_IMAGE', 'no minutiae could be found in the probe');
  }
  await job.updateProgress(30);
  await runtime.fingerprints.catchUp(runtime.db);
  const probes = prints.map((p) => ({
    position: request.mode === 'latent' ? 0 : (request.position ?? p.position),
    template: p.template,
  }));
  const hitLists = await runtime.pool.run({
    name: 'fp.search',
    gallery: runtime.fingerprints.snapshot(),
    probes,
    limit: limit * HITS_PER_PROBE_FACTOR,
  });
  await job.updateProgress(90);

  const subjects = new Map<string, FingerprintCandidateView>();
  hitLists.forEach((hits, probeIndex) => {
    const perSubjectBest = new Map<string, (typeof hits)[number]>();
    for (const hit of hits) {
      const entry = runtime.fingerprints.get(hit.id);
      if (!entry || !visibleTo(entry, actor.agencyId, request)) continue;
      if (!perSubjectBest.has(entry.subjectId)) perSubjectBest.set(entry.subjectId, hit);
    }
    for (const [subjectId, hit] of perSubjectBest) {
      const entry = runtime.fingerprints.get(hit.id)!;
      const finger = { probePosition: probes[probeIndex].position, templateId: hit.id, sampleId: entry.sampleId, position: hit.position, score: hit.score, fmr: hit.fmr };
      const known = subjects.get(subjectId);
      if (known) {
        known.fingers.push(finger);
        known.log10Lr += hit.log10Lr;
        continue;
      }
      subjects.set(subjectId, {
        rank: 0,
        subjectId,
        agencyId: entry.agencyId,
        category: entry.category,
        score: hit.score,
        log10Lr: hit.log10Lr,
        fmr: hit.fmr,
        fingers: [finger],
      });
    }
  });
  const tenprint = request.mode === 'tenprint';
  const candidates = [...subjects.values()]
    .map((c) => (tenprint ? { ...c, score: c.log10Lr, fmr: null } : c))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((c, index) => ({ ...c, rank: index + 1 }));
  const result: FingerprintSearchResult = {
    modality: 'fingerprint',
    mode: request.mode,
    gallerySize: runtime.fingerprints.size,
    probes: prints.map((p) => ({ position: p.position, minutiae: p.template.minutiae.length, quality: p.template.quality })),
    skipped: reading.skipped,
    candidates,
    elapsedMs: Math.round(performance.now() - started),
  };
  await auditSearch(runtime, job, {
    modality: 'fingerprint',
    mode: request.mode,
    probe: request.probeSha256,
    candidates: candidates.map((c) => c.subjectId),
  });
  await job.updateProgress(100);
  return result;
}
