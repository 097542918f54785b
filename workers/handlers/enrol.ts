import { IdmError } from '../../engine/errors.js';
import { largestEnrolableFace } from '../../engine/face/pipeline.js';
import { appendAuditIn } from '../../store/audit.js';
import type { Queryable } from '../../store/database.js';
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
  /** What the enrolment result reports about this template. */
  summary?: Record<string, unknown>;
}

/**
 * Our extractor's template version, stored with each template. 2: templates carry the ridge-orientation
 * map the matcher compares ridge flow with; version-1 templates (no map) stay usable and are compared on
 * minutiae alone, on the same score scale.
 */
export const FINGERPRINT_EXTRACTOR_VERSION = 'idmatch-minutiae/2';

/** One template per finger: a plain image or record gives one, a tenprint transaction up to ten. */
async function fingerprintTemplates(
  runtime: WorkerRuntime,
  bytes: Uint8Array,
  capture: Record<string, unknown>,
): Promise<ExtractedTemplate[]> {
  const reading = await runtime.pool.run({
    name: 'fp.read',
    bytes,
    options: {
      ppi: typeof capture.ppi === 'number' ? capture.ppi : undefined,
      position: typeof capture.position === 'number' ? capture.position : undefined,
      latent: capture.latent === true,
    },
  });
  // A transaction with both (a latent and its exemplar) enrols the exemplars; latents alone (an unsolved
  // latent file) are enrolled as they are.
  const exemplars = reading.prints.filter((print) => print.role === 'exemplar');
  const prints = exemplars.length > 0 ? exemplars : reading.prints;
  return prints.map((print) => {
    const summary = {
      position: print.position,
      role: print.role,
      source: print.source,
      minutiae: print.template.minutiae.length,
      quality: print.template.quality,
      // A fingertip cut from a slap: which slap, where in it, and the card's sequence check of that tip.
      ...(print.slap
        ? {
            slap: print.slap,
            sequence: reading.sequence?.find((f) => f.position === print.position && f.slap === print.slap?.position),
          }
        : {}),
    };
    return {
      // Templates read from a standard record keep their provenance in the version: they are not ours.
      extractorVersion: print.source === 'minutiae-record' ? 'minutiae-record/1' : FINGERPRINT_EXTRACTOR_VERSION,
      data: new TextEncoder().encode(JSON.stringify(print.template)),
      meta: { ...summary, skipped: reading.skipped },
      summary,
    };
  });
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
  const largest = largestEnrolableFace(analysis.faces);
  if (!largest) {
    const reason = analysis.faces.length === 0 ? 'no face was found' : `${analysis.faces.length} face(s) found, none above the quality floor`;
    throw new IdmError('IDM_NO_FACE', `${reason}; the photo was stored but not enrolled`, {
      faces: analysis.faces.map((f) => ({ box: f.box, quality: f.quality })),
    });
  }
  return {
    extractorVersion: FACE_EXTRACTOR_VERSION,
    data: embeddingToBytes(largest.embedding),
    meta: { box: largest.box, quality: largest.quality, detectionScore: largest.score, facesInPhoto: analysis.faces.length },
  };
}

export interface EnrolResult {
  sampleId: string;
  subjectId: string;
  /** The first (for most samples the only) template. */
  templateId: string;
  created: boolean;
  templates: Array<{ templateId: string } & Record<string, unknown>>;
}

/** Turns a stored sample into its template. Idempotent: a retried job finds the template it made. */
export async function runEnrolJob(job: JobLike<EnrolJob>, runtime: WorkerRuntime): Promise<EnrolResult> {
  const { db } = runtime;
  const sample = await getSample(db, job.data.sampleId);
  if (!sample) throw new IdmError('IDM_NOT_FOUND', `sample ${job.data.sampleId} no longer exists`);
  const subject = await getSubject(db, sample.subjectId);
  if (!subject) throw new IdmError('IDM_NOT_FOUND', `subject ${sample.subjectId} no longer exists`);
  const bytes = await getBlob(db, sample.contentSha256);
  const extracted =
    sample.modality === 'face'
      ? [await faceTemplate(runtime, bytes)]
      : sample.modality === 'fingerprint'
        ? await fingerprintTemplates(runtime, bytes, sample.capture)
        : [await dnaTemplate(runtime, bytes)];
  await job.updateProgress(50);
  const templates = await db.transaction(async (tx) => {
    const made = [];
    for (const [part, one] of extracted.entries()) {
      made.push(await storeTemplate(tx, one, part));
    }
    return made;
  });
  await job.updateProgress(100);
  return {
    sampleId: sample.id,
    subjectId: subject.id,
    templateId: templates[0].id,
    created: templates.some((t) => t.created),
    templates: templates.map((t, part) => ({ templateId: t.id, ...extracted[part].summary })),
  };

  async function storeTemplate(tx: Queryable, one: ExtractedTemplate, part: number) {
    if (!subject || !sample) throw new IdmError('IDM_NOT_FOUND', 'the sample went away');
    const template = await upsertTemplate(tx, {
      subjectId: subject.id,
      sampleId: sample.id,
      agencyId: subject.agencyId,
      category: subject.category,
      restriction: subject.restriction,
      modality: sample.modality,
      extractorVersion: one.extractorVersion,
      data: one.data,
      meta: one.meta,
      part,
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
        details: { subjectId: subject.id, sampleId: sample.id, modality: sample.modality, part, jobId: job.id },
      });
    }
    return template;
  }
}
