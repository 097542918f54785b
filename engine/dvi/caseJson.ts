/**
 * Our JSON DVI case format (the shape of `dna/dvi-cases/example2.json`):
 *
 * ```
 * { "id"?, "description"?,
 *   "marker": { "name", "alleles": [..], "frequencies": [..], "mutation"? }   // one locus, or
 *   "markers": [ { ...same... } ],                                            // several, or
 *   "frequencies": { "<locus>": { "<allele>": p } }, "database"?: "<name>",  // a plain table
 *   "pm": [ { "id", "sex": "M"|"F"|"U", "<locus>": [a, b], ... } ],           // or "profile": {...}
 *   "am": [ { "family", "members": [ { "id", "sex", "father", "mother", "missing"?, "<locus>"... } ],
 *             "directReferences"?: { "<missing id>": [ { "<locus>": [a, b] } ] } } ],
 *   "scores"?: [ { "modality", "victim", "missing", "score" } ],
 *   "subjects"?: { "pm": { "<victim id>": ["<subject id>"] }, "am": { "<missing id>": ["<subject id>"] } } }
 * ```
 * `subjects` links enrolled store subjects (their fingerprints and face photos) to the case's people.
 * `mutation` is `{ "female": MutationModel, "male": MutationModel }` or one model for both sexes.
 * Any `expected` block is ignored here (tests read it).
 */
import { IdmError } from '../errors.js';
import type { MutationModel, SexMutationModels } from './mutation.js';
import type { DviCase, Genotype, Locus, LocusDatabase, ModalityScore, Profile, Sex, SubjectLinks } from './types.js';

const reserved = new Set(['id', 'sex', 'father', 'mother', 'missing', 'profile', 'name']);

function bad(message: string): never {
  throw new IdmError('IDM_BAD_CASE', message);
}

function parseSex(value: unknown, who: string): Sex {
  if (value === undefined || value === null || value === 'U' || value === 0) return 'U';
  if (value === 'M' || value === 'male' || value === 1) return 'M';
  if (value === 'F' || value === 'female' || value === 2) return 'F';
  return bad(`${who}: sex must be "M", "F" or "U", got ${JSON.stringify(value)}`);
}

function parseGenotype(value: unknown, who: string): Genotype {
  if (!Array.isArray(value) || value.length !== 2) bad(`${who}: a genotype is an array of two alleles`);
  return [String(value[0]), String(value[1])];
}

function parseProfile(obj: Record<string, unknown>, loci: Set<string> | null, who: string): Profile {
  const profile: Record<string, Genotype> = {};
  const source = (obj.profile as Record<string, unknown> | undefined) ?? obj;
  for (const [key, value] of Object.entries(source)) {
    if (source === obj && reserved.has(key)) continue;
    if (!Array.isArray(value)) continue;
    if (loci && !loci.has(key))
      throw new IdmError('IDM_UNKNOWN_LOCUS', `${who}: locus ${key} is not in the database`);
    profile[key] = parseGenotype(value, `${who} at ${key}`);
  }
  return profile;
}

function parseModels(value: unknown): SexMutationModels | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if ('kind' in v) return { female: v as unknown as MutationModel, male: v as unknown as MutationModel };
  if ('female' in v && 'male' in v) return v as unknown as SexMutationModels;
  return bad('mutation must be a model ({ "kind": ... }) or { "female": ..., "male": ... }');
}

function parseLocus(value: unknown): Locus {
  const v = value as Record<string, unknown>;
  if (!v || typeof v.name !== 'string' || !Array.isArray(v.alleles) || !Array.isArray(v.frequencies)) {
    bad('a marker needs "name", "alleles" and "frequencies"');
  }
  return {
    name: v.name,
    alleles: (v.alleles as unknown[]).map(String),
    frequencies: (v.frequencies as unknown[]).map(Number),
    mutation: parseModels(v.mutation),
  };
}

/** Links of one side, keyed by people the case knows; subject ids deduplicated, empty lists dropped. */
function parseLinkSide(value: unknown, known: Set<string>, side: 'pm' | 'am'): Record<string, string[]> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) bad(`subjects.${side} must map person ids to subject id arrays`);
  const links: Record<string, string[]> = {};
  for (const [person, ids] of Object.entries(value as Record<string, unknown>)) {
    const what = side === 'pm' ? 'victim' : 'missing person';
    if (!known.has(person)) bad(`subjects.${side} links ${what} ${person}, who is not in the case`);
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id.length === 0)) {
      bad(`subjects.${side}.${person} must be an array of subject ids`);
    }
    const unique = [...new Set(ids as string[])];
    if (unique.length > 0) links[person] = unique;
  }
  return links;
}

function parseSubjectLinks(value: unknown, victims: Set<string>, missing: Set<string>): SubjectLinks | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) bad('subjects must be { "pm": {...}, "am": {...} }');
  const v = value as Record<string, unknown>;
  return { pm: parseLinkSide(v.pm, victims, 'pm'), am: parseLinkSide(v.am, missing, 'am') };
}

/** Every subject id a case links, once. */
export function linkedSubjectIds(links: SubjectLinks | undefined): string[] {
  return links ? [...new Set([...Object.values(links.pm), ...Object.values(links.am)].flat())] : [];
}

/** Parses a case from its JSON text or already-parsed value. */
export function parseDviCaseJson(input: string | unknown, fallbackId = 'case'): DviCase {
  let doc: Record<string, unknown>;
  try {
    doc = (typeof input === 'string' ? JSON.parse(input) : input) as Record<string, unknown>;
  } catch (error) {
    throw new IdmError('IDM_BAD_JSON', `case is not valid JSON: ${(error as Error).message}`);
  }
  if (!doc || typeof doc !== 'object') bad('a case is a JSON object');
  let database: LocusDatabase;
  const dbName = typeof doc.database === 'string' ? doc.database : 'case file';
  if (doc.marker) database = { name: dbName, loci: [parseLocus(doc.marker)] };
  else if (Array.isArray(doc.markers)) database = { name: dbName, loci: doc.markers.map(parseLocus) };
  else if (doc.frequencies && typeof doc.frequencies === 'object') {
    database = {
      name: dbName,
      loci: Object.entries(doc.frequencies as Record<string, Record<string, number>>).map(
        ([name, table]) => ({
          name,
          alleles: Object.keys(table),
          frequencies: Object.values(table).map(Number),
        }),
      ),
    };
  } else return bad('a case needs "marker", "markers" or "frequencies"');
  const loci = new Set(database.loci.map((l) => l.name));

  if (!Array.isArray(doc.pm)) bad('a case needs a "pm" array of victims');
  if (!Array.isArray(doc.am)) bad('a case needs an "am" array of reference families');
  const victims = (doc.pm as Array<Record<string, unknown>>).map((p, i) => {
    if (typeof p.id !== 'string') bad(`pm item ${i + 1} has no string id`);
    return {
      id: p.id,
      sex: parseSex(p.sex, `victim ${p.id}`),
      profile: parseProfile(p, loci, `victim ${p.id}`),
    };
  });
  const families = (doc.am as Array<Record<string, unknown>>).map((f, i) => {
    const id =
      typeof f.family === 'string'
        ? f.family
        : typeof f.id === 'string'
          ? f.id
          : bad(`am family ${i + 1} has no id`);
    if (!Array.isArray(f.members)) bad(`family ${id} has no members array`);
    const missing: string[] = [];
    const members = (f.members as Array<Record<string, unknown>>).map((m, j) => {
      if (typeof m.id !== 'string') bad(`member ${j + 1} of family ${id} has no string id`);
      if (m.missing === true) missing.push(m.id);
      return {
        id: m.id,
        sex: parseSex(m.sex, `member ${m.id}`),
        father: typeof m.father === 'string' ? m.father : null,
        mother: typeof m.mother === 'string' ? m.mother : null,
        profile: parseProfile(m, loci, `member ${m.id} of family ${id}`),
      };
    });
    const directReferences: Record<string, Profile[]> = {};
    for (const [who, refs] of Object.entries((f.directReferences as Record<string, unknown[]>) ?? {})) {
      if (!Array.isArray(refs)) bad(`directReferences of ${who} must be an array of profiles`);
      directReferences[who] = refs.map((r) =>
        parseProfile(r as Record<string, unknown>, loci, `direct reference of ${who}`),
      );
    }
    return { id, pedigree: { members }, missing, directReferences };
  });
  const scores: ModalityScore[] = Array.isArray(doc.scores)
    ? (doc.scores as Array<Record<string, unknown>>).map((s) => ({
        modality: String(s.modality),
        victim: String(s.victim),
        missing: String(s.missing),
        score: Number(s.score),
        ...(s.log10LR !== undefined ? { log10LR: Number(s.log10LR) } : {}),
      }))
    : [];
  const subjects = parseSubjectLinks(
    doc.subjects,
    new Set(victims.map((v) => v.id)),
    new Set(families.flatMap((f) => f.missing)),
  );
  return {
    id: typeof doc.id === 'string' ? doc.id : fallbackId,
    description: typeof doc.description === 'string' ? doc.description : undefined,
    database,
    victims,
    families,
    scores,
    ...(subjects ? { subjects } : {}),
  };
}

/** Serialises a case to our JSON format (`markers` form); the inverse of `parseDviCaseJson`. */
export function toDviCaseJson(c: DviCase): Record<string, unknown> {
  return {
    id: c.id,
    description: c.description,
    database: c.database.name,
    markers: c.database.loci.map((l) => ({
      name: l.name,
      alleles: l.alleles,
      frequencies: l.frequencies,
      mutation: l.mutation,
    })),
    pm: c.victims.map((v) => ({ id: v.id, sex: v.sex, profile: v.profile })),
    am: c.families.map((f) => ({
      family: f.id,
      members: f.pedigree.members.map((m) => ({
        id: m.id,
        sex: m.sex,
        father: m.father,
        mother: m.mother,
        ...(f.missing.includes(m.id) ? { missing: true } : {}),
        ...(m.profile && Object.keys(m.profile).length > 0 ? { profile: m.profile } : {}),
      })),
      ...(f.directReferences && Object.keys(f.directReferences).length > 0
        ? { directReferences: f.directReferences }
        : {}),
    })),
    scores: c.scores ?? [],
    ...(c.subjects ? { subjects: c.subjects } : {}),
  };
}
