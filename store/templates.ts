import { randomUUID } from 'node:crypto';

import type { Queryable } from './database.js';
import type { Modality } from './samples.js';
import type { Restriction, SubjectCategory } from './subjects.js';

export interface TemplateChange {
  id: string;
  seq: number;
  subjectId: string;
  sampleId: string;
  agencyId: string;
  category: SubjectCategory;
  restriction: Restriction;
  modality: Modality;
  extractorVersion: string;
  /** null for a deleted template (a tombstone). */
  data: Uint8Array | null;
  meta: Record<string, unknown>;
}

export interface NewTemplate {
  subjectId: string;
  sampleId: string;
  agencyId: string;
  category: SubjectCategory;
  restriction: Restriction;
  modality: Modality;
  extractorVersion: string;
  data: Uint8Array;
  meta?: Record<string, unknown>;
  /** Which template of a multi-template sample (a finger of a tenprint card); 0 for the only one. */
  part?: number;
}

/** Idempotent per (sample, extractor version): a retried enrolment job inserts nothing new. */
export async function upsertTemplate(db: Queryable, template: NewTemplate): Promise<{ id: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO templates (id, subject_id, sample_id, agency_id, category, restriction, modality, extractor_version, data, meta, part)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (sample_id, extractor_version, part) DO NOTHING RETURNING id`,
    [
      randomUUID(),
      template.subjectId,
      template.sampleId,
      template.agencyId,
      template.category,
      template.restriction,
      template.modality,
      template.extractorVersion,
      template.data,
      JSON.stringify(template.meta ?? {}),
      template.part ?? 0,
    ],
  );
  if (inserted.length) return { id: inserted[0].id, created: true };
  const [existing] = await db.query<{ id: string }>(
    'SELECT id FROM templates WHERE sample_id = $1 AND extractor_version = $2 AND part = $3',
    [template.sampleId, template.extractorVersion, template.part ?? 0],
  );
  return { id: existing.id, created: false };
}

interface TemplateRow {
  id: string;
  seq: number;
  subject_id: string;
  sample_id: string;
  agency_id: string;
  category: SubjectCategory;
  restriction: Restriction;
  modality: Modality;
  extractor_version: string;
  data: Uint8Array | null;
  meta: Record<string, unknown> | null;
}

/** Every template change (insert or tombstone) of a modality after `afterSeq`, oldest first. */
export async function templateChangesSince(
  db: Queryable,
  modality: Modality,
  afterSeq: number,
  limit = 50_000,
): Promise<TemplateChange[]> {
  const rows = await db.query<TemplateRow>(
    'SELECT * FROM templates WHERE modality = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [modality, afterSeq, limit],
  );
  return rows.map((row) => ({
    id: row.id,
    seq: Number(row.seq),
    subjectId: row.subject_id,
    sampleId: row.sample_id,
    agencyId: row.agency_id,
    category: row.category,
    restriction: row.restriction,
    modality: row.modality,
    extractorVersion: row.extractor_version,
    data: row.data ? new Uint8Array(row.data) : null,
    meta: row.meta ?? {},
  }));
}

export async function countTemplates(db: Queryable, subjectId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM templates WHERE subject_id = $1 AND deleted_at IS NULL',
    [subjectId],
  );
  return row.n;
}

/** The store's identity, so that on-disk index snapshots are only ever applied to the store they came from. */
export async function storeIdentity(db: Queryable): Promise<string> {
  const [row] = await db.query<{ id: string }>('SELECT id FROM store_identity LIMIT 1');
  return row.id;
}

export interface SubjectTemplate {
  id: string;
  subjectId: string;
  modality: Modality;
  extractorVersion: string;
  data: Uint8Array;
  meta: Record<string, unknown>;
}

/** The live (not deleted) templates of some subjects in the given modalities, in enrolment order. */
export async function liveTemplatesOfSubjects(
  db: Queryable,
  subjectIds: readonly string[],
  modalities: readonly Modality[],
): Promise<SubjectTemplate[]> {
  if (subjectIds.length === 0 || modalities.length === 0) return [];
  const rows = await db.query<TemplateRow>(
    `SELECT * FROM templates WHERE subject_id = ANY($1) AND modality = ANY($2) AND deleted_at IS NULL AND data IS NOT NULL
     ORDER BY seq`,
    [subjectIds, modalities],
  );
  return rows.map((row) => ({
    id: row.id,
    subjectId: row.subject_id,
    modality: row.modality,
    extractorVersion: row.extractor_version,
    data: new Uint8Array(row.data!),
    meta: row.meta ?? {},
  }));
}
