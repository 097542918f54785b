import { randomUUID } from 'node:crypto';

import type { Queryable } from './database.js';

export const SUBJECT_CATEGORIES = [
  'offender',
  'arrestee',
  'forensic-unknown',
  'missing-person',
  'am-reference',
  'pm-victim',
  'relative',
] as const;
export type SubjectCategory = (typeof SUBJECT_CATEGORIES)[number];
export type Restriction = 'none' | 'agency';

export interface NewSubject {
  agencyId: string;
  category: SubjectCategory;
  externalId?: string | null;
  restriction?: Restriction;
  retainUntil?: string | null;
  consent?: boolean;
}

export interface Subject extends Required<NewSubject> {
  id: string;
  createdAt: string;
}

interface SubjectRow {
  id: string;
  agency_id: string;
  external_id: string | null;
  category: SubjectCategory;
  restriction: Restriction;
  retain_until: Date | null;
  consent: boolean;
  created_at: Date;
}

function fromRow(row: SubjectRow): Subject {
  return {
    id: row.id,
    agencyId: row.agency_id,
    externalId: row.external_id,
    category: row.category,
    restriction: row.restriction,
    retainUntil: row.retain_until ? new Date(row.retain_until).toISOString() : null,
    consent: row.consent,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function insertSubject(db: Queryable, subject: NewSubject, id: string = randomUUID()): Promise<Subject> {
  const [row] = await db.query<SubjectRow>(
    `INSERT INTO subjects (id, agency_id, external_id, category, restriction, retain_until, consent)
     VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *`,
    [
      id,
      subject.agencyId,
      subject.externalId ?? null,
      subject.category,
      subject.restriction ?? 'none',
      subject.retainUntil ?? null,
      subject.consent ?? false,
    ],
  );
  return fromRow(row);
}

export async function getSubject(db: Queryable, id: string): Promise<Subject | null> {
  const [row] = await db.query<SubjectRow>('SELECT * FROM subjects WHERE id = $1', [id]);
  return row ? fromRow(row) : null;
}

export async function getSubjectsByIds(db: Queryable, ids: string[]): Promise<Map<string, Subject>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<SubjectRow>('SELECT * FROM subjects WHERE id = ANY($1)', [ids]);
  return new Map(rows.map((row) => [row.id, fromRow(row)]));
}

/**
 * Deletes a subject with its samples, leaves template tombstones (so every index learns of the
 * deletion by sequence number) and drops raw bytes no other sample references.
 */
export async function deleteSubject(tx: Queryable, id: string): Promise<{ templates: number; samples: number }> {
  const tombstoned = await tx.query(
    `UPDATE templates SET data = NULL, deleted_at = now(), seq = nextval('template_seq')
     WHERE subject_id = $1 AND deleted_at IS NULL RETURNING id`,
    [id],
  );
  const hashes = await tx.query<{ content_sha256: string }>(
    'DELETE FROM samples WHERE subject_id = $1 RETURNING content_sha256',
    [id],
  );
  await tx.query(
    `DELETE FROM blobs b WHERE b.sha256 = ANY($1) AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.content_sha256 = b.sha256)`,
    [hashes.map((h) => h.content_sha256)],
  );
  await tx.query('DELETE FROM subjects WHERE id = $1', [id]);
  return { templates: tombstoned.length, samples: hashes.length };
}
