/**
 * Fingerprint 1:N identification benchmark: accuracy of the two-stage search against an exhaustive
 * search of the same gallery, time per probe, memory per finger, the FAISS binary index as the
 * candidate stage, tenprint fusion, and the NIST latent against its mate hidden in a large gallery.
 *
 *   npx tsx bench/fingerprint-identify.ts [--n 100000] [--probes 40] [--generated 1000] [--exhaustive 1040]
 *     [--tenprint 1000] [--time-at 1000000] [--rerank-sweep] [--no-faiss] [--no-latent] [--json]
 *
 * Gallery fingers. The SFinGe-style generator takes ~160 ms per master finger (~0.3 s with the image and
 * extraction), so a gallery of 10^5-10^6 generator fingers cannot be built here; every gallery holds
 * `--generated` extracted generator fingers (default 1,000) and its bulk is *synthetic minutiae sets*
 * (syntheticFinger below: minutiae at ridge-like spacing inside a finger-shaped area, directions from a
 * Sherlock-Monro orientation model with cores and deltas), and the mated fingers are generator fingers:
 * two impressions of one master, each rendered to an image and run through our extractor. Generator
 * masters are cached in the OS temp folder (they are deterministic by seed).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { extractTemplate } from '../engine/fingerprint/extract/index.js';
import { parseTransaction } from '../engine/fingerprint/formats/ansi-nist.js';
import { decodeNistImage, fingerImages } from '../engine/fingerprint/formats/ansi-nist-images.js';
import {
  codeCandidates,
  FingerprintGallery,
  type GallerySnapshot,
  identificationCode,
  identifyParameters,
  latentCandidateCount,
  rerank,
  SharedStrings,
  sharedStringAt,
  searchSnapshot,
  searchTenprint,
} from '../engine/fingerprint/identify/index.js';
import { extractLatentTemplate } from '../engine/fingerprint/latent/index.js';
import { prepareTemplate } from '../engine/fingerprint/match/index.js';
import { latentCrop, synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import { mixSeed, seededRandom } from '../engine/fingerprint/synth/random.js';
import type { FingerprintTemplate, Minutia } from '../engine/fingerprint/types.js';

export const LATENT_FILE = resolve(
  import.meta.dirname,
  '../../shared/data/fingerprint/ansi-nist/type-13-14-latent-match.an2',
);

const WIDTH = 320;
const HEIGHT = 416;

// --- synthetic minutiae sets

/** A finger as a minutiae set: true minutiae of a synthetic finger in its own frame. */
export interface MinutiaeFinger {
  minutiae: Minutia[];
}

function orientationAt(
  x: number,
  y: number,
  cores: Array<[number, number]>,
  deltas: Array<[number, number]>,
  base: number,
): number {
  // Sherlock & Monro (1993): half the sum of the angles to the cores minus those to the deltas.
  let a = base;
  for (const [cx, cy] of cores) a += 0.5 * Math.atan2(y - cy, x - cx);
  for (const [dx, dy] of deltas) a -= 0.5 * Math.atan2(y - dy, x - dx);
  return a;
}

/** A synthetic finger as minutiae only (cheap: ~50 us), deterministic by seed. */
export function syntheticFinger(seed: number): MinutiaeFinger {
  const rng = seededRandom(mixSeed(seed, 0x5f1d));
  const cx = WIDTH / 2 + rng.normal(0, 10);
  const cy = HEIGHT / 2 + rng.normal(0, 10);
  const a = rng.uniform(115, 145);
  const b = rng.uniform(150, 190);
  const kind = rng.next();
  const cores: Array<[number, number]> = [];
  const deltas: Array<[number, number]> = [];
  const core: [number, number] = [cx + rng.normal(0, 25), cy - 30 + rng.normal(0, 25)];
  if (kind < 0.65) {
    cores.push(core);
    deltas.push([
      core[0] + (rng.next() < 0.5 ? -1 : 1) * rng.uniform(60, 110),
      core[1] + rng.uniform(70, 130),
    ]);
  } else if (kind < 0.93) {
    cores.push(core, [core[0] + rng.normal(0, 8), core[1] + rng.uniform(15, 35)]);
    deltas.push([core[0] - rng.uniform(70, 110), core[1] + rng.uniform(70, 120)]);
    deltas.push([core[0] + rng.uniform(70, 110), core[1] + rng.uniform(70, 120)]);
  }
  const base = kind < 0.93 ? rng.normal(0, 0.15) : rng.normal(0, 0.1);
  const wave = rng.uniform(0.2, 0.5);
  const count = Math.round(rng.uniform(35, 75));
  const minutiae: Minutia[] = [];
  const minDistance = 14;
  for (let tries = 0; minutiae.length < count && tries < count * 40; tries++) {
    const u = rng.uniform(-1, 1);
    const v = rng.uniform(-1, 1);
    if (u * u + v * v > 1) continue;
    const x = cx + u * a;
    const y = cy + v * b;
    if (minutiae.some((m) => (m.x - x) ** 2 + (m.y - y) ** 2 < minDistance * minDistance)) continue;
    let theta =
      cores.length > 0
        ? orientationAt(x, y, cores, deltas, base)
        : base + wave * Math.sin(((x - cx) / a) * Math.PI) * Math.exp(-(((y - cy) / b) ** 2));
    theta += rng.normal(0, 0.05);
    // A ridge ending or bifurcation points along the ridge, either way.
    const angle = -theta + (rng.next() < 0.5 ? 0 : Math.PI);
    minutiae.push({
      x: Math.round(x),
      y: Math.round(y),
      angleRad: ((angle % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI),
      type: rng.next() < 0.55 ? 'ending' : 'bifurcation',
      quality: Math.round(rng.uniform(40, 100)),
    });
  }
  return { minutiae };
}

export interface ImpressionNoise {
  /** Share of the finger the impression covers (1 = all; a latent ~0.3). */
  area?: number;
  /** Share of true minutiae missed, and spurious minutiae added (as a share of the kept ones). */
  missed?: number;
  spurious?: number;
}

/**
 * An impression of a minutiae finger: rotation (+-20 deg), translation (+-30 px), a smooth elastic
 * distortion, position and direction noise, missed and spurious minutiae, a partial contact area.
 */
export function minutiaeImpression(
  finger: MinutiaeFinger,
  seed: number,
  noise: ImpressionNoise = {},
  position?: number,
): FingerprintTemplate {
  const rng = seededRandom(mixSeed(seed, 0x1b2c));
  const rot = rng.uniform(-1, 1) * ((20 * Math.PI) / 180);
  const cos = Math.cos(rot);
  const sin = Math.sin(rot);
  const tx = rng.uniform(-30, 30);
  const ty = rng.uniform(-30, 30);
  const area = noise.area ?? rng.uniform(0.75, 1);
  const missed = noise.missed ?? 0.12;
  const spurious = noise.spurious ?? 0.08;
  // Contact window: an ellipse of the requested share of the finger, placed at random inside it.
  const wa = 140 * Math.sqrt(area);
  const wb = 185 * Math.sqrt(area);
  const wx = WIDTH / 2 + rng.uniform(-1, 1) * (140 - wa) * 0.8;
  const wy = HEIGHT / 2 + rng.uniform(-1, 1) * (185 - wb) * 0.8;
  const bend = [rng.normal(0, 4), rng.normal(0, 4), rng.normal(0, 4), rng.normal(0, 4)];
  const out: Minutia[] = [];
  const cx = WIDTH / 2;
  const cy = HEIGHT / 2;
  for (const m of finger.minutiae) {
    if (((m.x - wx) / wa) ** 2 + ((m.y - wy) / wb) ** 2 > 1) continue;
    if (rng.next() < missed) continue;
    // Smooth distortion growing away from the centre, then the rigid motion.
    const u = (m.x - cx) / 160;
    const v = (m.y - cy) / 208;
    const dx = bend[0] * u * u + bend[1] * u * v + rng.normal(0, 1.5);
    const dy = bend[2] * v * v + bend[3] * u * v + rng.normal(0, 1.5);
    const px = m.x + dx - cx;
    const py = m.y + dy - cy;
    out.push({
      x: Math.round(cx + cos * px - sin * py + tx),
      y: Math.round(cy + sin * px + cos * py + ty),
      // Image y is down: a clockwise image rotation by rot turns ISO (counter-clockwise) angles by -rot.
      angleRad: (((m.angleRad - rot + rng.normal(0, 0.08)) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI),
      type: rng.next() < 0.1 ? (m.type === 'ending' ? 'bifurcation' : 'ending') : m.type,
      quality: m.quality,
    });
  }
  const extra = Math.round(out.length * spurious);
  for (let k = 0; k < extra; k++) {
    const t = rng.uniform(0, 2 * Math.PI);
    const r = Math.sqrt(rng.next());
    out.push({
      x: Math.round(wx + tx + r * wa * Math.cos(t)),
      y: Math.round(wy + ty + r * wb * Math.sin(t)),
      angleRad: rng.uniform(0, 2 * Math.PI),
      type: rng.next() < 0.5 ? 'ending' : 'bifurcation',
      quality: 40,
    });
  }
  return { width: WIDTH + 80, height: HEIGHT + 80, ppi: 500, quality: 60, minutiae: out, position };
}

// --- generator fingers (cached: a master costs ~160 ms)

export interface GeneratorFinger {
  seed: number;
  /** Extracted templates of impression 0 (gallery) and 1 (probe), and of a latent crop of impression 1. */
  gallery: FingerprintTemplate;
  probe: FingerprintTemplate;
  latent: FingerprintTemplate;
}

const CACHE_DIR = join(tmpdir(), 'idmatch-fp-identify-cache');

/** Generator fingers seeds seed0..seed0+count-1, extracted; cached on disk by seed. */
export function generatorFingers(count: number, seed0 = 7000, cache = true): GeneratorFinger[] {
  const out: GeneratorFinger[] = [];
  if (cache) mkdirSync(CACHE_DIR, { recursive: true });
  for (let k = 0; k < count; k++) {
    const seed = seed0 + k;
    const file = join(CACHE_DIR, `finger-${seed}.json`);
    if (cache && existsSync(file)) {
      out.push(JSON.parse(readFileSync(file, 'utf8')) as GeneratorFinger);
      continue;
    }
    const [a, b] = synthesizeImpressions(synthesizeFinger(seed), 2, seed);
    const finger: GeneratorFinger = {
      seed,
      gallery: extractTemplate(a.image),
      probe: extractTemplate(b.image),
      latent: extractTemplate(latentCrop(b, seed).image),
    };
    if (cache) writeFileSync(file, JSON.stringify(finger));
    out.push(finger);
  }
  return out;
}

/**
 * Gallery-only generator fingers (one impression, extracted), for an honest background: ~0.3 s each,
 * cached on disk by seed.
 */
export function generatorBackground(count: number, seed0 = 100_000, cache = true): FingerprintTemplate[] {
  const out: FingerprintTemplate[] = [];
  if (cache) mkdirSync(CACHE_DIR, { recursive: true });
  for (let k = 0; k < count; k++) {
    const seed = seed0 + k;
    const file = join(CACHE_DIR, `background-${seed}.json`);
    if (cache && existsSync(file)) {
      out.push(JSON.parse(readFileSync(file, 'utf8')) as FingerprintTemplate);
      continue;
    }
    const [a] = synthesizeImpressions(synthesizeFinger(seed), 1, seed);
    const template = extractTemplate(a.image);
    if (cache) writeFileSync(file, JSON.stringify(template));
    out.push(template);
  }
  return out;
}

// --- the benchmark

export interface IdentifyBenchOptions {
  /** Background fingers (synthetic minutiae sets) in the gallery. */
  n: number;
  /** Generator fingers (mates) in the gallery, each searched with its second impression. */
  probes: number;
  /** Generator fingers (extracted, not mated) in every gallery: the realistic part of the background. */
  generated: number;
  /** Gallery size over which two-stage and exhaustive search are compared (0 = skip). */
  exhaustive: number;
  /** Measure the FAISS binary flat index as the candidate stage (when the addon is built). */
  faiss: boolean;
  /** Run the NIST latent (when the file is present). */
  nistLatent: boolean;
  /** Tenprint subjects (0 = skip). */
  tenprintSubjects: number;
  /** Also time searches over a snapshot of this many entries replicating the gallery (0 = skip). */
  timeAt: number;
  /** Extra candidatesToRerank values tried on the minutiae-set probes (rank-1 and time for each). */
  rerankSweep?: number[];
  log?: (line: string) => void;
}

export interface RankStats {
  probes: number;
  rank1: number;
  rank10: number;
  /** Mean and 95th percentile milliseconds per probe (single thread). */
  meanMs: number;
  p95Ms: number;
}

export interface IdentifyBenchReport {
  options: Omit<IdentifyBenchOptions, 'log'>;
  gallerySize: number;
  buildSeconds: number;
  bytesPerFinger: number;
  meanMinutiae: number;
  finger: RankStats & { codeStageMs: number; rerankMs: number; candidatesToRerank: number };
  fingerMinutiaeSets: RankStats;
  rerankSweep?: Array<{ candidatesToRerank: number } & RankStats>;
  latentSynthetic: RankStats & { candidatesToRerank: number };
  exhaustive?: {
    gallerySize: number;
    twoStage: RankStats;
    exhaustive: RankStats;
    latentTwoStage: RankStats;
    latentExhaustive: RankStats;
    /** Minutiae-set probes (when the small gallery holds minutiae sets). */
    setsTwoStage?: RankStats;
    setsExhaustive?: RankStats;
  };
  faiss?: {
    available: boolean;
    message?: string;
    buildSeconds?: number;
    searchMs?: number;
    rank1?: number;
    overlapWithCodeStage?: number;
  };
  tenprint?: { subjects: number; probes: number; rank1: number; meanMs: number };
  timing?: {
    entries: number;
    fingerMs: number;
    /** CPU time of the same searches (less sensitive to other processes on the machine). */
    fingerCpuMs: number;
    fingerP95Ms: number;
    codeStageMs: number;
    latentMs: number;
    positionKnownMs: number;
  };
  nistLatent?: {
    present: boolean;
    rank?: number;
    mateScore?: number;
    bestImpostorScore?: number;
    latentMinutiae?: number;
    mateMinutiae?: number;
    ms?: number;
  };
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
}

function stats(ranks: number[], times: number[]): RankStats {
  const n = ranks.length;
  return {
    probes: n,
    rank1: n ? ranks.filter((r) => r === 1).length / n : 0,
    rank10: n ? ranks.filter((r) => r >= 1 && r <= 10).length / n : 0,
    meanMs: times.length ? times.reduce((a, b) => a + b, 0) / times.length : 0,
    p95Ms: quantile(times, 0.95),
  };
}

function rankOf(list: Array<{ id: string }>, id: string): number {
  const i = list.findIndex((c) => c.id === id);
  return i < 0 ? 0 : i + 1;
}

/** Ids: mates `mate-<seed>`, generator background `gen-<k>`, minutiae-set background `bg-<k>`. */
export function buildGallery(
  background: number,
  mates: GeneratorFinger[],
  generated: FingerprintTemplate[] = [],
  log: (line: string) => void = () => {},
): FingerprintGallery {
  // Packed templates of these fingers take ~9.4-10 kB: reserved whole, a 1M gallery never regrows.
  const gallery = new FingerprintGallery(background + mates.length + generated.length, 10_240);
  for (const m of mates) gallery.add(`mate-${m.seed}`, m.gallery);
  for (const [k, t] of generated.entries()) gallery.add(`gen-${k}`, t);
  for (let k = 0; k < background; k++) {
    const finger = syntheticFinger(k);
    gallery.add(`bg-${k}`, minutiaeImpression(finger, mixSeed(k, 1)));
    if ((k + 1) % 100_000 === 0) log(`  ${k + 1} background fingers`);
  }
  return gallery;
}

async function faissStage(
  snapshot: GallerySnapshot,
  probes: Array<{ id: string; template: FingerprintTemplate }>,
  keep: number,
  log: (line: string) => void,
): Promise<IdentifyBenchReport['faiss']> {
  let faiss: typeof import('../native/faiss.js');
  try {
    faiss = await import('../native/faiss.js');
    faiss.nativeInfo();
  } catch (error) {
    return { available: false, message: (error as Error).message };
  }
  const bytes = snapshot.codeWords * 4;
  const t0 = performance.now();
  const index = faiss.BinaryIndex.create(bytes * 8, 'BFlat');
  const codes = new Uint8Array(snapshot.codes, 0, snapshot.count * bytes);
  await index.add(
    codes,
    BigInt64Array.from({ length: snapshot.count }, (_, i) => BigInt(i)),
  );
  const buildSeconds = (performance.now() - t0) / 1000;
  log(`  FAISS BFlat built in ${buildSeconds.toFixed(1)} s`);
  let hits = 0;
  let overlap = 0;
  const times: number[] = [];
  for (const p of probes) {
    const prepared = prepareTemplate(p.template);
    const code = new Uint8Array(identificationCode(prepared).buffer);
    const t = performance.now();
    const result = await index.search(code, keep);
    times.push(performance.now() - t);
    const slots = Int32Array.from(result.labels, (l) => Number(l)).filter((s) => s >= 0);
    const codeStage = new Set(codeCandidates(snapshot, prepared, keep).slots);
    overlap += slots.filter((s) => codeStage.has(s)).length / Math.max(1, codeStage.size);
    const scores = rerank(snapshot, prepared, slots);
    let best = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
    if (slots.length && sharedStringAt(snapshot.ids, slots[best]) === p.id) hits++;
  }
  await index.close();
  return {
    available: true,
    buildSeconds,
    searchMs: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
    rank1: hits / Math.max(1, probes.length),
    overlapWithCodeStage: overlap / Math.max(1, probes.length),
  };
}

export async function runIdentifyBench(options: IdentifyBenchOptions): Promise<IdentifyBenchReport> {
  const log = options.log ?? (() => {});
  const { log: _log, ...plain } = options;
  log(`generator fingers: ${options.probes} (cached in ${CACHE_DIR})`);
  const mates = generatorFingers(options.probes);
  const generated = generatorBackground(options.generated);
  log(
    `building gallery: ${options.n} minutiae sets + ${generated.length} generator fingers + ${mates.length} mates`,
  );
  const t0 = performance.now();
  const gallery = buildGallery(options.n, mates, generated, log);
  const buildSeconds = (performance.now() - t0) / 1000;
  const snapshot = gallery.snapshot();
  let minutiae = 0;
  for (const m of mates) minutiae += m.gallery.minutiae.length;
  for (let k = 0; k < Math.min(options.n, 1000); k++) minutiae += syntheticFinger(k).minutiae.length;
  const report: IdentifyBenchReport = {
    options: plain,
    gallerySize: gallery.size,
    buildSeconds,
    bytesPerFinger: gallery.usedBytes / gallery.size,
    meanMinutiae: minutiae / (mates.length + Math.min(options.n, 1000)),
    finger: { ...stats([], []), codeStageMs: 0, rerankMs: 0, candidatesToRerank: identifyParameters.fingerCandidates },
    fingerMinutiaeSets: stats([], []),
    latentSynthetic: { ...stats([], []), candidatesToRerank: latentCandidateCount(snapshot.count) },
  };
  log(`built in ${buildSeconds.toFixed(1)} s, ${report.bytesPerFinger.toFixed(0)} bytes per finger`);

  // Single-finger probes: the generator mates (second impression, extracted).
  {
    const ranks: number[] = [];
    const times: number[] = [];
    let codeMs = 0;
    let rerankMs = 0;
    for (const m of mates) {
      const t = performance.now();
      const list = searchSnapshot(snapshot, m.probe, { mode: 'finger' });
      times.push(performance.now() - t);
      ranks.push(rankOf(list, `mate-${m.seed}`));
      // The two stages timed apart on the same probe.
      const prepared = prepareTemplate(m.probe);
      const t1 = performance.now();
      const { slots } = codeCandidates(snapshot, prepared, identifyParameters.fingerCandidates);
      const t2 = performance.now();
      rerank(snapshot, prepared, slots);
      codeMs += t2 - t1;
      rerankMs += performance.now() - t2;
    }
    report.finger = {
      ...stats(ranks, times),
      codeStageMs: codeMs / Math.max(1, mates.length),
      rerankMs: rerankMs / Math.max(1, mates.length),
      candidatesToRerank: Math.min(identifyParameters.fingerCandidates, snapshot.count),
    };
    log(
      `finger: rank-1 ${(100 * report.finger.rank1).toFixed(1)}% in ${report.finger.meanMs.toFixed(0)} ms/probe`,
    );
  }
  // Probes that are second impressions of background minutiae sets.
  {
    const ranks: number[] = [];
    const times: number[] = [];
    const count = Math.min(options.n, options.probes);
    for (let j = 0; j < count; j++) {
      const k = Math.floor(((j + 0.5) * options.n) / count);
      const probe = minutiaeImpression(syntheticFinger(k), mixSeed(k, 2));
      const t = performance.now();
      const list = searchSnapshot(snapshot, probe, { mode: 'finger' });
      times.push(performance.now() - t);
      ranks.push(rankOf(list, `bg-${k}`));
    }
    report.fingerMinutiaeSets = stats(ranks, times);
    for (const candidatesToRerank of options.rerankSweep ?? []) {
      const r2: number[] = [];
      const t2: number[] = [];
      for (let j = 0; j < count; j++) {
        const k = Math.floor(((j + 0.5) * options.n) / count);
        const probe = minutiaeImpression(syntheticFinger(k), mixSeed(k, 2));
        const t = performance.now();
        r2.push(rankOf(searchSnapshot(snapshot, probe, { mode: 'finger', candidatesToRerank }), `bg-${k}`));
        t2.push(performance.now() - t);
      }
      report.rerankSweep = [...(report.rerankSweep ?? []), { candidatesToRerank, ...stats(r2, t2) }];
      log(`  re-ranking ${candidatesToRerank}: rank-1 ${(100 * stats(r2, t2).rank1).toFixed(1)}%`);
    }
    log(`minutiae-set fingers: rank-1 ${(100 * report.fingerMinutiaeSets.rank1).toFixed(1)}%`);
  }
  // Synthetic latents: a partial crop of the second impression, through the extractor.
  {
    const ranks: number[] = [];
    const times: number[] = [];
    for (const m of mates) {
      const t = performance.now();
      const list = searchSnapshot(snapshot, m.latent, { mode: 'latent' });
      times.push(performance.now() - t);
      ranks.push(rankOf(list, `mate-${m.seed}`));
    }
    report.latentSynthetic = { ...stats(ranks, times), candidatesToRerank: latentCandidateCount(snapshot.count) };
    log(`synthetic latents: rank-1 ${(100 * report.latentSynthetic.rank1).toFixed(1)}%`);
  }
  // Two-stage against exhaustive on the same (smaller) gallery.
  if (options.exhaustive > 0) {
    const small = buildGallery(
      Math.max(0, options.exhaustive - mates.length - generated.length),
      mates,
      generated.slice(0, Math.max(0, options.exhaustive - mates.length)),
    ).snapshot();
    const run = (mode: 'finger' | 'latent', exhaustive: boolean) => {
      const ranks: number[] = [];
      const times: number[] = [];
      for (const m of mates) {
        const t = performance.now();
        const list = searchSnapshot(small, mode === 'finger' ? m.probe : m.latent, {
          mode,
          candidatesToRerank: exhaustive ? small.count : undefined,
        });
        times.push(performance.now() - t);
        ranks.push(rankOf(list, `mate-${m.seed}`));
      }
      return stats(ranks, times);
    };
    const sets = Math.max(0, options.exhaustive - mates.length - generated.length);
    const runSets = (exhaustive: boolean) => {
      const ranks: number[] = [];
      const times: number[] = [];
      const count = Math.min(sets, options.probes);
      for (let j = 0; j < count; j++) {
        const k = Math.floor(((j + 0.5) * sets) / count);
        const probe = minutiaeImpression(syntheticFinger(k), mixSeed(k, 2));
        const t = performance.now();
        const list = searchSnapshot(small, probe, { mode: 'finger', candidatesToRerank: exhaustive ? small.count : undefined });
        times.push(performance.now() - t);
        ranks.push(rankOf(list, `bg-${k}`));
      }
      return stats(ranks, times);
    };
    report.exhaustive = {
      gallerySize: small.count,
      twoStage: run('finger', false),
      exhaustive: run('finger', true),
      latentTwoStage: run('latent', false),
      latentExhaustive: run('latent', true),
      ...(sets > 0 ? { setsTwoStage: runSets(false), setsExhaustive: runSets(true) } : {}),
    };
    const e = report.exhaustive;
    log(
      `exhaustive over ${small.count}: finger ${(100 * e.twoStage.rank1).toFixed(1)}% vs ${(100 * e.exhaustive.rank1).toFixed(1)}%, latent ${(100 * e.latentTwoStage.rank1).toFixed(1)}% vs ${(100 * e.latentExhaustive.rank1).toFixed(1)}%`,
    );
  }
  if (options.faiss) {
    report.faiss = await faissStage(
      snapshot,
      mates.map((m) => ({ id: `mate-${m.seed}`, template: m.probe })),
      200,
      log,
    );
  }
  if (options.timeAt > 0) report.timing = timeReplicated(snapshot, mates, options.timeAt, log);
  if (options.tenprintSubjects > 0)
    report.tenprint = tenprintBench(options.tenprintSubjects, Math.min(20, options.tenprintSubjects));
  if (options.nistLatent) report.nistLatent = await nistLatentBench(gallery, log);
  return report;
}

/**
 * Time only: a snapshot of `entries` slots that repeats the gallery's codes and templates (the same
 * templates shared, not copied) and gives every slot one of the 10 finger positions in turn, so that
 * the code stage scans `entries` real codes. Accuracy over it means nothing and is not reported.
 */
export function timeReplicated(
  base: GallerySnapshot,
  mates: GeneratorFinger[],
  entries: number,
  log: (line: string) => void = () => {},
): IdentifyBenchReport['timing'] {
  const cw = base.codeWords;
  const codes = new Uint32Array(new SharedArrayBuffer(entries * cw * 4));
  const baseCodes = new Uint32Array(base.codes, 0, base.count * cw);
  for (let at = 0; at < entries; at += base.count)
    codes.set(baseCodes.subarray(0, Math.min(base.count, entries - at) * cw), at * cw);
  const repeat = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(
    src: T,
    make: (b: SharedArrayBuffer) => T,
  ) => {
    const out = make(new SharedArrayBuffer(entries * src.BYTES_PER_ELEMENT));
    for (let i = 0; i < entries; i++) out[i] = src[i % base.count];
    return out;
  };
  const positions = new Uint8Array(new SharedArrayBuffer(entries));
  for (let i = 0; i < entries; i++) positions[i] = 1 + (i % 10);
  const replicatedIds = new SharedStrings();
  for (let i = 0; i < entries; i++) replicatedIds.push(sharedStringAt(base.ids, i % base.count));
  const big: GallerySnapshot = {
    ...base,
    count: entries,
    codes: codes.buffer as SharedArrayBuffer,
    codeBits: repeat(new Uint16Array(base.codeBits), (b) => new Uint16Array(b)).buffer as SharedArrayBuffer,
    subjects: repeat(new Int32Array(base.subjects), (b) => new Int32Array(b)).buffer as SharedArrayBuffer,
    alive: repeat(new Uint8Array(base.alive), (b) => new Uint8Array(b)).buffer as SharedArrayBuffer,
    offsets: repeat(new Uint32Array(base.offsets), (b) => new Uint32Array(b)).buffer as SharedArrayBuffer,
    positions: positions.buffer as SharedArrayBuffer,
    ids: replicatedIds.snapshot(),
  };
  log(`timing over ${entries} replicated entries`);
  const finger: number[] = [];
  const latent: number[] = [];
  const known: number[] = [];
  let codeMs = 0;
  let cpuMs = 0;
  for (const m of mates.slice(0, 10)) {
    let t = performance.now();
    const cpu = process.cpuUsage();
    searchSnapshot(big, m.probe, { mode: 'finger' });
    finger.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    cpuMs += (used.user + used.system) / 1000;
    t = performance.now();
    codeCandidates(big, prepareTemplate(m.probe), identifyParameters.fingerCandidates);
    codeMs += performance.now() - t;
    t = performance.now();
    searchSnapshot(big, m.latent, { mode: 'latent' });
    latent.push(performance.now() - t);
    t = performance.now();
    searchSnapshot(big, { ...m.probe, position: 3 }, { mode: 'finger' });
    known.push(performance.now() - t);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  const timing = {
    entries,
    fingerMs: mean(finger),
    fingerP95Ms: quantile(finger, 0.95),
    fingerCpuMs: cpuMs / Math.max(1, finger.length),
    codeStageMs: codeMs / Math.max(1, finger.length),
    latentMs: mean(latent),
    positionKnownMs: mean(known),
  };
  log(
    `  finger ${timing.fingerMs.toFixed(0)} ms (code stage ${timing.codeStageMs.toFixed(0)}), latent ${timing.latentMs.toFixed(0)} ms, known position ${timing.positionKnownMs.toFixed(0)} ms`,
  );
  return timing;
}

/** Tenprint: `subjects` persons x 10 minutiae-set fingers; probes are second impressions of the first ones. */
export function tenprintBench(subjects: number, probes: number): IdentifyBenchReport['tenprint'] {
  const gallery = new FingerprintGallery(subjects * 10);
  for (let s = 0; s < subjects; s++) {
    for (let f = 1; f <= 10; f++) {
      const finger = syntheticFinger(mixSeed(s, f, 0x7e9));
      gallery.add(`s${s}-f${f}`, minutiaeImpression(finger, mixSeed(s, f, 1)), {
        position: f,
        subjectId: `s${s}`,
      });
    }
  }
  const snapshot = gallery.snapshot();
  let hits = 0;
  let ms = 0;
  for (let s = 0; s < probes; s++) {
    // Hard probes: small, noisy impressions, so that single fingers alone often fail.
    const probe = Array.from({ length: 10 }, (_, i) => ({
      position: i + 1,
      template: minutiaeImpression(syntheticFinger(mixSeed(s, i + 1, 0x7e9)), mixSeed(s, i + 1, 2), {
        area: 0.3,
        missed: 0.3,
        spurious: 0.3,
      }),
    }));
    const t = performance.now();
    const list = searchTenprint(snapshot, probe);
    ms += performance.now() - t;
    if (list[0]?.subjectId === `s${s}`) hits++;
  }
  return { subjects, probes, rank1: hits / probes, meanMs: ms / probes };
}

/** The NIST latent (Type-13) against a gallery holding its mate (Type-14) among the bench's fingers. */
export async function nistLatentBench(
  gallery: FingerprintGallery,
  log: (line: string) => void = () => {},
): Promise<IdentifyBenchReport['nistLatent']> {
  if (!existsSync(LATENT_FILE)) return { present: false };
  const { latent, mate } = await loadNistLatentPair();
  gallery.add('nist-mate', mate);
  const snapshot = gallery.snapshot();
  const t = performance.now();
  const list = searchSnapshot(snapshot, latent, { mode: 'latent' });
  const ms = performance.now() - t;
  const rank = rankOf(list, 'nist-mate');
  gallery.remove('nist-mate');
  const mateScore = list.find((c) => c.id === 'nist-mate')?.score;
  const bestImpostorScore = list.find((c) => c.id !== 'nist-mate')?.score;
  log(
    `NIST latent: rank ${rank || '>50'} (mate score ${mateScore?.toFixed(2) ?? '-'}) in ${ms.toFixed(0)} ms`,
  );
  return {
    present: true,
    rank,
    mateScore,
    bestImpostorScore,
    latentMinutiae: latent.minutiae.length,
    mateMinutiae: mate.minutiae.length,
    ms,
  };
}

/** The latent and its mated exemplar of the NIST Type-13/14 file, through our extractor. */
export async function loadNistLatentPair(): Promise<{
  latent: FingerprintTemplate;
  mate: FingerprintTemplate;
}> {
  const tx = parseTransaction(readFileSync(LATENT_FILE));
  const images = fingerImages(tx);
  const latentEntry = images.find((e) => e.role === 'latent');
  const mateEntry = images.find((e) => e.role === 'exemplar');
  if (!latentEntry || !mateEntry) throw new Error(`${LATENT_FILE} lacks a latent or an exemplar`);
  // As the service reads it: minutiae only from the latent's ridge region (engine/fingerprint/latent).
  const latent = extractLatentTemplate(await decodeNistImage(tx, latentEntry.record));
  const mate = extractTemplate(await decodeNistImage(tx, mateEntry.record));
  return { latent, mate: { ...mate, position: mateEntry.positions[0] } };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatIdentifyBench(r: IdentifyBenchReport): string {
  const lines = [
    `gallery ${r.gallerySize} fingers (${r.options.n} synthetic minutiae sets + ${r.options.generated} generator fingers + ${r.options.probes} generator mates), built in ${r.buildSeconds.toFixed(1)} s`,
    `memory ${r.bytesPerFinger.toFixed(0)} bytes per finger (mean ${r.meanMinutiae.toFixed(1)} minutiae)`,
    `finger probes (generator, extracted): rank-1 ${pct(r.finger.rank1)}, rank-10 ${pct(r.finger.rank10)}, ${r.finger.meanMs.toFixed(0)} ms/probe (p95 ${r.finger.p95Ms.toFixed(0)}; code stage ${r.finger.codeStageMs.toFixed(0)} ms + re-rank of ${r.finger.candidatesToRerank} ${r.finger.rerankMs.toFixed(0)} ms)`,
    `finger probes (minutiae sets): rank-1 ${pct(r.fingerMinutiaeSets.rank1)}, ${r.fingerMinutiaeSets.meanMs.toFixed(0)} ms/probe`,
    ...(r.rerankSweep ?? []).map(
      (w) => `  minutiae sets, ${w.candidatesToRerank} re-ranked: rank-1 ${pct(w.rank1)}, ${w.meanMs.toFixed(0)} ms/probe`,
    ),
    `synthetic latents (extracted crops): rank-1 ${pct(r.latentSynthetic.rank1)}, rank-10 ${pct(r.latentSynthetic.rank10)}, ${r.latentSynthetic.meanMs.toFixed(0)} ms/probe (${r.latentSynthetic.candidatesToRerank} re-ranked)`,
  ];
  if (r.exhaustive) {
    const e = r.exhaustive;
    lines.push(
      `two-stage vs exhaustive over ${e.gallerySize} fingers: finger rank-1 ${pct(e.twoStage.rank1)} vs ${pct(e.exhaustive.rank1)} (${e.twoStage.meanMs.toFixed(0)} vs ${e.exhaustive.meanMs.toFixed(0)} ms); latent rank-1 ${pct(e.latentTwoStage.rank1)} vs ${pct(e.latentExhaustive.rank1)}`,
    );
    if (e.setsTwoStage && e.setsExhaustive)
      lines.push(
        `  minutiae-set probes (${e.setsTwoStage.probes}): rank-1 ${pct(e.setsTwoStage.rank1)} two-stage vs ${pct(e.setsExhaustive.rank1)} exhaustive`,
      );
  }
  if (r.faiss) {
    lines.push(
      r.faiss.available
        ? `FAISS BFlat (Hamming) candidate stage: ${r.faiss.searchMs?.toFixed(1)} ms/probe, rank-1 after re-rank ${pct(r.faiss.rank1 ?? 0)}, overlap with the code stage top-200 ${pct(r.faiss.overlapWithCodeStage ?? 0)}`
        : `FAISS: not available (${r.faiss.message})`,
    );
  }
  if (r.timing) {
    const t = r.timing;
    lines.push(
      `time at ${t.entries} entries (gallery replicated; time only): finger probe, all positions ${t.fingerMs.toFixed(0)} ms (CPU ${t.fingerCpuMs?.toFixed(0) ?? "-"} ms, p95 ${t.fingerP95Ms.toFixed(0)}, code stage ${t.codeStageMs.toFixed(0)}); finger probe, position known (1/10 of entries) ${t.positionKnownMs.toFixed(0)} ms; latent ${t.latentMs.toFixed(0)} ms`,
    );
  }
  if (r.tenprint)
    lines.push(
      `tenprint: ${r.tenprint.subjects} subjects x 10 fingers, ${r.tenprint.probes} hard probes: rank-1 ${pct(r.tenprint.rank1)}, ${r.tenprint.meanMs.toFixed(0)} ms/probe`,
    );
  if (r.nistLatent) {
    const l = r.nistLatent;
    lines.push(
      l.present
        ? `NIST latent vs mate + ${r.gallerySize} fingers: rank ${l.rank || '>50'} (mate score ${l.mateScore?.toFixed(2) ?? 'not listed'}, best impostor ${l.bestImpostorScore?.toFixed(2) ?? '-'}; latent ${l.latentMinutiae} minutiae, mate ${l.mateMinutiae})`
        : `NIST latent: ${LATENT_FILE} absent`,
    );
  }
  return lines.join('\n');
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer`);
  return n;
}

async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const report = await runIdentifyBench({
    n: flag(args, '--n', 100_000),
    probes: flag(args, '--probes', 40),
    generated: flag(args, '--generated', 1_000),
    exhaustive: flag(args, '--exhaustive', 1_040),
    faiss: !args.includes('--no-faiss'),
    nistLatent: !args.includes('--no-latent'),
    tenprintSubjects: flag(args, '--tenprint', 1_000),
    timeAt: flag(args, '--time-at', 0),
    rerankSweep: args.includes('--rerank-sweep') ? [500, 1000, 2000] : [],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatIdentifyBench(report)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
