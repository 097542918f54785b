/**
 * `idmatch bench index [--n N] [--dim D] [--json]`: the vector index benchmark (bench/index.ts) on
 * synthetic clustered embeddings: every gallery index type beside usearch and hnswlib-node, and the
 * machine's read bandwidth measured in the same run.
 */
import { IdmError } from '../../engine/errors.js';
import type { CommandGroups } from '../groups.js';
import { action, emit } from '../output.js';

interface BenchIndexOptions {
  n: string;
  dim: string;
  queries: string;
  only?: string;
  restart?: boolean;
  json?: boolean;
}

function positive(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new IdmError('IDM_VALIDATION', `--${name} must be a positive integer, got '${value}'`);
  return number;
}

export function register(groups: CommandGroups): void {
  groups.bench
    .command('index')
    .description(
      'vector index speed and recall: FAISS flat/HNSW/IVF, the AVX2 exact scan, usearch, hnswlib-node',
    )
    .option('--n <N>', 'gallery vectors', '100000')
    .option('--dim <D>', 'embedding dimension', '512')
    .option('--queries <Q>', 'probe queries for recall', '200')
    .option('--only <prefixes>', 'comma-separated row-name prefixes, e.g. exact,faiss-hnsw32')
    .option('--restart', 'instead: time a worker restart (snapshot load + catch-up) with an n-vector gallery')
    .option('--json', 'print the report as JSON')
    .action(
      action(async (options: BenchIndexOptions) => {
        // Loaded on use: the benchmark pulls in the native addon and the comparison libraries.
        const { formatIndexTable, runIndexBench, runRestartBench } = await import('../../bench/index.js');
        const log = (line: string) => process.stderr.write(`${line}\n`);
        if (options.restart) {
          const restart = await runRestartBench({
            n: positive(options.n, 'n'),
            dim: positive(options.dim, 'dim'),
            log,
          });
          emit(options, restart, () =>
            Object.entries(restart)
              .map(([name, value]) => `${name.padEnd(22)} ${value}`)
              .join('\n'),
          );
          return;
        }
        const report = await runIndexBench({
          n: positive(options.n, 'n'),
          dim: positive(options.dim, 'dim'),
          queries: positive(options.queries, 'queries'),
          only: options.only
            ?.split(',')
            .map((prefix) => prefix.trim())
            .filter(Boolean),
          log,
        });
        emit(options, report, () => formatIndexTable(report));
      }),
    );
}
