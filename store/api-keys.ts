import { createHash, randomBytes } from 'node:crypto';

import { IdmError } from '../engine/errors.js';
import type { Queryable } from './database.js';

export const SCOPES = ['enrol', 'search', 'dvi', 'dvi:confirm', 'admin', 'audit'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyIdentity {
  keyId: string;
  agencyId: string;
  scopes: Scope[];
}

export function parseScopes(list: string | string[]): Scope[] {
  const items = (Array.isArray(list) ? list : list.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!(SCOPES as readonly string[]).includes(item)) {
      throw new IdmError('IDM_VALIDATION', `unknown scope '${item}' (known: ${SCOPES.join(', ')})`);
    }
  }
  if (items.length === 0) throw new IdmError('IDM_VALIDATION', 'at least one scope is required');
  return [...new Set(items)] as Scope[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function ensureAgency(db: Queryable, agencyId: string, name = agencyId): Promise<void> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(agencyId)) {
    throw new IdmError('IDM_VALIDATION', `agency id '${agencyId}' must be 1-64 letters, digits, '.', '_' or '-'`);
  }
  await db.query('INSERT INTO agencies (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [agencyId, name]);
}

/** Creates a key and returns it in clear exactly once; only its SHA-256 is stored. */
export async function createApiKey(
  db: Queryable,
  agencyId: string,
  scopes: Scope[],
  label?: string,
): Promise<{ key: string; keyId: string }> {
  await ensureAgency(db, agencyId);
  const keyId = randomBytes(6).toString('hex');
  const key = `idm_${keyId}_${randomBytes(32).toString('base64url')}`;
  await db.query('INSERT INTO api_keys (id, agency_id, key_sha256, scopes, label) VALUES ($1, $2, $3, $4, $5)', [
    keyId,
    agencyId,
    sha256(key),
    scopes,
    label ?? null,
  ]);
  return { key, keyId };
}

export async function findApiKey(db: Queryable, key: string): Promise<ApiKeyIdentity | null> {
  const [row] = await db.query<{ id: string; agency_id: string; scopes: Scope[] }>(
    'SELECT id, agency_id, scopes FROM api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL',
    [sha256(key)],
  );
  return row ? { keyId: row.id, agencyId: row.agency_id, scopes: row.scopes } : null;
}

export async function revokeApiKey(db: Queryable, keyId: string): Promise<boolean> {
  const rows = await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [
    keyId,
  ]);
  return rows.length > 0;
}
