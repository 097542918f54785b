import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { PGlite, types } from '@electric-sql/pglite';

import type { Database, Queryable } from './database.js';

interface PgliteLike {
  query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(sql: string): Promise<unknown>;
}

const parsers = { [types.INT8]: (value: string) => Number.parseInt(value, 10) };

function wrap(client: PgliteLike): Queryable {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await client.query<Row>(sql, params);
      return result.rows;
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
  };
}

/** The embedded store: real PostgreSQL compiled to WebAssembly, persisted under `dataDir/pgdata`. */
export async function openPglite(dataDir: string): Promise<Database> {
  const directory = join(dataDir, 'pgdata');
  mkdirSync(directory, { recursive: true });
  const db = await PGlite.create(directory, { parsers });
  const base = wrap(db as unknown as PgliteLike);
  return {
    driver: 'pglite',
    ...base,
    transaction(work) {
      return db.transaction((tx) => work(wrap(tx as unknown as PgliteLike)));
    },
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      await db.close();
    },
  };
}
