import { IdmError } from '../../engine/errors.js';
import { appendAuditIn } from '../../store/audit.js';
import { getBlob, getSample } from '../../store/samples.js';
import { getSubject } from '../../store/subjects.js';
import { upsertTemplate } from '../../store/templates.js';
import type { EnrolJob } from '../jobs.js';
import type { JobLike, WorkerRuntime } from '../runtime.js';

export const DNA_EXTRACTOR_VERSION = 'dna-str/1';

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
  if (sample.modality !== 'dna') {
    throw new IdmError('IDM_VALIDATION', `enrolment of ${sample.modality} samples is not available yet`);
  }
  const profile = await runtime.pool.run({
    name: 'dna.template',
    document: JSON.parse(new TextDecoder().decode(bytes)),
  });
  await job.updateProgress(50);
  const result = await db.transaction(async (tx) => {
    const template = await upsertTemplate(tx, {
      subjectId: subject.id,
      sampleId: sample.id,
      agencyId: subject.agencyId,
      category: subject.category,
      restriction: subject.restriction,
      modality: 'dna',
      extractorVersion: DNA_EXTRACTOR_VERSION,
      data: new TextEncoder().encode(JSON.stringify(profile)),
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
        details: { subjectId: subject.id, sampleId: sample.id, modality: 'dna', jobId: job.id },
      });
    }
    return template;
  });
  await job.updateProgress(100);
  return { sampleId: sample.id, subjectId: subject.id, templateId: result.id, created: result.created };
}
