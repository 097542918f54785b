/**
 * One small interface over the two drivers the project supports: PostgreSQL through `pg` (production,
 * shared by any number of API and worker processes) and PGlite (the embedded default, one process).
 * Both speak the same SQL, so the schema, the migrations and every repository are written once.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly driver: 'pg' | 'pglite';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Throws when the store cannot answer (used by /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite store under `dataDir` is used. */
  databaseUrl?: string;
  dataDir: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres-driver.js');
    return openPostgres(options.databaseUrl);
  }
  const { openPglite } = await import('./pglite-driver.js');
  return openPglite(options.dataDir);
}
