import { createHash } from 'node:crypto';

import type { Database, Queryable } from './database.js';

/**
 * The audit log: append-only (a trigger refuses UPDATE and DELETE) and hash-chained, so that an edit
 * made behind the database's back — a disabled trigger, a restored backup, a hand-edited file — breaks
 * the chain at the first altered row and `verifyAuditChain` names it.
 */
export interface AuditEntry {
  agencyId?: string | null;
  keyId?: string | null;
  action: string;
  resourceType?: string | null;
  resourceId?: string | null;
  outcome: 'success' | 'failure' | 'denied' | 'queued';
  source?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'details'>> {
  seq: number;
  at: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_LOCK = 7_315_001;

/** JSON with object keys sorted at every depth: jsonb does not keep key order, the hash must not care. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { prevHash, ...body } = record;
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(body)).digest('hex');
}

interface AuditRow {
  seq: number;
  at: Date;
  agency_id: string | null;
  key_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  outcome: AuditRecord['outcome'];
  source: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

function fromRow(row: AuditRow): AuditRecord {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    agencyId: row.agency_id,
    keyId: row.key_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    outcome: row.outcome,
    source: row.source,
    requestId: row.request_id,
    details: row.details ?? {},
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Appends inside the caller's transaction so that the audited change and its row commit together. */
export async function appendAuditIn(tx: Queryable, entry: AuditEntry): Promise<AuditRecord> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const [last] = await tx.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  const unsigned: Omit<AuditRecord, 'hash'> = {
    seq: last ? Number(last.seq) + 1 : 1,
    at: new Date().toISOString(),
    agencyId: entry.agencyId ?? null,
    keyId: entry.keyId ?? null,
    action: entry.action,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    outcome: entry.outcome,
    source: entry.source ?? null,
    requestId: entry.requestId ?? null,
    // Round-trip through JSON so the hashed value is exactly what jsonb will give back.
    details: JSON.parse(JSON.stringify(entry.details ?? {})),
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const record: AuditRecord = { ...unsigned, hash: hashRecord(unsigned) };
  await tx.query(
    `INSERT INTO audit_log (seq, at, agency_id, key_id, action, resource_type, resource_id, outcome, source,
       request_id, details, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
    [
      record.seq,
      record.at,
      record.agencyId,
      record.keyId,
      record.action,
      record.resourceType,
      record.resourceId,
      record.outcome,
      record.source,
      record.requestId,
      JSON.stringify(record.details),
      record.prevHash,
      record.hash,
    ],
  );
  return record;
}

export function appendAudit(db: Database, entry: AuditEntry): Promise<AuditRecord> {
  return db.transaction((tx) => appendAuditIn(tx, entry));
}

export interface AuditQuery {
  action?: string;
  agencyId?: string;
  resourceType?: string;
  resourceId?: string;
  since?: string;
  until?: string;
  afterSeq?: number;
  limit: number;
}

export async function queryAudit(db: Queryable, query: AuditQuery): Promise<AuditRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (query.action) add('action = ?', query.action);
  if (query.agencyId) add('agency_id = ?', query.agencyId);
  if (query.resourceType) add('resource_type = ?', query.resourceType);
  if (query.resourceId) add('resource_id = ?', query.resourceId);
  if (query.since) add('at >= ?', query.since);
  if (query.until) add('at < ?', query.until);
  if (query.afterSeq !== undefined) add('seq > ?', query.afterSeq);
  params.push(query.limit);
  const rows = await db.query<AuditRow>(
    `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT $${params.length}`,
    params,
  );
  return rows.map(fromRow);
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  lastSeq: number;
  firstBroken?: { seq: number; reason: string };
}

/** Walks the whole chain in pages and reports the first row whose link or hash does not hold. */
export async function verifyAuditChain(db: Queryable, pageSize = 5000): Promise<ChainVerification> {
  let expectedPrev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const rows = await db.query<AuditRow>('SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2', [
      expectedSeq,
      pageSize,
    ]);
    for (const row of rows) {
      const record = fromRow(row);
      const broken = (reason: string): ChainVerification => ({
        ok: false,
        checked,
        lastSeq: record.seq,
        firstBroken: { seq: record.seq, reason },
      });
      if (record.seq !== expectedSeq) return broken(`sequence gap: expected ${expectedSeq}`);
      if (record.prevHash !== expectedPrev) return broken('prev_hash does not match the previous row');
      const { hash, ...unsigned } = record;
      if (hashRecord(unsigned) !== hash) return broken('row content does not match its hash');
      expectedPrev = hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (rows.length < pageSize) return { ok: true, checked, lastSeq: expectedSeq - 1 };
  }
}
