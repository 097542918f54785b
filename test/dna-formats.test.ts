import { describe, expect, it } from 'vitest';

import { exportProfiles, importProfiles } from '../engine/dna/formats.js';
import {
  alleleSampler,
  createRng,
  shippedFrequencyTable,
  simulateProfile,
} from '../engine/dna/frequencies.js';
import type { IdmError } from '../engine/errors.js';

const sampler = alleleSampler(shippedFrequencyTable('nist1036'));

function problems(fn: () => unknown): Array<{ file: string; line: number; reason: string }> {
  try {
    fn();
  } catch (error) {
    expect((error as IdmError).code).toBe('IDM_BAD_IMPORT');
    return ((error as IdmError).details as { errors: Array<{ file: string; line: number; reason: string }> })
      .errors;
  }
  throw new Error('expected the import to fail');
}

describe('GeneMapper import', () => {
  const tsv = [
    'Sample Name\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tHeight 1\tHeight 2\tHeight 3',
    'S1\tD3S1358\tB\t15\t16\t\t1200\t1100\t',
    'S1\tVWA\tB\t17\t\t\t2400\t\t',
    'S1\tAMEL\tB\tX\tY\t\t900\t950\t',
    'S2\tTH01\tG\t6\t9.3\t10\t300\t500\t200',
    'S2\tPenta D\tG\tOL\t12\t\t100\t200\t',
  ].join('\n');

  it('reads samples, markers, alleles and heights as labs export them', () => {
    const { format, profiles } = importProfiles(tsv, { file: 'run1.txt' });
    expect(format).toBe('genemapper');
    expect(profiles.map((p) => p.id)).toEqual(['S1', 'S2']);
    expect(profiles[0].profile.loci).toEqual({ D3S1358: ['15', '16'], vWA: ['17'], AMEL: ['X', 'Y'] });
    expect(profiles[0].profile.heights?.D3S1358).toEqual([1200, 1100]);
    expect(profiles[1].profile.loci.TH01).toEqual(['6', '9.3', '10']);
    expect(profiles[1].profile.loci.Penta_D).toEqual(['12', 'OL']);
    expect(profiles[1].line).toBe(5);
  });

  it('reads comma-separated exports with Allele1..n headers', () => {
    const csv = 'SampleName,Marker,Allele1,Allele2\nref1,D3S1358,18,16\nref1,TH01,9.3,9.3\n';
    const [p] = importProfiles(csv).profiles;
    expect(p.profile.loci).toEqual({ D3S1358: ['16', '18'], TH01: ['9.3'] });
  });

  it('reports every malformed row with file, line and reason, and imports nothing', () => {
    const bad = [
      'Sample Name,Marker,Allele 1,Allele 2,Height 1,Height 2',
      'S1,D3S1358,15,16,100,100',
      'S1,D77S1,15,16,,',
      ',TH01,6,7,,',
      'S1,TH01,six,7,,',
      'S1,D3S1358,15,,,',
      'S2,FGA,20,21,abc,',
    ].join('\n');
    const errors = problems(() => importProfiles(bad, { file: 'bad.csv' }));
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(errors.every((e) => e.file === 'bad.csv')).toBe(true);
    expect(errors[0].reason).toContain('D77S1');
    expect(errors[2].reason).toContain('six');
    expect(errors[3].reason).toContain('twice');
  });

  it('rejects a file without the GeneMapper header', () => {
    expect(problems(() => importProfiles('a,b,c\n1,2,3\n', { file: 'x.csv' }))[0].line).toBe(1);
  });
});

describe('JSON and CMF', () => {
  const rng = createRng(3);
  const profiles = Array.from({ length: 5 }, (_, i) => ({
    id: `P<${i}>&`,
    profile: simulateProfile(sampler, rng),
  }));
  profiles[0].profile.loci.D21S11 = ['<24', '29.2'];
  profiles[1].profile.loci.FGA = ['20', '21', '22.2'];

  for (const format of ['json', 'cmf', 'genemapper'] as const) {
    it(`round-trips profiles through ${format}`, () => {
      const text = exportProfiles(profiles, format);
      const back = importProfiles(text, { format });
      expect(back.profiles.map((p) => ({ id: p.id, profile: p.profile }))).toEqual(profiles);
      expect(importProfiles(text).format).toBe(format);
    });
  }

  it('reads a CMF 3.2 file and reports bad loci with their line', () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<CODISImportFile xmlns="urn:CODISImportFile-schema">',
      '  <HEADERVERSION>3.2</HEADERVERSION>',
      '  <SPECIMEN>',
      '    <SPECIMENID>CASE-001</SPECIMENID>',
      '    <LOCUS><LOCUSNAME>D3S1358</LOCUSNAME><ALLELE><ALLELEVALUE>15</ALLELEVALUE></ALLELE></LOCUS>',
      '    <LOCUS><LOCUSNAME>D9S9</LOCUSNAME><ALLELE><ALLELEVALUE>15</ALLELEVALUE></ALLELE></LOCUS>',
      '  </SPECIMEN>',
      '</CODISImportFile>',
    ].join('\n');
    const errors = problems(() => importProfiles(xml, { file: 'c.xml' }));
    expect(errors).toHaveLength(1);
    expect(errors[0].line).toBe(7);
    const fixed = xml.replace('D9S9', 'PENTA_D');
    const [p] = importProfiles(fixed).profiles;
    expect(p).toMatchObject({ id: 'CASE-001', profile: { loci: { D3S1358: ['15'], Penta_D: ['15'] } } });
  });

  it('JSON arrays report the failing item and import nothing', () => {
    const text = JSON.stringify([
      { id: 'a', loci: { TH01: ['6'] } },
      { id: 'b', loci: { TH01: ['z'] } },
      { loci: { TH01: ['6'] } },
    ]);
    const errors = problems(() => importProfiles(text));
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
  });
});

describe('import progress', () => {
  it('reports increasing fractions ending at 1', () => {
    const rows = ['Sample Name,Marker,Allele 1,Allele 2'];
    for (let i = 0; i < 12_000; i++)
      rows.push(`S${Math.floor(i / 4)},${['TH01', 'FGA', 'vWA', 'TPOX'][i % 4]},8,9`);
    const seen: number[] = [];
    const { profiles } = importProfiles(rows.join('\n'), { onProgress: (f) => seen.push(f) });
    expect(profiles).toHaveLength(3000);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
  });
});
