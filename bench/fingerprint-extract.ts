/**
 * Extractor benchmark: accuracy against the commercial ISO 19794-2 templates of FVC2002 DB1-4_B and
 * extraction speed.
 *
 *   npx tsx bench/fingerprint-extract.ts [--db DB1,DB3] [--limit N] [--data DIR] [--diagnose]
 *
 * Every reference template declares a 300x400 image at 197 px/cm because the images were resampled to
 * 300x400 before extraction, so reference coordinates are mapped back with x * width/300, y * height/400
 * (and directions through the same anisotropic scaling). A reference minutia is found when one of ours
 * lies within 10 px and 30 degrees (one-to-one, closest pairs first). `--diagnose` also sorts the reference
 * minutiae we miss by what our extractor has at their place (see `diagnoseDatabase`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  extractParameters,
  extractTemplate,
  extractWithDetails,
} from '../engine/fingerprint/extract/index.js';
import { isoAngle } from '../engine/fingerprint/extract/minutiae.js';
import { blockDistanceToBackground } from '../engine/fingerprint/extract/segmentation.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import { parseMinutiaeRecord } from '../engine/fingerprint/formats/minutiae-record.js';
import { decodeFingerprintImage } from '../engine/fingerprint/image.js';
import type { GrayImage, Minutia, MinutiaType } from '../engine/fingerprint/types.js';

export const DEFAULT_DATA_DIR = resolve(import.meta.dirname, '../../shared/data/fingerprint');
const DB_PPI: Record<string, number> = { DB1: 500, DB2: 569, DB3: 500, DB4: 500 };
const MATCH_DISTANCE_PX = 10;
const MATCH_ANGLE_RAD = (30 * Math.PI) / 180;

/** Decodes a sensor image at its own resolution (FVC2002 TIFFs carry no trustworthy density). */
export async function loadGray(path: string, ppi: number): Promise<GrayImage> {
  return decodeFingerprintImage(readFileSync(path), { ppi, keepResolution: true });
}

interface ReferenceMinutia {
  x: number;
  y: number;
  angleRad: number;
  type: MinutiaType;
}

function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return d > Math.PI ? 2 * Math.PI - d : d;
}

export interface PairCount {
  reference: number;
  ours: number;
  matched: number;
  /** Per reference minutia, 1 when one of ours was paired with it. */
  found?: Uint8Array;
}

/** One-to-one pairing within the distance and angle tolerances, closest pairs first. */
export function pairMinutiae(
  reference: ReferenceMinutia[],
  ours: Array<Pick<Minutia, 'x' | 'y' | 'angleRad'>>,
  angleOffset = 0,
): PairCount {
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < reference.length; i++) {
    for (let j = 0; j < ours.length; j++) {
      const d = Math.hypot(reference[i].x - ours[j].x, reference[i].y - ours[j].y);
      if (d > MATCH_DISTANCE_PX) continue;
      if (angleDiff(reference[i].angleRad + angleOffset, ours[j].angleRad) > MATCH_ANGLE_RAD) continue;
      pairs.push([d, i, j]);
    }
  }
  pairs.sort((p, q) => p[0] - q[0]);
  const usedR = new Uint8Array(reference.length);
  const usedO = new Uint8Array(ours.length);
  let matched = 0;
  for (const [, i, j] of pairs) {
    if (usedR[i] || usedO[j]) continue;
    usedR[i] = 1;
    usedO[j] = 1;
    matched++;
  }
  return { reference: reference.length, ours: ours.length, matched, found: usedR };
}

export interface DbResult {
  db: string;
  images: number;
  /** Share of the reference minutiae we find. */
  recall: number;
  /** Share of our minutiae the reference contains. */
  precision: number;
  meanOurs: number;
  meanReference: number;
  /** CPU milliseconds per image (one core). */
  meanMs: number;
  medianMs: number;
  /** Wall-clock milliseconds per image (inflated when the machine is busy). */
  meanWallMs: number;
  meanQuality: number;
}

/** An FVC2002 image and its reference minutiae mapped onto it (see the header). */
async function loadPair(
  imageDir: string,
  isoDir: string,
  name: string,
  db: string,
): Promise<{ image: GrayImage; reference: ReferenceMinutia[] }> {
  const image = await loadGray(join(imageDir, `${name}.tif`), DB_PPI[db] ?? 500);
  const [iso] = parseMinutiaeRecord(readFileSync(join(isoDir, `${name}.iso`)));
  const sx = image.width / iso.width;
  const sy = image.height / iso.height;
  const reference = iso.minutiae.map((m) => {
    let a = Math.atan2(Math.sin(m.angleRad) * sy, Math.cos(m.angleRad) * sx);
    if (a < 0) a += 2 * Math.PI;
    return { ...m, x: m.x * sx, y: m.y * sy, angleRad: a };
  });
  return { image, reference };
}

export async function benchDatabase(dataDir: string, db: string, limit = Infinity): Promise<DbResult> {
  const imageDir = join(dataDir, 'fvc2002', `${db}_B`);
  const isoDir = join(dataDir, 'iso19794-2', 'fvc2002', `${db}_B`);
  const names: string[] = [];
  for (let f = 101; f <= 110; f++) for (let i = 1; i <= 8; i++) names.push(`${f}_${i}`);
  let total: PairCount = { reference: 0, ours: 0, matched: 0 };
  const times: number[] = [];
  let quality = 0;
  let images = 0;
  let wall = 0;
  // Warm-up (untimed): the first calls run in the interpreter before V8 optimises the hot loops.
  const warm = await loadGray(join(imageDir, `${names[0]}.tif`), DB_PPI[db] ?? 500);
  for (let k = 0; k < 5; k++) extractTemplate(warm);
  for (const name of names.slice(0, limit)) {
    const { image, reference } = await loadPair(imageDir, isoDir, name, db);
    // CPU time of this thread (user + system), not wall time: the machine is shared, and the target is
    // "per image per core".
    const start = process.cpuUsage();
    const wallStart = performance.now();
    const template = extractTemplate(image);
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
    wall += performance.now() - wallStart;
    const c = pairMinutiae(reference, template.minutiae);
    total = {
      reference: total.reference + c.reference,
      ours: total.ours + c.ours,
      matched: total.matched + c.matched,
    };
    quality += template.quality;
    images++;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    db,
    images,
    recall: total.matched / Math.max(1, total.reference),
    precision: total.matched / Math.max(1, total.ours),
    meanOurs: total.ours / images,
    meanReference: total.reference / images,
    meanMs: times.reduce((a, b) => a + b, 0) / images,
    medianMs: sorted[sorted.length >> 1],
    meanWallMs: wall / images,
    meanQuality: quality / images,
  };
}

/** Where a missed reference minutia falls, judged in this order (first match wins). */
export const MISS_CATEGORIES = [
  'outside our foreground mask',
  'in the mask, within the border margin of its edge',
  'one of ours within 10 px, direction off by more than 30 deg',
  'one of ours within 10 px, already paired with another reference minutia',
  'a candidate of ours within 10 px, removed by a rule',
  'no candidate within 10 px, orientation coherence under 0.3',
  'no candidate within 10 px, one of ours at 10-16 px',
  'nothing within 16 px, clear ridges: a reference ending in our valley',
  'nothing within 16 px, clear ridges: a reference ending on our ridge',
  'nothing within 16 px, clear ridges: a reference bifurcation on our ridge',
  'nothing within 16 px, clear ridges: a reference bifurcation in our valley',
] as const;

export interface MissDiagnosis {
  db: string;
  images: number;
  reference: number;
  matched: number;
  /** Count per entry of MISS_CATEGORIES. */
  misses: number[];
  /** Category 5 split by the rule that removed the nearest candidate. */
  byRule: Record<string, number>;
  /** Share of the reference with any candidate of ours (kept or removed, crossings aside) within 10 px
   * and 30 deg: what no choice of removal rules can exceed. */
  candidateCeiling: number;
}

/**
 * Sorts the reference minutiae we miss by what the extractor has at their place: outside or at the edge of
 * our mask, a minutia of ours nearby with another direction, a candidate a false-minutia rule removed,
 * or no candidate at all (with our binary ridge or valley at the point).
 */
export async function diagnoseDatabase(
  dataDir: string,
  db: string,
  limit = Infinity,
): Promise<MissDiagnosis> {
  const imageDir = join(dataDir, 'fvc2002', `${db}_B`);
  const isoDir = join(dataDir, 'iso19794-2', 'fvc2002', `${db}_B`);
  const names: string[] = [];
  for (let f = 101; f <= 110; f++) for (let i = 1; i <= 8; i++) names.push(`${f}_${i}`);
  const out: MissDiagnosis = {
    db,
    images: 0,
    reference: 0,
    matched: 0,
    misses: MISS_CATEGORIES.map(() => 0),
    byRule: {},
    candidateCeiling: 0,
  };
  let ceiling = 0;
  for (const name of names.slice(0, limit)) {
    const { image, reference } = await loadPair(imageDir, isoDir, name, db);
    const details = extractWithDetails(image);
    const ours = details.template.minutiae;
    const { found } = pairMinutiae(reference, ours);
    const candidates = details.candidates.filter((c) => c.removed !== 'crossing');
    ceiling += pairMinutiae(
      reference,
      candidates.map((c) => ({ x: c.x, y: c.y, angleRad: isoAngle(c.dx, c.dy) })),
    ).matched;
    const { width, height } = image;
    const mask = details.segmentation.pixels;
    const border = blockDistanceToBackground(mask, width, height);
    const margin = (extractParameters.borderMarginPx * image.ppi) / extractParameters.referencePpi;
    const { blockSize, blocksX } = details.segmentation.grid;
    out.images++;
    out.reference += reference.length;
    reference.forEach((r, k) => {
      if (found?.[k]) {
        out.matched++;
        return;
      }
      const x = Math.round(r.x);
      const y = Math.round(r.y);
      const inside = x >= 0 && y >= 0 && x < width && y < height;
      const p = y * width + x;
      const near = (list: Array<{ x: number; y: number }>, radius: number) => {
        let best = -1;
        let bestD = radius;
        list.forEach((o, j) => {
          const d = Math.hypot(o.x - r.x, o.y - r.y);
          if (d <= bestD) {
            bestD = d;
            best = j;
          }
        });
        return best;
      };
      let category: number;
      if (!inside || !mask[p]) category = 0;
      else if (border[p] < margin) category = 1;
      else {
        const kept = near(ours, MATCH_DISTANCE_PX);
        const removed = near(
          candidates.filter((c) => c.removed),
          MATCH_DISTANCE_PX,
        );
        if (kept >= 0) {
          category = angleDiff(ours[kept].angleRad, r.angleRad) > MATCH_ANGLE_RAD ? 2 : 3;
        } else if (removed >= 0) {
          category = 4;
          const rule = candidates.filter((c) => c.removed)[removed].removed ?? '?';
          out.byRule[rule] = (out.byRule[rule] ?? 0) + 1;
        } else if (
          details.orientation.blockCoherence[((y / blockSize) | 0) * blocksX + ((x / blockSize) | 0)] < 0.3
        ) {
          category = 5;
        } else if (near(ours, 1.6 * MATCH_DISTANCE_PX) >= 0) category = 6;
        else {
          const ridge = details.binary.pixels[p] === 1;
          category = r.type === 'bifurcation' ? (ridge ? 9 : 10) : ridge ? 8 : 7;
        }
      }
      out.misses[category]++;
    });
  }
  out.candidateCeiling = ceiling / Math.max(1, out.reference);
  return out;
}

export function formatDiagnosis(d: MissDiagnosis): string {
  const pct = (n: number) => `${((100 * n) / Math.max(1, d.reference)).toFixed(1)}%`;
  const missed = d.reference - d.matched;
  const lines = [
    `${d.db}: ${d.images} images, ${d.reference} reference minutiae, ${missed} missed (${pct(missed)}); any candidate of ours within 10 px / 30 deg: ${(100 * d.candidateCeiling).toFixed(1)}%`,
    '| reference minutia missed: what we have there | count | share of reference |',
    '|---|---|---|',
  ];
  MISS_CATEGORIES.forEach((label, k) => {
    let text: string = label;
    if (k === 4) {
      const rules = Object.entries(d.byRule)
        .sort((a, b) => b[1] - a[1])
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ');
      text = `${label} (${rules})`;
    }
    lines.push(`| ${text} | ${d.misses[k]} | ${pct(d.misses[k])} |`);
  });
  return lines.join('\n');
}

export async function runExtractBench(
  options: { dbs?: string[]; limit?: number; dataDir?: string } = {},
): Promise<DbResult[]> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const probe = join(dataDir, 'fvc2002');
  if (!existsSync(probe)) throw new Error(`FVC2002 data not found at ${probe}`);
  const results: DbResult[] = [];
  for (const db of options.dbs ?? ['DB1', 'DB2', 'DB3', 'DB4'])
    results.push(await benchDatabase(dataDir, db, options.limit));
  return results;
}

export interface SynthSpeed {
  fingers: number;
  impressionsPerFinger: number;
  /** CPU milliseconds per master finger. */
  masterMs: number;
  /** CPU milliseconds per impression. */
  impressionMs: number;
  /** CPU milliseconds to extract one synthetic impression. */
  extractMs: number;
}

/** Generator speed on `fingers` synthetic fingers (after one warm-up finger). */
export function benchSynth(fingers = 10, impressionsPerFinger = 4): SynthSpeed {
  synthesizeImpressions(synthesizeFinger(0), 1, 0);
  const cpu = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let start = process.cpuUsage();
  const masters = Array.from({ length: fingers }, (_, k) => synthesizeFinger(k + 1));
  const masterMs = cpu(start) / fingers;
  start = process.cpuUsage();
  const impressions = masters.flatMap((m, k) => synthesizeImpressions(m, impressionsPerFinger, k));
  const impressionMs = cpu(start) / impressions.length;
  start = process.cpuUsage();
  for (const impression of impressions) extractTemplate(impression.image);
  const extractMs = cpu(start) / impressions.length;
  return { fingers, impressionsPerFinger, masterMs, impressionMs, extractMs };
}

export function formatResults(results: DbResult[]): string {
  const lines = [
    '| DB | images | ref minutiae found (recall) | ours in ref (precision) | ours/img | ref/img | CPU ms mean | CPU ms median | wall ms mean | mean quality |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.db} | ${r.images} | ${(100 * r.recall).toFixed(1)}% | ${(100 * r.precision).toFixed(1)}% | ${r.meanOurs.toFixed(1)} | ${r.meanReference.toFixed(1)} | ${r.meanMs.toFixed(1)} | ${r.medianMs.toFixed(1)} | ${r.meanWallMs.toFixed(1)} | ${r.meanQuality.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const get = (flag: string) => {
    const k = args.indexOf(flag);
    return k >= 0 ? args[k + 1] : undefined;
  };
  const dbs = get('--db')?.split(',');
  const limit = get('--limit') ? Number(get('--limit')) : undefined;
  if (args.includes('--diagnose')) {
    for (const db of dbs ?? ['DB1', 'DB2', 'DB3', 'DB4'])
      console.log(
        `${formatDiagnosis(await diagnoseDatabase(get('--data') ?? DEFAULT_DATA_DIR, db, limit))}\n`,
      );
    process.exit(0);
  }
  const results = await runExtractBench({ dbs, limit, dataDir: get('--data') });
  console.log(formatResults(results));
  const synth = benchSynth();
  console.log(
    `\nsynthetic: ${synth.masterMs.toFixed(1)} ms CPU per master finger, ${synth.impressionMs.toFixed(1)} ms per impression, ${synth.extractMs.toFixed(1)} ms to extract one (${synth.fingers} fingers x ${synth.impressionsPerFinger})`,
  );
}
