import { IdmError, isIdmError } from '../engine/errors.js';

export interface JsonOption {
  json?: boolean;
}

/**
 * Prints a command's result: one JSON document on stdout with --json (and nothing else on stdout),
 * otherwise the human rendering.
 */
export function emit(options: JsonOption, data: unknown, human: () => string): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  } else {
    process.stdout.write(`${human()}\n`);
  }
}

/** Exit codes: 0 success, 1 internal failure, 2 the input was wrong (an IdmError with a 4xx status). */
export function reportFailure(error: unknown, options: JsonOption = {}): number {
  const known = isIdmError(error);
  const code = known ? error.code : 'IDM_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ error: { code, message, details: known ? error.details : undefined } })}\n`);
  }
  process.stderr.write(`idmatch: ${code}: ${message}\n`);
  return known && error.status < 500 ? 2 : 1;
}

/** Wraps a commander action so that failures print a coded message and set the exit code. */
export function action<A extends unknown[]>(
  run: (...args: A) => Promise<void> | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      const options = args.find((arg): arg is JsonOption => typeof arg === 'object' && arg !== null && 'json' in arg);
      process.exitCode = reportFailure(error, options ?? {});
    }
  };
}

export { IdmError };
