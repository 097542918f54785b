import { randomUUID } from 'node:crypto';

import type { IdentificationRecord } from '../engine/dvi/workflow.js';
import type { Queryable } from './database.js';

export interface StoredCase {
  id: string;
  agencyId: string;
  name: string;
  status: string;
  document: Record<string, unknown>;
  solution: Record<string, unknown> | null;
  solvedAt: string | null;
  createdAt: string;
}

interface CaseRow {
  id: string;
  agency_id: string;
  name: string;
  status: string;
  data: Record<string, unknown>;
  solution: Record<string, unknown> | null;
  solved_at: Date | null;
  created_at: Date;
}

function fromRow(row: CaseRow): StoredCase {
  return {
    id: row.id,
    agencyId: row.agency_id,
    name: row.name,
    status: row.status,
    document: row.data,
    solution: row.solution,
    solvedAt: row.solved_at ? new Date(row.solved_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function insertDviCase(
  db: Queryable,
  agencyId: string,
  name: string,
  document: Record<string, unknown>,
): Promise<StoredCase> {
  const [row] = await db.query<CaseRow>(
    `INSERT INTO cases (id, agency_id, kind, name, data) VALUES ($1,$2,'dvi',$3,$4) RETURNING *`,
    [randomUUID(), agencyId, name, JSON.stringify(document)],
  );
  return fromRow(row);
}

export async function getDviCase(db: Queryable, id: string): Promise<StoredCase | null> {
  const [row] = await db.query<CaseRow>("SELECT * FROM cases WHERE id = $1 AND kind = 'dvi'", [id]);
  return row ? fromRow(row) : null;
}

export async function updateCaseDocument(db: Queryable, id: string, document: Record<string, unknown>) {
  // A changed case invalidates its solution: identifications must be recomputed before they are trusted.
  await db.query(
    "UPDATE cases SET data = $2, solution = NULL, solved_at = NULL, status = 'open', updated_at = now() WHERE id = $1",
    [id, JSON.stringify(document)],
  );
}

export async function saveSolution(db: Queryable, id: string, solution: unknown) {
  await db.query("UPDATE cases SET solution = $2, solved_at = now(), status = 'solved', updated_at = now() WHERE id = $1", [
    id,
    JSON.stringify(solution),
  ]);
}

export async function listIdentifications(db: Queryable, caseId: string): Promise<IdentificationRecord[]> {
  const rows = await db.query<{ record: IdentificationRecord }>(
    'SELECT record FROM dvi_identifications WHERE case_id = $1 ORDER BY victim, missing',
    [caseId],
  );
  return rows.map((r) => r.record);
}

export async function getIdentification(
  db: Queryable,
  caseId: string,
  victim: string,
  missing: string,
): Promise<IdentificationRecord | null> {
  const [row] = await db.query<{ record: IdentificationRecord }>(
    'SELECT record FROM dvi_identifications WHERE case_id = $1 AND victim = $2 AND missing = $3',
    [caseId, victim, missing],
  );
  return row?.record ?? null;
}

/** Inserts or replaces a workflow record; `insertOnly` keeps an existing record (re-solving a case). */
export async function putIdentification(db: Queryable, record: IdentificationRecord, insertOnly = false) {
  await db.query(
    `INSERT INTO dvi_identifications (case_id, victim, missing, status, record) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT (case_id, victim, missing) DO ${insertOnly ? 'NOTHING' : 'UPDATE SET status = EXCLUDED.status, record = EXCLUDED.record, updated_at = now()'}`,
    [record.caseId, record.victim, record.missing, record.status, JSON.stringify(record)],
  );
}
