import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseFamiliasFile, parseFamiliasFrequencies } from '../engine/dvi/familias.js';
import { solveKinship } from '../engine/dvi/kinship.js';
import { solveDvi } from '../engine/dvi/solve.js';

const dir = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'dna', 'dvi-cases', 'familias');
const freqFile = resolve(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'dna',
  'frequencies',
  'codis13-dvir.txt',
);
const present = existsSync(dir);
if (!present) console.warn(`skipping: ${dir} missing`);
if (!existsSync(freqFile)) console.warn(`skipping: ${freqFile} missing`);

/** A small DVI file in the Familias 3 layout, written here so the parser is tested without shared data. */
const tinyFam = [
  '"Output from Familias, version 3.3"',
  '"DO NOT EDIT!"',
  '3.3 (DVI)',
  '""',
  '0',
  '"Known relations"',
  '0',
  '0',
  '0',
  '0',
  '#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )',
  '1',
  '#TRUE#',
  '"db"',
  '"L1"',
  '0',
  '0',
  '0',
  '0',
  '2',
  '0.1',
  '0.1',
  '0.0',
  '0.0',
  '#FALSE#',
  '0',
  '2\t(DatabaseSize = 100 , Dropout probability = 0 , Minor allele frequency = 0 )',
  '"1"',
  '0.4',
  '"2"',
  '0.6',
  '',
  '[DVI]',
  '[[Unidentified persons]]',
  'nPersons= 1',
  '[[[Person 1 ]]]',
  'Name= V1',
  'Gender= Female',
  '[[[[DNA data]]]]',
  'nSystems= 1',
  'SystemName= L1',
  'Allele1= 1',
  'Allele2= 2',
  '[[Reference Families]]',
  'nFamilies= 1',
  '[[[Family 1 ]]]',
  'Name= F1',
  '[[[[Persons]]]]',
  'nPersons= 1',
  '[[[[[Person 1]]]]]',
  'Name= Mother',
  'Gender= Female',
  '[[[[[[DNA data]]]]]]',
  'nSystems= 1',
  'SystemName= L1',
  'Allele1= 1',
  'Allele2= 1',
  '[[[[Pedigrees]]]]',
  'nPedigrees= 1',
  '[[[[[Pedigree 1]]]]]',
  'Name= Ref',
  'nRelations= 1',
  'Parent= Mother',
  'Child= Missing person',
  '[Prior]',
].join('\n');

describe('Familias import (always on)', () => {
  it('parses the DVI section, adds the missing person and gives the parent-child LR', () => {
    const parsed = parseFamiliasFile(tinyFam, 'tiny.fam');
    expect(parsed.kind).toBe('dvi');
    if (parsed.kind !== 'dvi') return;
    expect(parsed.dvi.victims).toEqual([{ id: 'V1', sex: 'F', profile: { L1: ['1', '2'] } }]);
    expect(parsed.dvi.families[0].missing).toEqual(['Missing person']);
    const s = solveDvi(parsed.dvi);
    // Child of a 1/1 mother: P(1/2 | mother) = p2 = 0.6; P(1/2) = 2 * 0.4 * 0.6 = 0.48 -> LR 1.25.
    expect(s.pairwise[0].dnaLR).toBeCloseTo(1.25, 12);
  });

  it('rejects a file that is not Familias output', () => {
    expect(() => parseFamiliasFile('hello\nworld')).toThrow(/IDM_BAD_IMPORT|Familias/);
  });
});

describe.skipIf(!present)('Familias import of the shared example files', () => {
  const files = present ? readdirSync(dir).filter((f) => f.endsWith('.fam')) : [];

  it('finds the example files', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  for (const file of files) {
    it(`imports ${file}`, () => {
      const parsed = parseFamiliasFile(readFileSync(resolve(dir, file), 'utf8'), file);
      if (parsed.kind === 'kinship') {
        expect(parsed.kinship.hypotheses.length).toBeGreaterThan(0);
        const results = solveKinship(parsed.kinship);
        expect(results.reduce((s, r) => s + r.posteriorFlat, 0)).toBeCloseTo(1, 10);
      } else {
        expect(parsed.dvi.victims.length).toBeGreaterThan(0);
        expect(parsed.dvi.families.length).toBeGreaterThan(0);
      }
    });
  }

  it('Solution3_3.fam (plane crash: 8 victims, 5 families, one reference each) yields an identification table', () => {
    const parsed = parseFamiliasFile(
      readFileSync(resolve(dir, 'Solution3_3.fam'), 'utf8'),
      'Solution3_3.fam',
    );
    if (parsed.kind !== 'dvi') throw new Error('expected a DVI case');
    expect(parsed.dvi.victims).toHaveLength(8);
    expect(parsed.dvi.families).toHaveLength(5);
    for (const f of parsed.dvi.families) {
      expect(f.pedigree.members.filter((m) => m.profile && Object.keys(m.profile).length > 0)).toHaveLength(
        1,
      );
    }
    const s = solveDvi(parsed.dvi);
    expect(s.pairwise).toHaveLength(8 * 5);
    expect(s.identifications.length).toBeGreaterThanOrEqual(3);
    // One-to-one: no victim or missing person twice.
    expect(new Set(s.identifications.map((i) => i.victim)).size).toBe(s.identifications.length);
    expect(new Set(s.identifications.map((i) => i.missing)).size).toBe(s.identifications.length);
    for (const u of s.undisputed) expect(u.LR).toBeGreaterThanOrEqual(1e4);
  });
});

describe.skipIf(!existsSync(freqFile))('Familias frequency text file', () => {
  it('reads the 13 CODIS loci with frequencies summing to about 1', () => {
    const db = parseFamiliasFrequencies(readFileSync(freqFile, 'utf8'), 'codis13');
    expect(db.loci).toHaveLength(13);
    for (const l of db.loci) expect(l.frequencies.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 2);
  });
});
