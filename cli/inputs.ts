/**
 * Reading a command's inputs: files named on the command line and numeric options, failing with the
 * coded errors every command reports the same way (a missing file is IDM_NOT_FOUND, a file that is not
 * JSON IDM_BAD_JSON, a bad number IDM_VALIDATION).
 */
import { readFileSync } from 'node:fs';

import { IdmError } from '../engine/errors.js';

/** The bytes of a file named on the command line. */
export function readInputFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new IdmError('IDM_NOT_FOUND', `cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The parsed JSON of a file named on the command line (IDM_BAD_JSON when it is not JSON). */
export function readJsonFile(path: string): unknown {
  const bytes = readInputFile(path);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new IdmError('IDM_BAD_JSON', `${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A positive number option (`name` as the user typed it, for the message), or undefined when absent. */
export function parsePositive(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new IdmError('IDM_VALIDATION', `${name} must be a positive number, got ${value}`);
  return n;
}
