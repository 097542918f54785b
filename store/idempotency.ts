import type { Queryable } from './database.js';

export interface StoredResponse {
  route: string;
  statusCode: number;
  response: Record<string, unknown>;
}

export async function findIdempotentResponse(db: Queryable, agencyId: string, key: string): Promise<StoredResponse | null> {
  const [row] = await db.query<{ route: string; status_code: number; response: Record<string, unknown> }>(
    'SELECT route, status_code, response FROM idempotent_requests WHERE agency_id = $1 AND key = $2',
    [agencyId, key],
  );
  return row ? { route: row.route, statusCode: row.status_code, response: row.response } : null;
}

/**
 * Records the response of an idempotent request inside the transaction that does its work: two racing
 * requests with one key serialise on the primary key, and the loser's transaction rolls back.
 */
export async function saveIdempotentResponse(
  tx: Queryable,
  agencyId: string,
  key: string,
  stored: StoredResponse,
): Promise<void> {
  await tx.query(
    'INSERT INTO idempotent_requests (agency_id, key, route, status_code, response) VALUES ($1,$2,$3,$4,$5)',
    [agencyId, key, stored.route, stored.statusCode, JSON.stringify(stored.response)],
  );
}
