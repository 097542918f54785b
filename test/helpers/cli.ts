import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface CliRun {
  /** Exit code (null when the run was killed, e.g. by the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process from the project root; a non-zero exit is returned, not thrown. */
export function idmatch(args: string[], options: { timeoutMs?: number } = {}): CliRun {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
