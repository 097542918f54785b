import { IdmError } from '../../engine/errors.js';
import { isEnrolable } from '../../engine/face/pipeline.js';
import { appendAuditIn } from '../../store/audit.js';
import { getBlob, getSample } from '../../store/samples.js';
import { getSubject } from '../../store/subjects.js';
import { upsertTemplate } from '../../store/templates.js';
import { embeddingToBytes } from '../face-gallery.js';
import type { EnrolJob } from '../jobs.js';
import type { JobLike, WorkerRuntime } from '../runtime.js';

export const DNA_EXTRACTOR_VERSION = 'dna-str/1';

export const FACE_EXTRACTOR_VERSION = 'face-api-resnet34-onnx/1';

interface ExtractedTemplate {
  extractorVersion: string;
  data: Uint8Array;
  meta?: Record<string, unknown>;
}

async function dnaTemplate(runtime: WorkerRuntime, bytes: Uint8Array): Promise<ExtractedTemplate> {
  const profile = await runtime.pool.run({ name: 'dna.template', document: JSON.parse(new TextDecoder().decode(bytes)) });
  return { extractorVersion: DNA_EXTRACTOR_VERSION, data: new TextEncoder().encode(JSON.stringify(profile)) };
}

/**
 * The embedding of the photo's largest usable face. A photo without one fails the enrolment with
 * IDM_NO_FACE: a face that is not there, or below the quality floor, is never enrolled silently.
 */
async function faceTemplate(runtime: WorkerRuntime, bytes: Uint8Array): Promise<ExtractedTemplate> {
  const analysis = await runtime.pool.run({ name: 'face.analyse', bytes, maxFaces: 10 });
  const usable = analysis.faces.filter((face) => isEnrolable(face));
  if (usable.length === 0) {
    const reason = analysis.faces.length === 0 ? 'no face was found' : `${analysis.faces.length} face(s) found, none above the quality floor`;
    throw new IdmError('IDM_NO_FACE', `${reason}; the photo was stored but not enrolled`, {
      faces: analysis.faces.map((f) => ({ box: f.box, quality: f.quality })),
    });
  }
  const largest = usable.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
  return {
    extractorVersion: FACE_EXTRACTOR_VERSION,
    data: embeddingToBytes(largest.embedding),
    meta: { box: largest.box, quality: largest.quality, detectionScore: largest.score, facesInPhoto: analysis.faces.length },
  };
}

export interface EnrolResult {
  sampleId: string;
  subjectId: string;
  templateId: string;
  created: boolean;
}

/** Turns a stored sample into its template. Idempotent: a retried job finds the template it made. */
export async function runEnrolJob(job: JobLike<EnrolJob>, runtime: WorkerRuntime): Promise<EnrolResult> {
  const { db } = runtime;
  const sample = await getSample(db, job.data.sampleId);
  if (!sample) throw new IdmError('IDM_NOT_FOUND', `sample ${job.data.sampleId} no longer exists`);
  const subject = await getSubject(db, sample.subjectId);
  if (!subject) throw new IdmError('IDM_NOT_FOUND', `subject ${sample.subjectId} no longer exists`);
  const bytes = await getBlob(db, sample.contentSha256);
  if (sample.modality !== 'dna' && sample.modality !== 'face') {
    throw new IdmError('IDM_VALIDATION', `enrolment of ${sample.modality} samples is not available yet`);
  }
  const extracted = sample.modality === 'face' ? await faceTemplate(runtime, bytes) : await dnaTemplate(runtime, bytes);
  await job.updateProgress(50);
  const result = await db.transaction(async (tx) => {
    const template = await upsertTemplate(tx, {
      subjectId: subject.id,
      sampleId: sample.id,
      agencyId: subject.agencyId,
      category: subject.category,
      restriction: subject.restriction,
      modality: sample.modality,
      ...extracted,
    });
    if (template.created) {
      await appendAuditIn(tx, {
        agencyId: job.data.actor.agencyId,
        keyId: job.data.actor.keyId,
        requestId: job.data.actor.requestId,
        action: 'template.create',
        resourceType: 'template',
        resourceId: template.id,
        outcome: 'success',
        source: runtime.source,
        details: { subjectId: subject.id, sampleId: sample.id, modality: sample.modality, jobId: job.id },
      });
    }
    return template;
  });
  await job.updateProgress(100);
  return { sampleId: sample.id, subjectId: subject.id, templateId: result.id, created: result.created };
}
