import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { idmatch } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'idmatch-dna-cli-'));

const run = (...args: string[]) => idmatch(args);

const a = join(dir, 'a.json');
const b = join(dir, 'b.json');
const freq = join(dir, 'freq.csv');
writeFileSync(a, JSON.stringify({ id: 'A', loci: { TH01: ['1'], FGA: ['1', '2'] } }));
writeFileSync(b, JSON.stringify({ id: 'B', loci: { TH01: ['1'], FGA: ['1', '3'] } }));
writeFileSync(
  freq,
  [
    'population,locus,allele,frequency,n',
    ...['TH01', 'FGA'].flatMap((l) => [
      `P,${l},1,0.1,1000`,
      `P,${l},2,0.2,1000`,
      `P,${l},3,0.3,1000`,
      `P,${l},4,0.4,1000`,
    ]),
  ].join('\n'),
);

describe('idmatch dna CLI', () => {
  it('rmp --json prints one document with rmp, lr and per-locus rmp (NRC II 4.10)', () => {
    const r = run('dna', 'rmp', a, '--freq', freq, '--theta', '0.01', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.loci.map((l: { locus: string }) => l.locus)).toEqual(['TH01', 'FGA']);
    expect(doc.loci[0].rmp.toFixed(7)).toBe('0.0149010');
    expect(doc.loci[1].rmp.toFixed(7)).toBe('0.0440148');
    expect(doc.rmp).toBeCloseTo(0.014901 * 0.0440148, 7);
    expect(doc.lr).toBeCloseTo(1 / doc.rmp, 3);
  });

  it('kinship --json reproduces the parent-child and sibling vectors', () => {
    const pc = JSON.parse(
      run('dna', 'kinship', a, b, '--relation', 'parent-child', '--freq', freq, '--json').stdout,
    );
    // TH01 aa/aa: PI 10; FGA ab/ac: PI 2.5.
    expect(pc.loci.map((l: { lr: number }) => Number(l.lr.toFixed(6)))).toEqual([10, 2.5]);
    expect(pc.lr).toBeCloseTo(25, 9);
    const fs = JSON.parse(
      run('dna', 'kinship', a, b, '--relation', 'full-sibling', '--freq', freq, '--json').stdout,
    );
    expect(fs.lr).toBeCloseTo(30.25 * 1.5, 9);
  });

  it('fails with a coded message and exit 2 on bad input', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'Sample Name,Marker,Allele 1\nS1,TH01,6\nS1,NOPE,7\n');
    const r = run('dna', 'import', bad, '--json');
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('IDM_BAD_IMPORT');
    expect(doc.error.details.errors[0]).toMatchObject({ file: bad, line: 3 });
    expect(r.stderr).toContain('IDM_BAD_IMPORT');
  });
});
