/**
 * STR profiles: canonical locus names, allele designations and the one parser every input goes through.
 *
 * A profile is a map from canonical locus name to its allele set. Alleles are strings because the field
 * writes them as strings: repeat counts (`15`), microvariants (`9.3`), off-ladder calls (`OL`, `<8`, `>30`)
 * and amelogenin (`X`, `Y`). An allele set is sorted in ladder order and holds each allele once, so a
 * homozygote written `["16","16"]` and one written `["16"]` are the same profile, and a mixture simply
 * has more than two alleles.
 */
import { IdmError } from '../errors.js';

export interface StrProfile {
  loci: Record<string, string[]>;
  /** Optional peak heights (RFU), aligned with `loci[locus]`; kept for mixtures and exports only. */
  heights?: Record<string, number[]>;
}

/** A profile as read from a document that may name it. */
export interface NamedProfile {
  id?: string;
  profile: StrProfile;
}

/** The 20 CODIS core loci (the 13 original plus the 7 added on 1 January 2017). */
export const CODIS_CORE_LOCI: readonly string[] = [
  'CSF1PO',
  'D3S1358',
  'D5S818',
  'D7S820',
  'D8S1179',
  'D13S317',
  'D16S539',
  'D18S51',
  'D21S11',
  'FGA',
  'TH01',
  'TPOX',
  'vWA',
  'D1S1656',
  'D2S441',
  'D2S1338',
  'D10S1248',
  'D12S391',
  'D19S433',
  'D22S1045',
];

/** The original 13 CODIS core loci (before 2017), used by older tables and kits. */
export const CODIS_ORIGINAL_13: readonly string[] = CODIS_CORE_LOCI.slice(0, 13);

/**
 * Autosomal STR loci beyond the CODIS core that commercial kits type (PowerPlex Fusion/ESX/ESI,
 * GlobalFiler, the NIST 1036 set).
 */
export const EXTRA_AUTOSOMAL_LOCI: readonly string[] = [
  'Penta_C',
  'Penta_D',
  'Penta_E',
  'SE33',
  'D6S1043',
  'F13A01',
  'F13B',
  'FESFPS',
  'LPL',
];

/** Sex-linked markers that kits type alongside: they are accepted in profiles but never count as loci. */
export const SEX_MARKERS: readonly string[] = ['AMEL', 'DYS391', 'DYS570', 'DYS576', 'Yindel'];

/** Every locus this engine knows, canonical spelling. */
export const KNOWN_LOCI: readonly string[] = [...CODIS_CORE_LOCI, ...EXTRA_AUTOSOMAL_LOCI, ...SEX_MARKERS];

const SEX_MARKER_SET = new Set(SEX_MARKERS);

/** Whether a locus is autosomal (counts toward shared loci, statistics and kinship). */
export function isAutosomal(locus: string): boolean {
  return !SEX_MARKER_SET.has(locus);
}

/** Alias key: case, spaces, underscores, hyphens and dots do not distinguish locus names. */
function aliasKey(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]/g, '');
}

const LOCUS_ALIASES: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const locus of KNOWN_LOCI) map.set(aliasKey(locus), locus);
  // Historical and kit-specific spellings seen in exports and published tables.
  const extra: Array<[string, string]> = [
    ['amelogenin', 'AMEL'],
    ['amelo', 'AMEL'],
    ['amel', 'AMEL'],
    ['tho1', 'TH01'],
    ['th1', 'TH01'],
    ['humth01', 'TH01'],
    ['fibra', 'FGA'],
    ['humfga', 'FGA'],
    ['humvwa', 'vWA'],
    ['humvwa31', 'vWA'],
    ['vwa31', 'vWA'],
    ['humcsf1po', 'CSF1PO'],
    ['humtpox', 'TPOX'],
    ['actbp2', 'SE33'],
    ['humse33', 'SE33'],
    ['f13a1', 'F13A01'],
    ['humf13a01', 'F13A01'],
    ['fes', 'FESFPS'],
    ['fesfps', 'FESFPS'],
    ['humfesfps', 'FESFPS'],
    ['y-indel', 'Yindel'],
    ['yindel', 'Yindel'],
  ];
  for (const [alias, locus] of extra) map.set(aliasKey(alias), locus);
  return map;
})();

/** The canonical name of a locus, or undefined when the engine does not know it. */
export function canonicalLocus(name: string): string | undefined {
  return LOCUS_ALIASES.get(aliasKey(name));
}

/** Like `canonicalLocus` but throws IDM_UNKNOWN_LOCUS naming the locus. */
export function requireLocus(name: string): string {
  const locus = canonicalLocus(name);
  if (locus === undefined) {
    throw new IdmError('IDM_UNKNOWN_LOCUS', `unknown STR locus "${name}"`, { locus: name });
  }
  return locus;
}

const REPEAT_ALLELE = /^(\d{1,3})(?:\.(\d))?$/;
const BOUND_ALLELE = /^([<>])\s*(\d{1,3}(?:\.\d)?)$/;

/**
 * The canonical spelling of an allele designation at a locus, or undefined if it is not one.
 * Repeat counts lose leading zeros and a `.0`; `ol`/`OL`/`off-ladder` become `OL`; amelogenin takes X/Y.
 */
export function canonicalAllele(locus: string, raw: string | number): string | undefined {
  const text = String(raw).trim();
  if (locus === 'AMEL' || locus === 'Yindel') {
    const upper = text.toUpperCase();
    if (locus === 'AMEL') return upper === 'X' || upper === 'Y' ? upper : undefined;
    return upper === '1' || upper === '2' ? upper : undefined;
  }
  const repeat = REPEAT_ALLELE.exec(text);
  if (repeat) {
    const whole = String(Number(repeat[1]));
    return repeat[2] === undefined || repeat[2] === '0' ? whole : `${whole}.${repeat[2]}`;
  }
  const bound = BOUND_ALLELE.exec(text);
  if (bound) {
    const value = canonicalAllele(locus, bound[2]);
    return value === undefined ? undefined : `${bound[1]}${value}`;
  }
  const upper = text.toUpperCase();
  if (upper === 'OL' || upper === 'OFF-LADDER' || upper === 'OFFLADDER') return 'OL';
  return undefined;
}

/**
 * Ladder order of an allele: its repeat number, with `<n` just below n, `>n` just above and `OL` last.
 * Used to sort allele sets and to measure stepwise-mutation distances.
 */
export function alleleOrder(allele: string): number {
  if (allele === 'X') return 0;
  if (allele === 'Y') return 1;
  if (allele === 'OL') return Number.POSITIVE_INFINITY;
  if (allele.startsWith('<')) return Number(allele.slice(1)) - 0.05;
  if (allele.startsWith('>')) return Number(allele.slice(1)) + 0.05;
  // `9.3` means 9 repeats and 3 bases: order by repeats, then by the base count.
  const [whole, part] = allele.split('.');
  return Number(whole) + (part === undefined ? 0 : Number(part) / 10);
}

export function compareAlleles(a: string, b: string): number {
  const d = alleleOrder(a) - alleleOrder(b);
  if (d !== 0 && !Number.isNaN(d)) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether an allele is a microvariant (a partial repeat such as `9.3`). */
export function isMicrovariant(allele: string): boolean {
  return /^\d+\.\d$/.test(allele);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One allele entry of the input: a string, a number or `{allele, height?}`. */
function readAlleleEntry(locus: string, entry: unknown): { allele: string; height?: number } {
  let raw: unknown = entry;
  let height: number | undefined;
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const record = entry as Record<string, unknown>;
    raw = record.allele;
    if (record.height !== undefined) {
      if (typeof record.height !== 'number' || !Number.isFinite(record.height) || record.height < 0) {
        throw new IdmError(
          'IDM_BAD_PROFILE',
          `locus ${locus}: peak height ${describe(record.height)} is not a number >= 0`,
          {
            locus,
          },
        );
      }
      height = record.height;
    }
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    throw new IdmError(
      'IDM_BAD_ALLELE',
      `locus ${locus}: allele ${describe(raw)} is not a string or number`,
      {
        locus,
        allele: raw,
      },
    );
  }
  const allele = canonicalAllele(locus, raw);
  if (allele === undefined) {
    throw new IdmError(
      'IDM_BAD_ALLELE',
      `locus ${locus}: "${String(raw)}" is not a valid allele designation`,
      {
        locus,
        allele: raw,
      },
    );
  }
  return height === undefined ? { allele } : { allele, height };
}

/**
 * Builds the canonical allele set of one locus from its raw alleles (and optional heights): canonical
 * spelling, ladder order, each allele once (the larger height wins when a homozygote is written twice).
 */
export function normaliseLocus(
  locus: string,
  rawAlleles: readonly unknown[],
  rawHeights?: readonly (number | undefined)[],
): { alleles: string[]; heights?: number[] } {
  const byAllele = new Map<string, number | undefined>();
  rawAlleles.forEach((entry, i) => {
    const { allele, height } = readAlleleEntry(locus, entry);
    const h = height ?? rawHeights?.[i];
    const previous = byAllele.get(allele);
    byAllele.set(allele, previous === undefined ? h : h === undefined ? previous : Math.max(previous, h));
  });
  const alleles = [...byAllele.keys()].sort(compareAlleles);
  const withHeights = alleles.every((a) => byAllele.get(a) !== undefined);
  return withHeights && alleles.length > 0
    ? { alleles, heights: alleles.map((a) => byAllele.get(a) as number) }
    : { alleles };
}

/**
 * Parses a profile document `{"id"?: "S1", "loci": {"D3S1358": ["15","16"], "TH01": ["9.3"]}}`.
 * A locus value may be an array of alleles (strings, numbers or `{allele, height}`) or a string
 * `"15,16"` / `"15/16"`; an empty value means the locus was not typed and is left out. Optional
 * `heights: {locus: [..]}` align with the alleles as written.
 */
export function parseProfile(input: unknown): StrProfile {
  return parseNamedProfile(input).profile;
}

/** Like `parseProfile` but also returns the document's `id` when it has one. */
export function parseNamedProfile(input: unknown): NamedProfile {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new IdmError('IDM_BAD_PROFILE', 'a profile must be a JSON object with a "loci" object');
  }
  const doc = input as Record<string, unknown>;
  const id = doc.id ?? doc.sample ?? doc.name;
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') {
    throw new IdmError('IDM_BAD_PROFILE', `profile id ${describe(id)} must be a string`);
  }
  const loci = doc.loci;
  if (typeof loci !== 'object' || loci === null || Array.isArray(loci)) {
    throw new IdmError('IDM_BAD_PROFILE', `profile${id === undefined ? '' : ` ${id}`} has no "loci" object`);
  }
  const heightsInput = doc.heights;
  if (heightsInput !== undefined && (typeof heightsInput !== 'object' || heightsInput === null)) {
    throw new IdmError('IDM_BAD_PROFILE', '"heights" must be an object of locus -> numbers');
  }
  const profile: StrProfile = { loci: {} };
  const seenAs = new Map<string, string>();
  for (const [name, value] of Object.entries(loci as Record<string, unknown>)) {
    const locus = requireLocus(name);
    const earlier = seenAs.get(locus);
    if (earlier !== undefined) {
      throw new IdmError('IDM_BAD_PROFILE', `locus ${locus} is given twice (as "${earlier}" and "${name}")`, {
        locus,
      });
    }
    seenAs.set(locus, name);
    let raw: unknown[];
    if (Array.isArray(value)) raw = value;
    else if (typeof value === 'string') raw = value.split(/[,/;\s]+/).filter((s) => s.length > 0);
    else if (typeof value === 'number') raw = [value];
    else if (value === null) raw = [];
    else {
      throw new IdmError(
        'IDM_BAD_PROFILE',
        `locus ${locus}: alleles must be an array, got ${describe(value)}`,
        {
          locus,
        },
      );
    }
    const rawHeights = (heightsInput as Record<string, unknown> | undefined)?.[name];
    if (
      rawHeights !== undefined &&
      !(Array.isArray(rawHeights) && rawHeights.every((h) => typeof h === 'number'))
    ) {
      throw new IdmError('IDM_BAD_PROFILE', `locus ${locus}: heights must be an array of numbers`, { locus });
    }
    const { alleles, heights } = normaliseLocus(locus, raw, rawHeights as number[] | undefined);
    if (alleles.length === 0) continue;
    profile.loci[locus] = alleles;
    if (heights) {
      profile.heights ??= {};
      profile.heights[locus] = heights;
    }
  }
  if (Object.keys(profile.loci).length === 0) {
    throw new IdmError('IDM_BAD_PROFILE', `profile${id === undefined ? '' : ` ${id}`} has no typed locus`);
  }
  return id === undefined ? { profile } : { id: String(id), profile };
}

/** Builds a profile from already-canonical data without re-validating (for simulators and importers). */
export function profileFromAlleles(loci: Record<string, readonly string[]>): StrProfile {
  const out: StrProfile = { loci: {} };
  for (const [locus, alleles] of Object.entries(loci)) {
    const set = [...new Set(alleles)].sort(compareAlleles);
    if (set.length > 0) out.loci[locus] = set;
  }
  return out;
}

/** Autosomal loci typed in both profiles (sex markers never count). */
export function sharedLoci(a: StrProfile, b: StrProfile): string[] {
  return Object.keys(a.loci).filter((l) => isAutosomal(l) && b.loci[l] !== undefined);
}

/** The profile as the JSON document `parseProfile` reads. */
export function profileToJson(profile: StrProfile, id?: string): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (id !== undefined) doc.id = id;
  doc.loci = profile.loci;
  if (profile.heights) doc.heights = profile.heights;
  return doc;
}
