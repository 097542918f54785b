import { createHash } from 'node:crypto';

import type { StrProfile } from '../../engine/dna/profile.js';
import { IdmError } from '../../engine/errors.js';
import { appendAuditIn } from '../../store/audit.js';
import { getBlob } from '../../store/samples.js';
import { upsertTemplate } from '../../store/templates.js';
import type { ImportJob } from '../jobs.js';
import type { JobLike, WorkerRuntime } from '../runtime.js';
import { DNA_EXTRACTOR_VERSION } from './enrol.js';

const BATCH = 250;

export interface ImportResult {
  records: number;
  enrolled: number;
  alreadyPresent: number;
  subjects: Array<{ externalId: string | null; subjectId: string }>;
}

/** Ids derived from the import's content and the record's position: a re-run writes the same rows. */
function stableId(contentSha256: string, index: number, kind: string): string {
  const hex = createHash('sha256').update(`${contentSha256}:${index}:${kind}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function recordsOf(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  const profiles = (document as { profiles?: unknown } | null)?.profiles;
  if (Array.isArray(profiles)) return profiles;
  throw new IdmError('IDM_BAD_IMPORT', 'an import must be a JSON array of profiles or {"profiles": [...]}');
}

/**
 * Bulk enrolment of DNA profiles. Every record is validated before anything is written (nothing is
 * half-imported because of a bad row); writing is batched and idempotent, so a worker killed in the
 * middle leaves batches that the next attempt recognises and skips.
 */
export async function runImportJob(job: JobLike<ImportJob>, runtime: WorkerRuntime): Promise<ImportResult> {
  const { db } = runtime;
  const { contentSha256 } = job.data;
  const bytes = await getBlob(db, contentSha256);
  if (job.data.textFormat) {
    // A lab export (GeneMapper table, CMF, JSON): the engine's importer validates every row and reports
    // each bad one with its line; it is all or nothing.
    const imported = await runtime.pool.run({
      name: 'dna.import',
      text: new TextDecoder().decode(bytes),
      format: job.data.textFormat === 'detect' ? undefined : job.data.textFormat,
      file: job.data.fileName ?? 'upload',
    });
    await job.updateProgress(5);
    return writeProfiles(job, runtime, imported.map((p) => ({ id: p.id, profile: p.profile })));
  }
  const records = recordsOf(JSON.parse(new TextDecoder().decode(bytes)));
  const profiles: StrProfile[] = [];
  const problems: Array<{ record: number; code: string; message: string }> = [];
  for (const [index, record] of records.entries()) {
    try {
      profiles.push(await runtime.pool.run({ name: 'dna.template', document: record }));
    } catch (error) {
      const known = error as { code?: string; message?: string };
      problems.push({ record: index, code: known.code ?? 'IDM_BAD_PROFILE', message: String(known.message) });
    }
  }
  if (problems.length > 0) {
    throw new IdmError('IDM_BAD_IMPORT', `${problems.length} of ${records.length} records are invalid; nothing imported`, {
      problems: problems.slice(0, 100),
    });
  }
  await job.updateProgress(5);
  return writeProfiles(
    job,
    runtime,
    profiles.map((profile, index) => {
      const id = (records[index] as { id?: unknown }).id;
      return { id: id === undefined ? null : String(id), profile };
    }),
  );
}

/** Writes validated profiles in idempotent batches (ids derived from the import and the position). */
async function writeProfiles(
  job: JobLike<ImportJob>,
  runtime: WorkerRuntime,
  items: Array<{ id: string | null; profile: StrProfile }>,
): Promise<ImportResult> {
  const { db } = runtime;
  const { actor, contentSha256, category } = job.data;
  const profiles = items.map((item) => item.profile);
  const result: ImportResult = { records: items.length, enrolled: 0, alreadyPresent: 0, subjects: [] };
  for (let start = 0; start < profiles.length; start += BATCH) {
    const end = Math.min(profiles.length, start + BATCH);
    await db.transaction(async (tx) => {
      for (let index = start; index < end; index += 1) {
        const subjectId = stableId(contentSha256, index, 'subject');
        const sampleId = stableId(contentSha256, index, 'sample');
        const externalId = items[index].id;
        const profileBytes = new TextEncoder().encode(JSON.stringify(profiles[index]));
        const profileSha = createHash('sha256').update(profileBytes).digest('hex');
        const inserted = await tx.query(
          `INSERT INTO subjects (id, agency_id, external_id, category) VALUES ($1,$2,$3,$4)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [subjectId, actor.agencyId, externalId, category],
        );
        result.subjects.push({ externalId, subjectId });
        if (inserted.length === 0) {
          result.alreadyPresent += 1;
          continue;
        }
        await tx.query(
          'INSERT INTO blobs (sha256, bytes, size) VALUES ($1,$2,$3) ON CONFLICT (sha256) DO NOTHING',
          [profileSha, profileBytes, profileBytes.byteLength],
        );
        await tx.query(
          `INSERT INTO samples (id, subject_id, modality, content_sha256, media_type, capture)
           VALUES ($1,$2,'dna',$3,'application/json',$4)`,
          [sampleId, subjectId, profileSha, JSON.stringify({ import: contentSha256, record: index })],
        );
        const template = await upsertTemplate(tx, {
          subjectId,
          sampleId,
          agencyId: actor.agencyId,
          category,
          restriction: 'none',
          modality: 'dna',
          extractorVersion: DNA_EXTRACTOR_VERSION,
          data: profileBytes,
        });
        await appendAuditIn(tx, {
          agencyId: actor.agencyId,
          keyId: actor.keyId,
          requestId: actor.requestId,
          action: 'subject.enrol',
          resourceType: 'subject',
          resourceId: subjectId,
          outcome: 'success',
          source: runtime.source,
          details: { import: contentSha256, record: index, templateId: template.id, externalId, jobId: job.id },
        });
        result.enrolled += 1;
      }
    });
    await job.updateProgress(5 + Math.round((95 * end) / profiles.length));
  }
  return result;
}
