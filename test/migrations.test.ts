import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { openDatabase } from '../store/database.js';
import { listMigrations, migrate } from '../store/migrate.js';
import { freshPostgresDatabase } from './helpers/service.js';

const TABLES = ['agencies', 'api_keys', 'audit_log', 'blobs', 'cases', 'idempotent_requests', 'samples', 'subjects', 'templates'];

async function tablesOf(db: Awaited<ReturnType<typeof openDatabase>>) {
  const rows = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

describe('migrations', () => {
  it('lists forward-only migrations in order', () => {
    const versions = listMigrations().map((m) => m.version);
    expect(versions.length).toBeGreaterThan(0);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('build the schema on an empty PGlite store, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idm-mig-'));
    const db = await openDatabase({ dataDir: dir });
    try {
      expect(await migrate(db)).toEqual(listMigrations().map((m) => m.name));
      expect(await migrate(db)).toEqual([]);
      expect(await tablesOf(db)).toEqual(expect.arrayContaining(TABLES));
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('build the same schema on an empty PostgreSQL database, safely from concurrent processes', async () => {
    const fresh = await freshPostgresDatabase();
    const a = await openDatabase({ databaseUrl: fresh.url, dataDir: '' });
    const b = await openDatabase({ databaseUrl: fresh.url, dataDir: '' });
    try {
      const [ranA, ranB] = await Promise.all([migrate(a), migrate(b)]);
      // Exactly one of the two applied the migrations; the other found them done.
      expect([...ranA, ...ranB]).toEqual(listMigrations().map((m) => m.name));
      expect(await tablesOf(a)).toEqual(expect.arrayContaining([...TABLES, 'schema_migrations']));
    } finally {
      await a.close();
      await b.close();
      await fresh.drop();
    }
  });
});
