import { pino } from 'pino';

import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../service/config.js';
import { ServiceContext } from '../../service/context.js';
import { createApiKey, parseScopes, revokeApiKey } from '../../store/api-keys.js';
import { openDatabase } from '../../store/database.js';
import { migrate } from '../../store/migrate.js';
import { startWorkers } from '../../workers/runner.js';
import type { CommandGroups } from '../groups.js';
import { action, emit } from '../output.js';

/** Stops cleanly on SIGINT/SIGTERM: stop accepting, finish running jobs, close connections. */
function onShutdown(stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`idmatch: ${signal} received, finishing in-flight work\n`);
    stop()
      .catch((error) => process.stderr.write(`idmatch: shutdown error: ${String(error)}\n`))
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function run(mode: 'serve' | 'api' | 'worker') {
  const config = loadConfig();
  const ctx = await ServiceContext.open(config);
  const app = mode === 'worker' ? null : await buildApp(ctx, { logger: { level: config.logLevel } });
  const workers = mode === 'api' ? null : startWorkers(ctx, { logger: pino({ level: config.logLevel }) });
  if (app) await app.listen({ host: config.host, port: config.port });
  process.stderr.write(
    `idmatch ${mode}: ${app ? `listening on http://${config.host}:${config.port} ` : ''}` +
      `(store: ${ctx.db.driver}${ctx.db.driver === 'pglite' ? ` at ${config.dataDir}` : ''}; redis: ${config.redisUrl}` +
      `${workers ? `; ${config.poolThreads} pool threads` : ''})\n`,
  );
  onShutdown(async () => {
    await app?.close();
    await workers?.close();
    await ctx.close();
  });
}

export function register({ program }: CommandGroups) {
  program
    .command('serve')
    .description('run the API and the workers in one process (the default deployment)')
    .action(action(() => run('serve')));
  program
    .command('api')
    .description('run only the HTTP API (workers run elsewhere against the same Redis and PostgreSQL)')
    .action(action(() => run('api')));
  program
    .command('worker')
    .description('run only the job workers and their CPU pool')
    .action(action(() => run('worker')));

  program
    .command('migrate')
    .description('apply the store’s pending migrations')
    .option('--json', 'print JSON')
    .action(
      action(async (options: { json?: boolean }) => {
        const config = loadConfig();
        const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
        try {
          const applied = await migrate(db);
          emit(options, { driver: db.driver, applied }, () =>
            applied.length ? `applied: ${applied.join(', ')}` : 'store is up to date',
          );
        } finally {
          await db.close();
        }
      }),
    );

  const apikey = program.command('apikey').description('API keys of agencies');
  apikey
    .command('create')
    .description('create a key; it is printed once and only its hash is stored')
    .requiredOption('--agency <id>', 'owning agency (created if new)')
    .requiredOption('--scopes <list>', 'comma-separated: enrol,search,dvi,dvi:confirm,admin,audit')
    .option('--label <text>', 'a note on what the key is for')
    .option('--json', 'print JSON')
    .action(
      action(async (options: { agency: string; scopes: string; label?: string; json?: boolean }) => {
        const config = loadConfig();
        const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
        try {
          await migrate(db);
          const scopes = parseScopes(options.scopes);
          const { key, keyId } = await createApiKey(db, options.agency, scopes, options.label);
          emit(options, { key, keyId, agency: options.agency, scopes }, () => key);
        } finally {
          await db.close();
        }
      }),
    );
  apikey
    .command('revoke <keyId>')
    .description('revoke a key by its id')
    .option('--json', 'print JSON')
    .action(
      action(async (keyId: string, options: { json?: boolean }) => {
        const config = loadConfig();
        const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
        try {
          const revoked = await revokeApiKey(db, keyId);
          emit(options, { keyId, revoked }, () => (revoked ? `revoked ${keyId}` : `no active key ${keyId}`));
        } finally {
          await db.close();
        }
      }),
    );
}
