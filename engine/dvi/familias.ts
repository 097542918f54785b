/**
 * Import of Familias 3 `.fam` files (Egeland, Mostad et al.; format as written by Familias 3.x and read
 * by the R package pedFamilias).
 *
 * Layout: a header (version line; persons with their genotypes as allele indices; fixed relations;
 * pedigrees as parent->child index pairs), then the database (per locus: name, female and male
 * mutation rates, model codes 0 equal / 1 proportional / 2 stepwise / 3 stationary stepwise /
 * 4 extended stepwise, range and microvariant rates, alleles with frequencies), then optionally a
 * `[DVI]` section in bracketed key= value form with the unidentified persons and reference families.
 *
 * DVI conventions (as in dvir's import): a family member is a missing person when its name starts with
 * "Missing"; of a family's pedigrees the last one that relates a missing person is used; a relation's
 * party not among the listed persons (typically "Missing person") is added with unknown sex, or with
 * the sex opposite to the co-parent's when it is a parent.
 * Stationary stepwise models (code 3) are read as plain stepwise: Familias stabilises the matrix,
 * which this import does not do (a note says so). Stepwise models on loci with non-numeric alleles
 * fall back to the equal model with the same rate, as pedFamilias does.
 */
import { IdmError } from '../errors.js';
import type { MutationModel } from './mutation.js';
import type {
  DviCase,
  Genotype,
  KinshipCase,
  Locus,
  LocusDatabase,
  PedigreeMember,
  Profile,
  Sex,
} from './types.js';

export type FamiliasImport =
  | { kind: 'dvi'; dvi: DviCase; notes: string[] }
  | { kind: 'kinship'; kinship: KinshipCase; notes: string[] };

function fail(message: string): never {
  throw new IdmError('IDM_BAD_IMPORT', `Familias file: ${message}`);
}

const unquote = (s: string) => s.replace(/"/g, '');

function int(lines: string[], i: number, what: string): number {
  const v = Number.parseInt(lines[i] ?? '', 10);
  if (!Number.isFinite(v)) fail(`line ${i + 1} should be ${what}, found "${lines[i] ?? '<end of file>'}"`);
  return v;
}

function num(lines: string[], i: number, what: string): number {
  const v = Number(lines[i]);
  if (!Number.isFinite(v)) fail(`line ${i + 1} should be ${what}, found "${lines[i] ?? '<end of file>'}"`);
  return v;
}

function model(
  code: number,
  rate: number,
  range: number,
  rate2: number,
  numeric: boolean,
  notes: string[],
  where: string,
): MutationModel {
  if (rate === 0 && (code < 2 || rate2 === 0)) return { kind: 'none' };
  switch (code) {
    case 0:
      return { kind: 'equal', rate };
    case 1:
      return { kind: 'proportional', rate };
    case 2:
    case 3:
    case 4:
      if (!numeric) {
        notes.push(`${where}: stepwise model on non-numeric alleles replaced by equal (rate ${rate})`);
        return { kind: 'equal', rate };
      }
      if (code === 3) notes.push(`${where}: stationary stepwise read as stepwise (not stabilised)`);
      return { kind: 'stepwise', rate, range, rate2 };
    default:
      return fail(`${where}: unknown mutation model code ${code}`);
  }
}

interface Header {
  persons: Array<{ id: string; sex: Sex; data: Array<[number, number, number]> }>;
  pedigrees: Array<{ name: string; extras: Sex[]; relations: Array<[number, number]> }>;
  fixed: { extras: Sex[]; relations: Array<[number, number]> };
  next: number;
}

function readHeader(lines: string[]): Header {
  let i = lines[3] !== '' ? 3 : 4;
  const nPersons = int(lines, i, 'the number of persons');
  i++;
  const persons: Header['persons'] = [];
  for (let p = 0; p < nPersons; p++) {
    const id = lines[i];
    const sex: Sex = lines[i + 4] === '#TRUE#' ? 'M' : 'F';
    const n = int(lines, i + 5, `the number of genotypes of ${id}`);
    const data: Array<[number, number, number]> = [];
    for (let k = 0; k < n; k++) {
      const b = i + 6 + 3 * k;
      data.push([
        int(lines, b, 'an allele index'),
        int(lines, b + 1, 'an allele index'),
        int(lines, b + 2, 'a locus index'),
      ]);
    }
    persons.push({ id, sex, data });
    i += 6 + 3 * n;
  }
  if (lines[i] !== 'Known relations') fail(`line ${i + 1} should be "Known relations", found "${lines[i]}"`);
  const extrasOf = (nFem: number, nMal: number): Sex[] => [
    ...new Array<Sex>(nFem).fill('F'),
    ...new Array<Sex>(nMal).fill('M'),
  ];
  const fixedExtras = extrasOf(int(lines, i + 1, 'a count'), int(lines, i + 2, 'a count'));
  const nRel = int(lines, i + 3, 'the number of fixed relations');
  i += 4;
  const fixedRelations: Array<[number, number]> = [];
  for (let r = 0; r < nRel; r++, i += 2)
    fixedRelations.push([int(lines, i, 'a parent'), int(lines, i + 1, 'a child')]);
  const nPed = int(lines, i, 'the number of pedigrees');
  i++;
  const pedigrees: Header['pedigrees'] = [];
  for (let p = 0; p < nPed; p++) {
    const name = lines[i + 1];
    const extras = extrasOf(int(lines, i + 2, 'a count'), int(lines, i + 3, 'a count'));
    const n = int(lines, i + 4, 'the number of relations');
    i += 5;
    const relations: Array<[number, number]> = [];
    for (let r = 0; r < n; r++, i += 2) {
      if (/Direct/.test(lines[i])) fail(`pedigree ${name}: twins (direct relations) are not supported`);
      relations.push([int(lines, i, 'a parent'), int(lines, i + 1, 'a child')]);
    }
    pedigrees.push({ name, extras, relations });
  }
  if (lines[i]?.startsWith('#TRUE#')) fail('files with precomputed probabilities are not supported');
  const theta = /Theta\/Kinship\/Fst: ([\d.]+)/.exec(lines[i] ?? '');
  if (theta && Number(theta[1]) > 0) fail(`theta correction ${theta[1]} is not supported`);
  return { persons, pedigrees, fixed: { extras: fixedExtras, relations: fixedRelations }, next: i + 1 };
}

function readDatabase(lines: string[], start: number, notes: string[]): LocusDatabase {
  let i = start;
  const nLoci = int(lines, i, 'the number of loci');
  const hasInfo = lines[i + 1] === '#TRUE#';
  const name = hasInfo ? lines[i + 2] : 'Familias database';
  i += hasInfo ? 3 : 2;
  const loci: Locus[] = [];
  for (let l = 0; l < nLoci; l++) {
    const locus = lines[i];
    const rateF = num(lines, i + 1, 'a mutation rate');
    const rateM = num(lines, i + 2, 'a mutation rate');
    const codeF = int(lines, i + 3, 'a mutation model code');
    const codeM = int(lines, i + 4, 'a mutation model code');
    const rangeF = num(lines, i + 6, 'a range');
    const rangeM = num(lines, i + 7, 'a range');
    const rate2F = num(lines, i + 8, 'a microvariant rate');
    const rate2M = num(lines, i + 9, 'a microvariant rate');
    if (lines[i + 10] === '#TRUE#') fail(`locus ${locus}: silent alleles are not supported`);
    const nAlleles = int(lines, i + 12, `the number of alleles of ${locus}`);
    const alleles: string[] = [];
    const frequencies: number[] = [];
    for (let a = 0; a < nAlleles; a++) {
      alleles.push(lines[i + 13 + 2 * a]);
      frequencies.push(num(lines, i + 14 + 2 * a, 'an allele frequency'));
    }
    const numeric = alleles.every((a) => Number.isFinite(Number(a)) && Number(a) >= 1);
    loci.push({
      name: locus,
      alleles,
      frequencies,
      mutation: {
        female: model(codeF, rateF, rangeF, rate2F, numeric, notes, `locus ${locus} (female)`),
        male: model(codeM, rateM, rangeM, rate2M, numeric, notes, `locus ${locus} (male)`),
      },
    });
    i += 13 + 2 * nAlleles;
  }
  return { name, loci };
}

/** Nested `[[[...]]]` sections of the DVI part as a tree of key/value lists. */
interface Section {
  name: string;
  entries: Array<[string, string]>;
  children: Section[];
}

function readSections(lines: string[], start: number): Section {
  const root: Section = { name: 'DVI', entries: [], children: [] };
  const stack: Section[] = [root];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const m = /^(\[+)(.*?)\]+$/.exec(line);
    if (m) {
      const depth = m[1].length;
      if (depth === 1) break; // next top-level section ([Prior], [Advanced])
      const section: Section = { name: m[2].trim(), entries: [], children: [] };
      stack.length = Math.min(stack.length, depth - 1);
      stack[stack.length - 1].children.push(section);
      stack.push(section);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    stack[stack.length - 1].entries.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return root;
}

const child = (s: Section, name: string) => s.children.find((c) => c.name === name);
const value = (s: Section, key: string) => s.entries.find(([k]) => k === key)?.[1];

function sexOf(s: string | undefined): Sex {
  return s === 'Male' ? 'M' : s === 'Female' ? 'F' : 'U';
}

function dnaProfile(s: Section | undefined, db: LocusDatabase, who: string): Profile {
  const profile: Record<string, Genotype> = {};
  if (!s) return profile;
  const loci = new Set(db.loci.map((l) => l.name));
  for (let k = 0; k < s.entries.length; k++) {
    const [key, locus] = s.entries[k];
    if (key !== 'SystemName') continue;
    const a1 = s.entries[k + 1];
    const a2 = s.entries[k + 2];
    if (a1?.[0] !== 'Allele1' || a2?.[0] !== 'Allele2') fail(`${who}: ${locus} lacks Allele1/Allele2`);
    if (!loci.has(locus)) fail(`${who}: locus ${locus} is not in the database`);
    profile[locus] = [a1[1], a2[1]];
  }
  return profile;
}

function readDvi(root: Section, db: LocusDatabase, fileName: string, notes: string[]): DviCase {
  const victims = (child(root, 'Unidentified persons')?.children ?? []).map((p) => {
    const id = value(p, 'Name') ?? fail('an unidentified person has no Name');
    return { id, sex: sexOf(value(p, 'Gender')), profile: dnaProfile(child(p, 'DNA data'), db, id) };
  });
  const refs = child(root, 'Reference Families') ?? fail('the DVI section has no [[Reference Families]]');
  const families = refs.children.map((f) => {
    const famId = value(f, 'Name') ?? fail('a reference family has no Name');
    const persons = (child(f, 'Persons')?.children ?? []).map((p) => {
      const id = value(p, 'Name') ?? fail(`a person of ${famId} has no Name`);
      return {
        id,
        sex: sexOf(value(p, 'Gender')),
        profile: dnaProfile(child(p, 'DNA data'), db, `${famId}/${id}`),
      };
    });
    const pedigrees = (child(f, 'Pedigrees')?.children ?? []).map((pd) => {
      const relations: Array<[string, string]> = [];
      for (let k = 0; k < pd.entries.length; k++) {
        if (pd.entries[k][0] === 'Parent' && pd.entries[k + 1]?.[0] === 'Child') {
          relations.push([pd.entries[k][1], pd.entries[k + 1][1]]);
        }
      }
      return { name: value(pd, 'Name') ?? '', relations };
    });
    const isMissing = (id: string) => id.startsWith('Missing');
    const chosen = [...pedigrees]
      .reverse()
      .find((p) => p.relations.some(([a, b]) => isMissing(a) || isMissing(b))) ??
      pedigrees[pedigrees.length - 1] ?? { name: '', relations: [] };
    const members = new Map<string, PedigreeMember>(
      persons.map((p) => [p.id, { id: p.id, sex: p.sex, father: null, mother: null, profile: p.profile }]),
    );
    for (const [a, b] of chosen.relations) {
      for (const id of [a, b])
        if (!members.has(id)) members.set(id, { id, sex: 'U', father: null, mother: null });
    }
    // Sex of added parents from their co-parents.
    for (const [parent] of chosen.relations) {
      const m = members.get(parent)!;
      if (m.sex !== 'U') continue;
      const kids = chosen.relations.filter(([p]) => p === parent).map(([, c]) => c);
      const spouses = new Set(
        chosen.relations.filter(([p, c]) => p !== parent && kids.includes(c)).map(([p]) => p),
      );
      const sexes = new Set([...spouses].map((s) => members.get(s)!.sex));
      if (sexes.size === 1 && sexes.has('M')) m.sex = 'F';
      else if (sexes.size === 1 && sexes.has('F')) m.sex = 'M';
      else
        notes.push(`family ${famId}: parent ${parent} of unknown sex placed as father (male mutation model)`);
    }
    for (const [parent, kid] of chosen.relations) {
      const p = members.get(parent)!;
      const c = members.get(kid)!;
      if (p.sex === 'F') c.mother = parent;
      else c.father = parent;
    }
    const missing = [...members.keys()].filter(isMissing);
    if (missing.length === 0) notes.push(`family ${famId}: no member named "Missing..."; family ignored`);
    return { id: famId, pedigree: { members: [...members.values()] }, missing };
  });
  // Missing-person names repeated across families ("Missing person") are qualified by the family.
  const seen = new Map<string, number>();
  for (const f of families) for (const id of f.missing) seen.set(id, (seen.get(id) ?? 0) + 1);
  for (const f of families) {
    const rename = (id: string | null) => (id !== null && (seen.get(id) ?? 0) > 1 ? `${f.id}: ${id}` : id);
    if (!f.missing.some((id) => (seen.get(id) ?? 0) > 1)) continue;
    for (const m of f.pedigree.members) {
      m.id = rename(m.id)!;
      m.father = rename(m.father);
      m.mother = rename(m.mother);
    }
    f.missing = f.missing.map((id) => rename(id)!);
  }
  return {
    id: fileName,
    description: `Imported from Familias file ${fileName}`,
    database: db,
    victims,
    families: families.filter((f) => f.missing.length > 0),
    scores: [],
  };
}

/** Parses the text of a `.fam` file into a DVI case (when it has a [DVI] section) or a kinship case. */
export function parseFamiliasFile(text: string, fileName = 'familias.fam'): FamiliasImport {
  const lines = text.split(/\r?\n/).map((l) => unquote(l).replace(/\s+$/, ''));
  if (!/^Output from Familias/.test(lines[0] ?? ''))
    fail('the first line is not "Output from Familias, version ..."');
  const notes: string[] = [];
  const header = readHeader(lines);
  const db = readDatabase(lines, header.next, notes);
  const dviStart = lines.findIndex((l) => l.trim() === '[DVI]');
  if (dviStart >= 0)
    return { kind: 'dvi', dvi: readDvi(readSections(lines, dviStart), db, fileName, notes), notes };

  // Kinship case: persons + fixed relations + one pedigree per hypothesis.
  const basePersons = header.persons.map((p) => {
    const profile: Record<string, Genotype> = {};
    for (const [a1, a2, l] of p.data) {
      const locus = db.loci[l] ?? fail(`${p.id}: locus index ${l} out of range`);
      const al = (k: number) =>
        locus.alleles[k] ?? fail(`${p.id}: allele index ${k} out of range at ${locus.name}`);
      profile[locus.name] = [al(a1), al(a2)];
    }
    return { id: p.id, sex: p.sex, profile };
  });
  const build = (name: string, extras: Sex[], relations: Array<[number, number]>) => {
    const all = [
      ...basePersons,
      ...header.fixed.extras.map((sex, k) => ({ id: `extra_${k + 1}`, sex, profile: {} as Profile })),
      ...extras.map((sex, k) => ({ id: `${name}_extra_${k + 1}`, sex, profile: {} as Profile })),
    ];
    const members: PedigreeMember[] = all.map((p) => ({ ...p, father: null, mother: null }));
    for (const [parent, kid] of [...header.fixed.relations, ...relations]) {
      const p = members[parent] ?? fail(`pedigree ${name}: parent index ${parent} out of range`);
      const c = members[kid] ?? fail(`pedigree ${name}: child index ${kid} out of range`);
      if (p.sex === 'M') c.father = p.id;
      else c.mother = p.id;
    }
    return { name, pedigree: { members } };
  };
  const hypotheses =
    header.pedigrees.length > 0
      ? header.pedigrees.map((p) => build(p.name, p.extras, p.relations))
      : [build('pedigree', [], [])];
  return { kind: 'kinship', kinship: { database: db, hypotheses }, notes };
}

/**
 * Familias frequency text files: a locus name line, then `allele<TAB>frequency` lines, loci separated
 * by blank lines (e.g. `codis13-dvir.txt`).
 */
export function parseFamiliasFrequencies(text: string, name = 'frequencies'): LocusDatabase {
  const loci: Locus[] = [];
  let current: Locus | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') {
      current = null;
      return;
    }
    const m = /^(\S+)\s+([-+\d.eE]+)$/.exec(line);
    if (m && Number.isFinite(Number(m[2]))) {
      if (!current) fail(`frequency line ${i + 1} comes before any locus name`);
      (current as Locus).alleles.push(m[1]);
      (current as Locus).frequencies.push(Number(m[2]));
      return;
    }
    current = { name: line, alleles: [], frequencies: [] };
    loci.push(current);
  });
  const empty = loci.find((l) => l.alleles.length === 0);
  if (empty) fail(`locus ${empty.name} has no alleles`);
  if (loci.length === 0) fail('no loci found');
  return { name, loci };
}
