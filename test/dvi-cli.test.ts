import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { toDviCaseJson } from '../engine/dvi/caseJson.js';
import { simulateIncident } from '../engine/dvi/simulate.js';
import { encodePng } from '../engine/fingerprint/image.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import { idmatch } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'idmatch-dvi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => idmatch(args);

describe('idmatch dvi (CLI)', () => {
  const { dvi, truth } = simulateIncident({ seed: 5, victims: 6, families: 3, loci: 12, relatives: [2, 3] });
  const file = join(dir, 'case.json');
  writeFileSync(file, JSON.stringify(toDviCaseJson(dvi)));

  it('solve --json prints one document with assignments (one key per victim, loglik, LR) and identifications', () => {
    const { stdout, code } = run(['dvi', 'solve', file, '--json']);
    expect(code).toBe(0);
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
    const { stdout, code } = run([
      'dvi',
      'report',
      file,
      '--victim',
      dvi.victims[0].id,
      '--html',
      html,
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).reports).toHaveLength(1);
    expect(readFileSync(html, 'utf8')).toContain('<!doctype html>');
  });

  it('a bad case exits non-zero with a coded error', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ marker: { name: 'L', alleles: ['1'], frequencies: [1] }, pm: [] }));
    const { stdout, code } = run(['dvi', 'solve', bad, '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error.code).toBe('IDM_BAD_CASE');
  });

  it('solve --biometrics compares the AM and PM fingerprints the file names and combines their LRs with DNA', { timeout: 120_000 }, async () => {
    // Two bodies whose families are untyped: DNA says nothing, the prints must tell them apart.
    const toy = {
      marker: { name: 'L', alleles: ['1', '2'], frequencies: [0.5, 0.5] },
      pm: ['V1', 'V2'].map((id) => ({ id, sex: 'F', L: ['1', '2'] })),
      am: [1, 2].map((n) => ({ family: `F${n}`, members: [{ id: `M${n}`, sex: 'F', missing: true }] })),
    };
    const toyFile = join(dir, 'toy.json');
    writeFileSync(toyFile, JSON.stringify(toy));
    const files: Record<string, string> = {};
    for (const [f, seed] of [[0, 601], [1, 602]] as const) {
      const impressions = synthesizeImpressions(synthesizeFinger(seed), 2, seed);
      for (const i of [0, 1]) {
        files[`${f}-${i}`] = `finger${f}-${i}.png`;
        writeFileSync(join(dir, files[`${f}-${i}`]), await encodePng(impressions[i].image));
      }
    }
    const biometrics = join(dir, 'biometrics.json');
    writeFileSync(
      biometrics,
      JSON.stringify({
        pm: { V1: { fingerprints: [{ file: files['0-0'], position: 7 }] }, V2: { fingerprints: [files['1-0']] } },
        am: { M1: { fingerprints: [{ file: files['0-1'], position: 7 }] }, M2: { fingerprints: [files['1-1']] } },
      }),
    );
    const { stdout, code } = run(['dvi', 'solve', toyFile, '--biometrics', biometrics, '--json']);
    expect(code).toBe(0);
    const found = Object.fromEntries(
      JSON.parse(stdout).identifications.map((i: { victim: string; missing: string; drivers: string[] }) => [i.victim, i]),
    );
    expect(found.V1).toMatchObject({ missing: 'M1', drivers: ['fingerprint'] });
    expect(found.V2).toMatchObject({ missing: 'M2', drivers: ['fingerprint'] });

    const missingImage = join(dir, 'missing-image.json');
    writeFileSync(missingImage, JSON.stringify({ pm: { V1: { fingerprints: ['nope.png'] } } }));
    const failed = run(['dvi', 'solve', toyFile, '--biometrics', missingImage, '--json']);
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.stdout).error.code).toBe('IDM_NOT_FOUND');
  });
});
