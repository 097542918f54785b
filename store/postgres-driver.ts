import pg from 'pg';

import type { Database, Queryable } from './database.js';

// int8 (bigint) columns such as sequence numbers stay well below 2^53 here; parse them as numbers so
// both drivers return the same types.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await client.query(sql, params);
      return result.rows as Row[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

export async function openPostgres(connectionString: string): Promise<Database> {
  const pool = new pg.Pool({
    connectionString,
    max: Number(process.env.IDMATCH_PG_POOL ?? 10),
    // Fail fast when the server is gone so that requests answer 503 instead of hanging.
    connectionTimeoutMillis: 3000,
    query_timeout: Number(process.env.IDMATCH_PG_QUERY_TIMEOUT_MS ?? 60_000),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const base = wrap(pool);
  return {
    driver: 'pg',
    ...base,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
