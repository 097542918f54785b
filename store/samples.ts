import { createHash, randomUUID } from 'node:crypto';

import { IdmError } from '../engine/errors.js';
import type { Queryable } from './database.js';

export type Modality = 'dna' | 'fingerprint' | 'face';

export interface Sample {
  id: string;
  subjectId: string;
  modality: Modality;
  contentSha256: string;
  mediaType: string;
  capture: Record<string, unknown>;
  createdAt: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Stores raw bytes under their SHA-256; storing the same bytes twice keeps one copy. */
export async function putBlob(db: Queryable, bytes: Uint8Array): Promise<string> {
  const hash = sha256Hex(bytes);
  await db.query('INSERT INTO blobs (sha256, bytes, size) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING', [
    hash,
    bytes,
    bytes.byteLength,
  ]);
  return hash;
}

/** Reads raw bytes and proves they are the bytes that were stored (chain of custody). */
export async function getBlob(db: Queryable, hash: string): Promise<Uint8Array> {
  const [row] = await db.query<{ bytes: Uint8Array }>('SELECT bytes FROM blobs WHERE sha256 = $1', [hash]);
  if (!row) throw new IdmError('IDM_NOT_FOUND', `no stored content with SHA-256 ${hash}`);
  const bytes = new Uint8Array(row.bytes);
  if (sha256Hex(bytes) !== hash) {
    throw new IdmError('IDM_INTEGRITY', `stored content ${hash} no longer matches its SHA-256`);
  }
  return bytes;
}

export async function insertSample(
  db: Queryable,
  sample: Omit<Sample, 'id' | 'createdAt' | 'contentSha256'> & { bytes: Uint8Array },
): Promise<Sample> {
  const contentSha256 = await putBlob(db, sample.bytes);
  const id = randomUUID();
  const [row] = await db.query<{ created_at: Date }>(
    `INSERT INTO samples (id, subject_id, modality, content_sha256, media_type, capture)
     VALUES ($1,$2,$3,$4,$5,$6) RETURNING created_at`,
    [id, sample.subjectId, sample.modality, contentSha256, sample.mediaType, JSON.stringify(sample.capture)],
  );
  return {
    id,
    subjectId: sample.subjectId,
    modality: sample.modality,
    contentSha256,
    mediaType: sample.mediaType,
    capture: sample.capture,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

interface SampleRow {
  id: string;
  subject_id: string;
  modality: Modality;
  content_sha256: string;
  media_type: string;
  capture: Record<string, unknown>;
  created_at: Date;
}

function fromRow(row: SampleRow): Sample {
  return {
    id: row.id,
    subjectId: row.subject_id,
    modality: row.modality,
    contentSha256: row.content_sha256,
    mediaType: row.media_type,
    capture: row.capture,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function getSample(db: Queryable, id: string): Promise<Sample | null> {
  const [row] = await db.query<SampleRow>('SELECT * FROM samples WHERE id = $1', [id]);
  return row ? fromRow(row) : null;
}

export async function listSamples(db: Queryable, subjectId: string): Promise<Sample[]> {
  const rows = await db.query<SampleRow>('SELECT * FROM samples WHERE subject_id = $1 ORDER BY created_at', [
    subjectId,
  ]);
  return rows.map(fromRow);
}
