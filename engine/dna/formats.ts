/**
 * Profile import and export: GeneMapper-style tables (CSV or TSV), JSON, and CODIS CMF 3.2 XML.
 *
 * Imports are all-or-nothing: every malformed row is collected (file, line, reason) and, if there is
 * any, the import fails with IDM_BAD_IMPORT listing them in `details.errors`; nothing is returned
 * half-read. The engine takes the file's text; reading the file is the caller's job.
 *
 * GeneMapper "Genotypes" table export: one row per sample and marker, columns `Sample Name`
 * (or `SampleName`, `Sample File`), `Marker`, `Allele 1..n` and optional `Height 1..n`; other columns
 * (Dye, Size, Quality flags...) are ignored. Tab, comma or semicolon separated.
 *
 * CMF: the CODIS Common Message Format import file, layout of the `urn:CODISImportFile-schema` XSD
 * (CODIS 3.2, Appendix B, as published with NCBI's OSIRIS): CODISImportFile > SPECIMEN (SPECIMENID,
 * SPECIMENCATEGORY, LOCUS (LOCUSNAME, ALLELE (ALLELEVALUE)...)...). Only the elements a profile needs
 * are read; the header is written with the values the caller gives.
 */
import { IdmError } from '../errors.js';
import { canonicalLocus, normaliseLocus, parseNamedProfile, type StrProfile } from './profile.js';

export type ImportFormat = 'genemapper' | 'json' | 'cmf';

export interface ImportedProfile {
  id: string;
  profile: StrProfile;
  /** Line of the file where the profile starts (1-based), or the item index for JSON arrays. */
  line: number;
}

export interface ImportProblem {
  file: string;
  line: number;
  reason: string;
}

export interface ImportResult {
  format: ImportFormat;
  profiles: ImportedProfile[];
}

export interface ImportOptions {
  /** File name used in error reports. */
  file?: string;
  /** Format; default detected from the content. */
  format?: ImportFormat;
  /** Called with the fraction read (0..1) every few thousand rows, for import jobs with progress. */
  onProgress?: (fraction: number) => void;
}

const PROGRESS_EVERY = 5000;

/** Guesses the format from the first non-blank character and the header. */
export function detectFormat(text: string): ImportFormat {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return 'cmf';
  if (start.startsWith('{') || start.startsWith('[')) return 'json';
  return 'genemapper';
}

function fail(file: string, problems: ImportProblem[]): never {
  const shown = problems.slice(0, 5).map((p) => `${p.file}:${p.line}: ${p.reason}`);
  throw new IdmError(
    'IDM_BAD_IMPORT',
    `${problems.length} problem(s), nothing imported: ${shown.join('; ')}${problems.length > 5 ? '; ...' : ''}`,
    { file, errors: problems },
  );
}

/** Reads profiles from a GeneMapper table, a JSON document or a CMF file. */
export function importProfiles(text: string, options: ImportOptions = {}): ImportResult {
  const file = options.file ?? '<input>';
  const format = options.format ?? detectFormat(text);
  switch (format) {
    case 'genemapper':
      return { format, profiles: importGeneMapper(text, file, options.onProgress) };
    case 'json':
      return { format, profiles: importJson(text, file, options.onProgress) };
    case 'cmf':
      return { format, profiles: importCmf(text, file, options.onProgress) };
    default:
      throw new IdmError(
        'IDM_BAD_IMPORT',
        `unknown import format "${String(format)}" (genemapper, json or cmf)`,
      );
  }
}

// ------------------------------------------------------------------------------------------ GeneMapper

function splitRow(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === delimiter && !quoted) {
      out.push(field.trim());
      field = '';
    } else field += c;
  }
  out.push(field.trim());
  return out;
}

function headerKey(h: string): string {
  return h.toLowerCase().replace(/[\s_]/g, '');
}

export function importGeneMapper(
  text: string,
  file = '<input>',
  onProgress?: (fraction: number) => void,
): ImportedProfile[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLine = lines[0] ?? '';
  const delimiter = headerLine.includes('\t')
    ? '\t'
    : headerLine.includes(';') && !headerLine.includes(',')
      ? ';'
      : ',';
  const header = splitRow(headerLine, delimiter).map(headerKey);
  const iSample = header.findIndex((h) => h === 'samplename' || h === 'sample' || h === 'samplefile');
  const iMarker = header.findIndex((h) => h === 'marker' || h === 'locus');
  const alleleCols: number[] = [];
  const heightCols = new Map<number, number>();
  header.forEach((h, i) => {
    const allele = /^allele(\d+)$/.exec(h);
    if (allele) alleleCols[Number(allele[1]) - 1] = i;
    const height = /^height(\d+)$/.exec(h);
    if (height) heightCols.set(Number(height[1]) - 1, i);
  });
  const problems: ImportProblem[] = [];
  if (iSample < 0 || iMarker < 0 || alleleCols.filter((c) => c !== undefined).length === 0) {
    fail(file, [
      {
        file,
        line: 1,
        reason: 'header must have Sample Name, Marker and Allele 1..n columns (GeneMapper export)',
      },
    ]);
  }
  const bySample = new Map<string, ImportedProfile>();
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index];
    if (onProgress !== undefined && index % PROGRESS_EVERY === 0) onProgress(index / lines.length);
    if (line.trim() === '') continue;
    const lineNo = index + 1;
    const f = splitRow(line, delimiter);
    const sample = f[iSample] ?? '';
    const marker = f[iMarker] ?? '';
    if (sample === '') {
      problems.push({ file, line: lineNo, reason: 'empty sample name' });
      continue;
    }
    const locus = canonicalLocus(marker);
    if (locus === undefined) {
      problems.push({ file, line: lineNo, reason: `unknown marker "${marker}"` });
      continue;
    }
    const raw: string[] = [];
    const heights: Array<number | undefined> = [];
    let bad: string | undefined;
    alleleCols.forEach((col, k) => {
      const value = f[col] ?? '';
      if (value === '') return;
      raw.push(value);
      const hCol = heightCols.get(k);
      const hText = hCol === undefined ? '' : (f[hCol] ?? '');
      if (hText === '') heights.push(undefined);
      else {
        const h = Number(hText);
        if (!Number.isFinite(h) || h < 0) bad ??= `height "${hText}" of allele ${value} is not a number`;
        heights.push(h);
      }
    });
    if (bad !== undefined) {
      problems.push({ file, line: lineNo, reason: `${locus}: ${bad}` });
      continue;
    }
    let entry = bySample.get(sample);
    if (entry === undefined) {
      entry = { id: sample, profile: { loci: {} }, line: lineNo };
      bySample.set(sample, entry);
    }
    if (entry.profile.loci[locus] !== undefined) {
      problems.push({ file, line: lineNo, reason: `sample ${sample}: marker ${locus} appears twice` });
      continue;
    }
    if (raw.length === 0) continue; // an untyped marker (no call) is not an error
    try {
      const { alleles, heights: h } = normaliseLocus(locus, raw, heights);
      entry.profile.loci[locus] = alleles;
      if (h) {
        entry.profile.heights ??= {};
        entry.profile.heights[locus] = h;
      }
    } catch (error) {
      problems.push({ file, line: lineNo, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const entry of bySample.values()) {
    if (Object.keys(entry.profile.loci).length === 0) {
      problems.push({ file, line: entry.line, reason: `sample ${entry.id} has no typed marker` });
    }
  }
  if (problems.length > 0) fail(file, problems);
  if (bySample.size === 0) fail(file, [{ file, line: 1, reason: 'no data rows' }]);
  onProgress?.(1);
  return [...bySample.values()];
}

/** A GeneMapper-style table (as `importGeneMapper` reads it), tab- or comma-separated. */
export function exportGeneMapper(
  profiles: ReadonlyArray<{ id: string; profile: StrProfile }>,
  delimiter: '\t' | ',' = '\t',
): string {
  let width = 2;
  for (const { profile } of profiles)
    for (const a of Object.values(profile.loci)) width = Math.max(width, a.length);
  const quote = (s: string) => (s.includes(delimiter) || s.includes('"') ? `"${s.replace(/"/g, '""')}"` : s);
  const header = ['Sample Name', 'Marker'];
  for (let i = 1; i <= width; i++) header.push(`Allele ${i}`);
  for (let i = 1; i <= width; i++) header.push(`Height ${i}`);
  const rows = [header.join(delimiter)];
  for (const { id, profile } of profiles) {
    for (const [locus, alleles] of Object.entries(profile.loci)) {
      const heights = profile.heights?.[locus];
      const cells = [quote(id), locus];
      for (let i = 0; i < width; i++) cells.push(alleles[i] ?? '');
      for (let i = 0; i < width; i++) cells.push(heights?.[i] === undefined ? '' : String(heights[i]));
      rows.push(cells.join(delimiter));
    }
  }
  return `${rows.join('\n')}\n`;
}

// ------------------------------------------------------------------------------------------------ JSON

/** JSON: one profile document, an array of them, or `{"profiles": [...]}`; each needs an `id`. */
export function importJson(
  text: string,
  file = '<input>',
  onProgress?: (fraction: number) => void,
): ImportedProfile[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    fail(file, [
      { file, line: 1, reason: `not valid JSON: ${error instanceof Error ? error.message : error}` },
    ]);
  }
  const items: unknown[] = Array.isArray(doc)
    ? doc
    : typeof doc === 'object' && doc !== null && Array.isArray((doc as { profiles?: unknown }).profiles)
      ? (doc as { profiles: unknown[] }).profiles
      : [doc];
  const problems: ImportProblem[] = [];
  const out: ImportedProfile[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (onProgress !== undefined && i % PROGRESS_EVERY === 0) onProgress(i / items.length);
    try {
      const named = parseNamedProfile(item);
      const id = named.id ?? (items.length === 1 ? 'profile' : undefined);
      if (id === undefined) throw new Error('profile has no "id"');
      if (seen.has(id)) throw new Error(`id ${id} appears twice`);
      seen.add(id);
      out.push({ id, profile: named.profile, line: i + 1 });
    } catch (error) {
      problems.push({
        file,
        line: i + 1,
        reason: `item ${i + 1}: ${error instanceof Error ? error.message : error}`,
      });
    }
  });
  if (problems.length > 0) fail(file, problems);
  onProgress?.(1);
  return out;
}

export function exportJson(profiles: ReadonlyArray<{ id: string; profile: StrProfile }>): string {
  const docs = profiles.map(({ id, profile }) =>
    profile.heights ? { id, loci: profile.loci, heights: profile.heights } : { id, loci: profile.loci },
  );
  return `${JSON.stringify({ profiles: docs }, null, 2)}\n`;
}

// ------------------------------------------------------------------------------------------------- CMF

const CMF_NS = 'urn:CODISImportFile-schema';

function xmlText(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Line number (1-based) of a character offset, by binary search over the newline offsets. */
function lineLocator(text: string): (offset: number) => number {
  const starts: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i);
  return (offset) => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** Elements named `tag` (namespace prefix allowed) directly or deeply inside `xml`, with offsets. */
function elements(xml: string, tag: string, base = 0): Array<{ body: string; offset: number }> {
  const re = new RegExp(`<(?:[\\w.-]+:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${tag}\\s*>`, 'g');
  const out: Array<{ body: string; offset: number }> = [];
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    out.push({ body: m[1], offset: base + m.index + m[0].indexOf('>') + 1 });
  }
  return out;
}

export function importCmf(
  text: string,
  file = '<input>',
  onProgress?: (fraction: number) => void,
): ImportedProfile[] {
  if (!/<(?:[\w.-]+:)?CODISImportFile[\s>]/.test(text)) {
    fail(file, [{ file, line: 1, reason: 'not a CMF file: no CODISImportFile root element' }]);
  }
  const lineAt = lineLocator(text);
  const problems: ImportProblem[] = [];
  const out: ImportedProfile[] = [];
  const seen = new Set<string>();
  for (const specimen of elements(text, 'SPECIMEN')) {
    if (onProgress !== undefined && out.length % PROGRESS_EVERY === 0)
      onProgress(specimen.offset / text.length);
    const line = lineAt(specimen.offset);
    const idElement = elements(specimen.body, 'SPECIMENID')[0];
    const id = idElement === undefined ? '' : xmlText(idElement.body);
    if (id === '') {
      problems.push({ file, line, reason: 'SPECIMEN without SPECIMENID' });
      continue;
    }
    if (seen.has(id)) {
      problems.push({ file, line, reason: `specimen ${id} appears twice` });
      continue;
    }
    seen.add(id);
    const profile: StrProfile = { loci: {} };
    for (const locusElement of elements(specimen.body, 'LOCUS', specimen.offset)) {
      const locusLine = lineAt(locusElement.offset);
      const nameElement = elements(locusElement.body, 'LOCUSNAME')[0];
      const name = nameElement === undefined ? '' : xmlText(nameElement.body);
      const locus = canonicalLocus(name);
      if (locus === undefined) {
        problems.push({ file, line: locusLine, reason: `specimen ${id}: unknown locus "${name}"` });
        continue;
      }
      if (profile.loci[locus] !== undefined) {
        problems.push({ file, line: locusLine, reason: `specimen ${id}: locus ${locus} appears twice` });
        continue;
      }
      const values = elements(locusElement.body, 'ALLELEVALUE').map((v) => xmlText(v.body));
      try {
        const { alleles } = normaliseLocus(locus, values);
        if (alleles.length > 0) profile.loci[locus] = alleles;
      } catch (error) {
        problems.push({
          file,
          line: locusLine,
          reason: `specimen ${id}: ${error instanceof Error ? error.message : error}`,
        });
      }
    }
    if (Object.keys(profile.loci).length === 0) {
      problems.push({ file, line, reason: `specimen ${id} has no typed locus` });
      continue;
    }
    out.push({ id, profile, line });
  }
  if (problems.length > 0) fail(file, problems);
  if (out.length === 0) fail(file, [{ file, line: 1, reason: 'no SPECIMEN element' }]);
  onProgress?.(1);
  return out;
}

export interface CmfHeader {
  destinationOri?: string;
  sourceLab?: string;
  submitByUserId?: string;
  /** ISO date-time; default now. */
  submitDateTime?: string;
  batchId?: string;
  kit?: string;
  /** SPECIMENCATEGORY of every specimen (CODIS category name); default "Forensic, Unknown". */
  specimenCategory?: string;
}

/** CODIS names differ from ours for a few loci. */
const CMF_LOCUS_NAMES: Record<string, string> = {
  vWA: 'VWA',
  Penta_C: 'PENTA_C',
  Penta_D: 'PENTA_D',
  Penta_E: 'PENTA_E',
};

export function exportCmf(
  profiles: ReadonlyArray<{ id: string; profile: StrProfile }>,
  header: CmfHeader = {},
): string {
  const when = header.submitDateTime ?? new Date().toISOString().slice(0, 19);
  const user = header.submitByUserId ?? 'IDMATCH';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<CODISImportFile xmlns="${CMF_NS}">`,
    '  <HEADERVERSION>3.2</HEADERVERSION>',
    '  <MESSAGETYPE>Import</MESSAGETYPE>',
    `  <DESTINATIONORI>${xmlEscape(header.destinationOri ?? '')}</DESTINATIONORI>`,
    `  <SOURCELAB>${xmlEscape(header.sourceLab ?? '')}</SOURCELAB>`,
    `  <SUBMITBYUSERID>${xmlEscape(user)}</SUBMITBYUSERID>`,
    `  <SUBMITDATETIME>${xmlEscape(when)}</SUBMITDATETIME>`,
  ];
  if (header.batchId) lines.push(`  <BATCHID>${xmlEscape(header.batchId)}</BATCHID>`);
  if (header.kit) lines.push(`  <KIT>${xmlEscape(header.kit)}</KIT>`);
  for (const { id, profile } of profiles) {
    lines.push('  <SPECIMEN>');
    lines.push(`    <SPECIMENID>${xmlEscape(id)}</SPECIMENID>`);
    lines.push(
      `    <SPECIMENCATEGORY>${xmlEscape(header.specimenCategory ?? 'Forensic, Unknown')}</SPECIMENCATEGORY>`,
    );
    for (const [locus, alleles] of Object.entries(profile.loci)) {
      lines.push('    <LOCUS>');
      lines.push(`      <LOCUSNAME>${xmlEscape(CMF_LOCUS_NAMES[locus] ?? locus)}</LOCUSNAME>`);
      lines.push(`      <READINGBY>${xmlEscape(user)}</READINGBY>`);
      lines.push(`      <READINGDATETIME>${xmlEscape(when)}</READINGDATETIME>`);
      for (const a of alleles)
        lines.push(`      <ALLELE><ALLELEVALUE>${xmlEscape(a)}</ALLELEVALUE></ALLELE>`);
      lines.push('    </LOCUS>');
    }
    lines.push('  </SPECIMEN>');
  }
  lines.push('</CODISImportFile>');
  return `${lines.join('\n')}\n`;
}

/** Exports in a format (`genemapper` writes tab-separated). */
export function exportProfiles(
  profiles: ReadonlyArray<{ id: string; profile: StrProfile }>,
  format: ImportFormat,
  header?: CmfHeader,
): string {
  if (format === 'genemapper') return exportGeneMapper(profiles);
  if (format === 'json') return exportJson(profiles);
  return exportCmf(profiles, header);
}
