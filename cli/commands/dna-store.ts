import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

import { parseNamedProfile, parseProfile } from '../../engine/dna/profile.js';
import { IdmError } from '../../engine/errors.js';
import { loadConfig } from '../../service/config.js';
import { ensureAgency } from '../../store/api-keys.js';
import { appendAuditIn } from '../../store/audit.js';
import { type Database, openDatabase } from '../../store/database.js';
import { migrate } from '../../store/migrate.js';
import { insertSample } from '../../store/samples.js';
import { insertSubject, SUBJECT_CATEGORIES, type SubjectCategory } from '../../store/subjects.js';
import { runEnrolJob } from '../../workers/handlers/enrol.js';
import { type FamilialSearchResult, runDnaSearch, type SearchResult } from '../../workers/handlers/dna-search.js';
import { DEFAULT_FREQUENCIES } from '../../workers/jobs.js';
import { closeWorkerRuntime, createWorkerRuntime, localJob, type WorkerRuntime } from '../../workers/runtime.js';
import type { CommandGroups } from '../groups.js';
import { action, emit } from '../output.js';

/** The CLI works on the store directly (no server, no Redis) with the same handlers the workers run. */
async function withLocalRuntime<T>(work: (runtime: WorkerRuntime, db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const runtime = createWorkerRuntime(db, 1, config.dataDir, 'cli');
  try {
    await migrate(db);
    return await work(runtime, db);
  } finally {
    await closeWorkerRuntime(runtime);
    await db.close();
  }
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new IdmError('IDM_NOT_FOUND', `cannot read ${file}: ${error.code ?? error.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new IdmError('IDM_BAD_JSON', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function parseCategory(value: string): SubjectCategory {
  if (!(SUBJECT_CATEGORIES as readonly string[]).includes(value)) {
    throw new IdmError('IDM_VALIDATION', `unknown category '${value}' (known: ${SUBJECT_CATEGORIES.join(', ')})`);
  }
  return value as SubjectCategory;
}

function renderSearch(result: SearchResult | FamilialSearchResult): string {
  if (!('candidates' in result)) return JSON.stringify(result, null, 2);
  if (result.candidates.length === 0) return `no candidates in a gallery of ${result.gallerySize}`;
  const lines = result.candidates.map(
    (c) =>
      `${String(c.rank).padStart(3)}  ${c.subjectId}  ${c.category.padEnd(16)}  shared loci ${String(c.sharedLoci).padStart(2)}` +
      `  mismatches ${c.mismatches}  LR ${c.lr === null ? '-' : c.lr.toExponential(3)}`,
  );
  return [`${result.candidates.length} candidate(s) in a gallery of ${result.gallerySize}:`, ...lines].join('\n');
}

export function register({ dna }: CommandGroups) {
  dna
    .command('enrol <files...>')
    .description('enrol STR profile JSON files into the local store (IDMATCH_DATA_DIR or DATABASE_URL)')
    .option('--category <category>', 'subject category', 'offender')
    .option('--agency <id>', 'owning agency', 'local')
    .option('--json', 'print JSON')
    .action(
      action(async (files: string[], options: { category: string; agency: string; json?: boolean }) => {
        const category = parseCategory(options.category);
        // Validate every file before writing any: a bad file leaves the store untouched.
        const documents = await Promise.all(files.map(async (file) => ({ file, document: await readJson(file) })));
        const parsed = documents.map(({ file, document }) => {
          try {
            return { file, document, named: parseNamedProfile(document) };
          } catch (error) {
            if (error instanceof IdmError) throw new IdmError(error.code, `${file}: ${error.message}`, error.details);
            throw error;
          }
        });
        const enrolled = await withLocalRuntime(async (runtime, db) => {
          await ensureAgency(db, options.agency);
          const out = [];
          for (const { file, document, named } of parsed) {
            const sample = await db.transaction(async (tx) => {
              const subject = await insertSubject(tx, {
                agencyId: options.agency,
                category,
                externalId: named.id ?? basename(file),
              });
              const stored = await insertSample(tx, {
                subjectId: subject.id,
                modality: 'dna',
                bytes: new TextEncoder().encode(JSON.stringify(document)),
                mediaType: 'application/json',
                capture: { file: basename(file) },
              });
              await appendAuditIn(tx, {
                agencyId: options.agency,
                action: 'subject.enrol',
                resourceType: 'subject',
                resourceId: subject.id,
                outcome: 'success',
                source: 'cli',
                details: { sampleId: stored.id, modality: 'dna', sha256: stored.contentSha256, file: basename(file) },
              });
              return stored;
            });
            const actor = { agencyId: options.agency, keyId: null };
            const result = await runEnrolJob(localJob(`cli-${randomUUID()}`, { actor, sampleId: sample.id }), runtime);
            out.push({ file, externalId: named.id ?? basename(file), ...result });
          }
          return out;
        });
        emit(options, { enrolled }, () => enrolled.map((e) => `enrolled ${e.file} as subject ${e.subjectId}`).join('\n'));
      }),
    );

  dna
    .command('search <file>')
    .description('search the local DNA gallery with a profile JSON file')
    .option('--stringency <level>', 'high | moderate | low', 'high')
    .option('--min-shared-loci <n>', 'minimum loci typed in both profiles', (v) => Number.parseInt(v, 10))
    .option('--max-mismatches <n>', 'mismatching loci tolerated', (v) => Number.parseInt(v, 10))
    .option('--limit <n>', 'candidates to return', (v) => Number.parseInt(v, 10), 50)
    .option('--agency <id>', 'searching agency', 'local')
    .option('--freq <name>', 'shipped allele-frequency database for the LRs', DEFAULT_FREQUENCIES.database)
    .option('--population <name>', 'population in that database', DEFAULT_FREQUENCIES.population)
    .option('--json', 'print JSON')
    .action(
      action(
        async (
          file: string,
          options: {
            stringency: string;
            minSharedLoci?: number;
            maxMismatches?: number;
            limit: number;
            agency: string;
            freq: string;
            population: string;
            json?: boolean;
          },
        ) => {
          if (!['high', 'moderate', 'low'].includes(options.stringency)) {
            throw new IdmError('IDM_VALIDATION', `--stringency must be high, moderate or low (got '${options.stringency}')`);
          }
          const profile = parseProfile(await readJson(file));
          const result = await withLocalRuntime((runtime) =>
            runDnaSearch(
              localJob(`cli-${randomUUID()}`, {
                actor: { agencyId: options.agency, keyId: null },
                request: {
                  modality: 'dna' as const,
                  profile,
                  stringency: options.stringency as 'high' | 'moderate' | 'low',
                  minSharedLoci: options.minSharedLoci,
                  maxMismatches: options.maxMismatches,
                  limit: options.limit,
                  frequencies: { database: options.freq, population: options.population },
                },
              }),
              runtime,
            ),
          );
          emit(options, result, () => renderSearch(result));
        },
      ),
    );
}
