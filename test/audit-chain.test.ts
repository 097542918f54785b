import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appendAudit, canonicalJson, GENESIS_HASH, queryAudit, verifyAuditChain } from '../store/audit.js';
import { type Database, openDatabase } from '../store/database.js';
import { migrate } from '../store/migrate.js';
import { DRIVERS, freshPostgresDatabase } from './helpers/service.js';

describe.each(DRIVERS)('hash-chained audit log (%s)', (driver) => {
  let db: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (driver === 'pg') {
      const fresh = await freshPostgresDatabase();
      db = await openDatabase({ databaseUrl: fresh.url, dataDir: '' });
      cleanup = async () => {
        await db.close();
        await fresh.drop();
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'idm-audit-'));
      db = await openDatabase({ dataDir: dir });
      cleanup = async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      };
    }
    await migrate(db);
  });
  afterAll(() => cleanup());

  it('links every row to the one before it', async () => {
    const first = await appendAudit(db, { action: 'subject.create', outcome: 'success', details: { b: 2, a: [1, { z: 1, y: 2 }] } });
    const second = await appendAudit(db, { action: 'search.run', outcome: 'success', agencyId: 'x' });
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(second.seq).toBe(first.seq + 1);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 2, lastSeq: 2 });
  });

  it('keeps the chain intact under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => appendAudit(db, { action: 'subject.view', outcome: 'success', resourceId: `s${i}` })),
    );
    const result = await verifyAuditChain(db, 7);
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(27);
  });

  it('refuses to update or delete a row', async () => {
    await expect(db.query("UPDATE audit_log SET outcome = 'failure' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
  });

  it('filters and pages', async () => {
    const views = await queryAudit(db, { action: 'subject.view', limit: 10 });
    expect(views).toHaveLength(10);
    const next = await queryAudit(db, { action: 'subject.view', limit: 100, afterSeq: views[9].seq });
    expect(next).toHaveLength(15);
  });

  it('names the first tampered row when the trigger is bypassed', async () => {
    await db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await db.query(`UPDATE audit_log SET details = '{"forged": true}'::jsonb WHERE seq = 5`);
    await db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    const result = await verifyAuditChain(db);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toEqual({ seq: 5, reason: 'row content does not match its hash' });
  });

  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3] } })).toBe(canonicalJson({ a: { c: [3], d: 2 }, b: 1 }));
  });
});
