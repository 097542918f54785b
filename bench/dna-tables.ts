/**
 * Converts the published allele-frequency tables into the files the DNA engine ships
 * (`engine/dna/tables/*.json`, format: `FrequencyDatabase` in engine/dna/frequencies.ts).
 *
 *   npx tsx bench/dna-tables.ts [../shared/data/dna]
 *
 * Sources (public domain, see engine/dna/tables/README.md):
 * - FBI expanded CODIS core frequencies, Moretti et al. 2016 (long CSV; 2N inferred from exact ratios)
 * - FBI extended Caucasian table 2024 (wide CSV with an `N` row)
 * - NIST 1036 U.S. population genotypes, Steffen et al. 2017 (frequencies counted here per population)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  type FrequencyDatabase,
  frequenciesFromProfiles,
  parseFrequencyCsv,
  sortAlleleRecord,
} from '../engine/dna/frequencies.js';
import { canonicalAllele, canonicalLocus, isAutosomal, type StrProfile } from '../engine/dna/profile.js';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, '../engine/dna/tables');

export function convertMoretti(text: string): FrequencyDatabase {
  const db = parseFrequencyCsv(
    text,
    'fbi-expanded',
    'FBI expanded CODIS core STR allele frequencies for 12 U.S. population samples: Moretti TR et al. ' +
      '(2016), J Forensic Sci 61(4):1151. FBI, public domain.',
  );
  // Caucasian first: it is the default population when none is named.
  const order = Object.keys(db.populations).sort((a, b) =>
    a === 'Caucasian' ? -1 : b === 'Caucasian' ? 1 : a.localeCompare(b),
  );
  const populations: FrequencyDatabase['populations'] = {};
  for (const p of order) populations[p] = db.populations[p];
  return { ...db, populations };
}

/** Splits a CSV line on a delimiter, honouring double quotes. */
function splitLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === delimiter && !quoted) {
      out.push(field.trim());
      field = '';
    } else field += c;
  }
  out.push(field.trim());
  return out;
}

export function convertFbiExtended(text: string): FrequencyDatabase {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = splitLine(lines[0], ',');
  const loci = header.slice(1).map((name) => canonicalLocus(name));
  const freqs: Record<string, Record<string, number>> = {};
  const sampleSize: Record<string, number> = {};
  for (const line of lines.slice(1)) {
    const f = splitLine(line, ',');
    loci.forEach((locus, j) => {
      if (locus === undefined || !isAutosomal(locus)) return; // Y markers are haplotype data, not alleles
      const cell = f[j + 1];
      if (cell === undefined || cell === '') return;
      if (f[0] === 'N') {
        sampleSize[locus] = Number(cell);
        return;
      }
      const allele = canonicalAllele(locus, f[0]);
      const value = Number(cell);
      if (allele === undefined || !(value > 0)) return;
      freqs[locus] ??= {};
      freqs[locus][allele] = value;
    });
  }
  for (const locus of Object.keys(freqs)) freqs[locus] = sortAlleleRecord(freqs[locus]);
  return {
    name: 'fbi-extended-2024',
    citation:
      'FBI Laboratory, expanded/extended STR allele frequencies, Caucasian population (N = 404), ' +
      'table released 2024. Public domain.',
    populations: { Caucasian: { sampleSize, loci: freqs } },
  };
}

/** The NIST 1036 genotype file: `sample,population,<LOCUS>_1,<LOCUS>_2,...`. */
export function readNistGenotypes(
  text: string,
): Array<{ id: string; population: string; profile: StrProfile }> {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = splitLine(lines[0], ',');
  const columns = header.map((h) => {
    const m = /^(.*)_([12])$/.exec(h);
    return m ? canonicalLocus(m[1]) : undefined;
  });
  return lines.slice(1).map((line) => {
    const f = splitLine(line, ',');
    const profile: StrProfile = { loci: {} };
    const raw: Record<string, string[]> = {};
    columns.forEach((locus, j) => {
      if (locus === undefined || f[j] === undefined || f[j] === '') return;
      const allele = canonicalAllele(locus, f[j]);
      if (allele === undefined) return;
      raw[locus] ??= [];
      raw[locus].push(allele);
    });
    for (const [locus, alleles] of Object.entries(raw)) profile.loci[locus] = [...new Set(alleles)];
    return { id: f[0], population: f[1], profile };
  });
}

export function convertNist1036(text: string): FrequencyDatabase {
  const people = readNistGenotypes(text);
  const groups = new Map<string, StrProfile[]>([['All', []]]);
  for (const p of people) {
    groups.get('All')!.push(p.profile);
    if (!groups.has(p.population)) groups.set(p.population, []);
    groups.get(p.population)!.push(p.profile);
  }
  const populations: FrequencyDatabase['populations'] = {};
  for (const [name, profiles] of groups) {
    const table = frequenciesFromProfiles(name, profiles);
    populations[name] = { sampleSize: table.sampleSize, loci: table.loci };
  }
  return {
    name: 'nist1036',
    citation:
      'Allele frequencies counted by IDMatch from the NIST 1036 U.S. population genotypes at 29 autosomal ' +
      'STR loci: Steffen CR et al. (2017), Forensic Sci Int Genet 31:e36. NIST, public domain. ' +
      'Populations: All (N = 1036), AA, Cauc, Hisp, Asian.',
    populations,
  };
}

function main(): void {
  const data = resolve(process.argv[2] ?? join(here, '../../shared/data/dna'));
  const write = (file: string, db: FrequencyDatabase) => {
    writeFileSync(join(outDir, file), `${JSON.stringify(db)}\n`);
    const pops = Object.keys(db.populations);
    process.stdout.write(`${file}: ${pops.length} population(s): ${pops.join(', ')}\n`);
  };
  write(
    'fbi-expanded-moretti2016.json',
    convertMoretti(readFileSync(join(data, 'frequencies/fbi-expanded-moretti2016.csv'), 'utf8')),
  );
  write(
    'fbi-extended-caucasian-2024.json',
    convertFbiExtended(readFileSync(join(data, 'frequencies/fbi-extended-caucasian-2024.csv'), 'utf8')),
  );
  write(
    'nist1036.json',
    convertNist1036(readFileSync(join(data, 'genotypes/nist1036-genotypes.csv'), 'utf8')),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
