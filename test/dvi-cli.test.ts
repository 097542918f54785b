import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { toDviCaseJson } from '../engine/dvi/caseJson.js';
import { simulateIncident } from '../engine/dvi/simulate.js';

const bin = resolve(import.meta.dirname, '..', 'bin', 'idmatch.js');
const dir = mkdtempSync(join(tmpdir(), 'idmatch-dvi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { stdout: string; status: number } {
  try {
    return {
      stdout: execFileSync(process.execPath, [bin, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      status: 0,
    };
  } catch (error) {
    const e = error as { stdout: string; status: number };
    return { stdout: e.stdout, status: e.status };
  }
}

describe('idmatch dvi (CLI)', () => {
  const { dvi, truth } = simulateIncident({ seed: 5, victims: 6, families: 3, loci: 12, relatives: [2, 3] });
  const file = join(dir, 'case.json');
  writeFileSync(file, JSON.stringify(toDviCaseJson(dvi)));

  it('solve --json prints one document with assignments (one key per victim, loglik, LR) and identifications', () => {
    const { stdout, status } = run(['dvi', 'solve', file, '--json']);
    expect(status).toBe(0);
    const doc = JSON.parse(stdout);
    expect(Array.isArray(doc.assignments)).toBe(true);
    expect(Array.isArray(doc.identifications)).toBe(true);
    const row = doc.assignments[0];
    for (const v of dvi.victims) expect(typeof row[v.id]).toBe('string');
    expect(row.LR).toBe(1);
    expect(typeof row.loglik).toBe('number');
    for (const id of doc.identifications) if (id.conclusive) expect(truth[id.victim]).toBe(id.missing);
  });

  it('report writes a printable HTML page', () => {
    const html = join(dir, 'report.html');
    const { stdout, status } = run([
      'dvi',
      'report',
      file,
      '--victim',
      dvi.victims[0].id,
      '--html',
      html,
      '--json',
    ]);
    expect(status).toBe(0);
    expect(JSON.parse(stdout).reports).toHaveLength(1);
    expect(readFileSync(html, 'utf8')).toContain('<!doctype html>');
  });

  it('a bad case exits non-zero with a coded error', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ marker: { name: 'L', alleles: ['1'], frequencies: [1] }, pm: [] }));
    const { stdout, status } = run(['dvi', 'solve', bad, '--json']);
    expect(status).toBe(2);
    expect(JSON.parse(stdout).error.code).toBe('IDM_BAD_CASE');
  });
});
