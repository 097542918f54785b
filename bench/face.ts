/**
 * Face benchmark: accuracy on ../shared/data/face and speed on this machine.
 *
 *   node --import tsx bench/face.ts [--seconds 10] [--no-faceapi] [--write-calibration]
 *   idmatch bench face [same options]
 *
 * - Detection recall against the annotated nose positions and face counts of `compreface-samples`.
 * - Verification (EER, AUC, TAR at FAR) and leave-one-out rank-1 identification on `characters`.
 * - Group photos: every face searched against the characters' gallery.
 * - Throughput: photos per second from JPEG bytes to embedding, 640x480 photos with one face each, on
 *   one thread (CPU time, projected to two idle cores) and on a two-worker pool (wall clock); face-api on
 *   tfjs (WASM backend) on the same photos in the same run; and in how many photos each finds the face
 *   (a missed face still costs its time; CPU per face found charges that time to the faces found).
 * Writes bench/results/face.md; with --write-calibration also engine/face/calibration.json.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import sharp from 'sharp';

import { buildCalibration, type ScoreCalibration, thresholdForFmr } from '../engine/face/calibration.js';
import { evaluateVerification, type VerificationMetrics } from '../engine/face/evaluate.js';
import { type FaceAnalysis, createFacePipeline } from '../engine/face/pipeline.js';
import { type GalleryEntry, searchGallery } from '../engine/face/search.js';
import { cosineSimilarity } from '../engine/face/similarity.js';
import { loadFaceApi } from '../models/faceapi-tfjs.js';
import { loadDefaultModels } from '../models/load.js';

const here = dirname(fileURLToPath(import.meta.url));
export const defaultFaceDataDir = resolve(here, '..', '..', 'shared', 'data', 'face');

export interface FaceBenchOptions {
  dataDir?: string;
  /** Seconds per throughput measurement (default 10). */
  seconds?: number;
  /** Also time face-api on tfjs (default true). */
  faceapi?: boolean;
  writeCalibration?: boolean;
}

interface DetectionRow {
  file: string;
  expected: number;
  found: number;
  nosesMatched: number;
  falsePositives: number;
}

export interface FaceBenchReport {
  machine: string;
  detection?: {
    images: DetectionRow[];
    noses: number;
    nosesMatched: number;
    recall: number;
    exactCount: number;
    falsePositives: number;
  };
  characters?: {
    images: number;
    modes: Record<string, number>;
    verification: VerificationMetrics;
    rank1: number;
    rank1Probes: number;
    thresholdAtFmr1e2: number;
  };
  groups?: Array<{
    file: string;
    faces: number;
    identified: Array<{ subject: string; score: number }>;
    duplicateIdentities: number;
  }>;
  throughput: {
    images: number;
    singleThread: SequentialRate;
    pool: { workers: number; photosPerSecond: number; cpuMsPerImage: number };
    faceapi?: SequentialRate & { backend: string };
    /** 1-minute load average before and after the throughput runs (the machine is shared). */
    loadAverage: [number, number];
  };
  calibration?: ScoreCalibration;
  missing: string[];
}

/** One engine run photo after photo for a fixed time. */
export interface SequentialRate {
  /** Photos of the set (one untimed pass) in which a face was found. */
  setFound: number;
  /** Photos analysed in the timed run, and how many of them had a face found (one counted per photo). */
  photos: number;
  faces: number;
  photosPerSecond: number;
  msPerImage: number;
  /** Process CPU time (every thread: JavaScript, ONNX Runtime, libvips) per photo and per face found. */
  cpuMsPerImage: number;
  cpuMsPerFace: number;
}

function listImages(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
}

async function detectionBench(
  pipeline: ReturnType<typeof createFacePipeline>,
  dir: string,
): Promise<FaceBenchReport['detection']> {
  const annotations = JSON.parse(readFileSync(join(dir, 'annotations.json'), 'utf8')) as {
    images: Array<{ file: string; faceCount: number; noses: number[][] }>;
  };
  const rows: DetectionRow[] = [];
  for (const a of annotations.images) {
    const result = await pipeline.analyse(readFileSync(join(dir, a.file)));
    const used = new Set<number>();
    let matched = 0;
    for (const [nx, ny] of a.noses) {
      const i = result.faces.findIndex(
        (f, k) =>
          !used.has(k) &&
          nx >= f.box.x &&
          nx <= f.box.x + f.box.width &&
          ny >= f.box.y &&
          ny <= f.box.y + f.box.height,
      );
      if (i >= 0) {
        used.add(i);
        matched++;
      }
    }
    rows.push({
      file: a.file,
      expected: a.faceCount,
      found: result.faces.length,
      nosesMatched: matched,
      falsePositives: result.faces.length - used.size,
    });
  }
  const noses = rows.reduce((s, r) => s + r.expected, 0);
  const nosesMatched = rows.reduce((s, r) => s + r.nosesMatched, 0);
  return {
    images: rows,
    noses,
    nosesMatched,
    recall: nosesMatched / noses,
    exactCount: rows.filter((r) => r.found === r.expected).length,
    falsePositives: rows.reduce((s, r) => s + r.falsePositives, 0),
  };
}

interface Enrolled {
  subject: string;
  sample: string;
  embedding: Float32Array;
  flags: string[];
}

async function enrolCharacters(
  pipeline: ReturnType<typeof createFacePipeline>,
  dir: string,
): Promise<Enrolled[]> {
  const out: Enrolled[] = [];
  for (const subject of readdirSync(dir).sort()) {
    for (const file of listImages(join(dir, subject))) {
      const result = await pipeline.analyse(readFileSync(join(dir, subject, file)), { maxFaces: 1 });
      if (result.faces.length === 0) continue;
      out.push({
        subject,
        sample: `${subject}/${file}`,
        embedding: result.faces[0].embedding,
        flags: result.faces[0].quality.flags,
      });
    }
  }
  return out;
}

function verificationScores(enrolled: Enrolled[]): { genuine: number[]; impostor: number[] } {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < enrolled.length; i++) {
    for (let j = i + 1; j < enrolled.length; j++) {
      const s = cosineSimilarity(enrolled[i].embedding, enrolled[j].embedding);
      (enrolled[i].subject === enrolled[j].subject ? genuine : impostor).push(s);
    }
  }
  return { genuine, impostor };
}

function rank1(enrolled: Enrolled[]): number {
  let correct = 0;
  for (const probe of enrolled) {
    const gallery: GalleryEntry[] = enrolled
      .filter((e) => e !== probe)
      .map((e) => ({ subjectId: e.subject, sampleId: e.sample, embedding: e.embedding }));
    if (searchGallery(probe.embedding, gallery, { limit: 1 })[0]?.subjectId === probe.subject) correct++;
  }
  return correct;
}

/**
 * 640x480 JPEGs with one face each, cut from face-api's demo photos (always available): around each face
 * the pipeline finds in the full photos, a 4:3 window 2.2 face-box widths wide, kept unless another face
 * of the photo has its centre in it. The set is fixed by the full photos, not by what the engine under
 * test finds in the cuts, so a face it misses there counts as missed.
 */
export async function throughputImages(
  pipeline: ReturnType<typeof createFacePipeline>,
  demoDir: string,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const file of listImages(demoDir).filter((f) => f.startsWith('sample'))) {
    const photo = readFileSync(join(demoDir, file));
    const meta = await sharp(photo).metadata();
    const faces = (await pipeline.analyse(photo)).faces;
    for (const face of faces) {
      const width = Math.min(meta.width ?? 0, Math.round(face.box.width * 2.2));
      const height = Math.min(meta.height ?? 0, Math.round((width * 3) / 4));
      const left = Math.max(
        0,
        Math.min((meta.width ?? 0) - width, Math.round(face.box.x + face.box.width / 2 - width / 2)),
      );
      const top = Math.max(
        0,
        Math.min((meta.height ?? 0) - height, Math.round(face.box.y + face.box.height / 2 - height / 2)),
      );
      const inside = (f: (typeof faces)[number]) => {
        const cx = f.box.x + f.box.width / 2;
        const cy = f.box.y + f.box.height / 2;
        return cx >= left && cx <= left + width && cy >= top && cy <= top + height;
      };
      if (faces.some((other) => other !== face && inside(other))) continue;
      const jpeg = await sharp(photo)
        .extract({ left, top, width, height })
        .resize(640, 480, { fit: 'fill' })
        .jpeg({ quality: 90 })
        .toBuffer();
      out.push(new Uint8Array(jpeg));
    }
  }
  return out;
}

/**
 * `run` (JPEG bytes in, number of faces out) on the photos in turn for `seconds`, after one untimed pass
 * over the set (warm-up, and the count of photos whose face is found).
 */
async function timeSequential(
  run: (image: Uint8Array) => Promise<number>,
  images: Uint8Array[],
  seconds: number,
): Promise<SequentialRate> {
  let setFound = 0;
  for (const image of images) if ((await run(image)) > 0) setFound++;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let photos = 0;
  let faces = 0;
  while (performance.now() - start < seconds * 1000) {
    if ((await run(images[photos % images.length])) > 0) faces++;
    photos++;
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    setFound,
    photos,
    faces,
    photosPerSecond: (photos * 1000) / ms,
    msPerImage: ms / photos,
    cpuMsPerImage: cpuMs / photos,
    cpuMsPerFace: cpuMs / Math.max(1, faces),
  };
}

/**
 * A pool of worker threads as the service runs them (own sessions, one intra-op thread each), all
 * started together; photos per second of wall clock summed over the workers, and the process's CPU time
 * (both workers and every library thread) per photo.
 */
async function timePool(
  images: Uint8Array[],
  seconds: number,
  workers: number,
): Promise<{ photosPerSecond: number; cpuMsPerImage: number }> {
  const pool = Array.from(
    { length: workers },
    () =>
      // The worker registers tsx itself, so that it can load the TypeScript pipeline however we were started.
      new Worker(
        `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./face-worker.ts', import.meta.url).href)}); })`,
        { eval: true, workerData: { images, seconds } },
      ),
  );
  await Promise.all(pool.map((w) => new Promise((ok, fail) => w.once('message', ok).once('error', fail))));
  const done = pool.map(
    (w) =>
      new Promise<{ images: number; ms: number }>((ok, fail) => w.once('message', ok).once('error', fail)),
  );
  const cpu0 = process.cpuUsage();
  for (const w of pool) w.postMessage('go');
  const results = await Promise.all(done);
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(pool.map((w) => w.terminate()));
  const photos = results.reduce((s, r) => s + r.images, 0);
  return {
    photosPerSecond: results.reduce((s, r) => s + (r.images * 1000) / r.ms, 0),
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / photos,
  };
}

export async function runFaceBench(options: FaceBenchOptions = {}): Promise<FaceBenchReport> {
  const dataDir = options.dataDir ?? defaultFaceDataDir;
  const seconds = options.seconds ?? 10;
  const missing: string[] = [];
  const models = await loadDefaultModels({ intraOpThreads: 1 });
  const pipeline = createFacePipeline(models);
  const report: FaceBenchReport = {
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
    throughput: {
      images: 0,
      singleThread: {
        setFound: 0,
        photos: 0,
        faces: 0,
        photosPerSecond: 0,
        msPerImage: 0,
        cpuMsPerImage: 0,
        cpuMsPerFace: 0,
      },
      pool: { workers: 2, photosPerSecond: 0, cpuMsPerImage: 0 },
      loadAverage: [0, 0],
    },
    missing,
  };

  const step = (name: string) =>
    process.stderr.write(`bench face: ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  const t0 = performance.now();
  const compreface = join(dataDir, 'compreface-samples');
  if (existsSync(join(compreface, 'annotations.json')))
    report.detection = await detectionBench(pipeline, compreface);
  else missing.push(compreface);

  step('detection done');
  const characters = join(dataDir, 'characters');
  let gallery: GalleryEntry[] = [];
  if (existsSync(characters)) {
    const enrolled = await enrolCharacters(pipeline, characters);
    const modes: Record<string, number> = { detected: 0, 'padded-detection': 0, 'whole-crop': 0 };
    for (const e of enrolled) {
      const mode = e.flags.includes('whole-crop')
        ? 'whole-crop'
        : e.flags.includes('padded-detection')
          ? 'padded-detection'
          : 'detected';
      modes[mode]++;
    }
    const { genuine, impostor } = verificationScores(enrolled);
    const calibration = buildCalibration(impostor, genuine, {
      source: `characters set of ../shared/data/face (${enrolled.length} images, ${genuine.length} genuine and ${impostor.length} impostor pairs), bench/face.ts`,
      model: models.recogniser.name,
    });
    report.calibration = calibration;
    report.characters = {
      images: enrolled.length,
      modes,
      verification: evaluateVerification(genuine, impostor),
      rank1: rank1(enrolled),
      rank1Probes: enrolled.length,
      thresholdAtFmr1e2: thresholdForFmr(1e-2, calibration),
    };
    gallery = enrolled.map((e) => ({ subjectId: e.subject, sampleId: e.sample, embedding: e.embedding }));
  } else missing.push(characters);

  step('characters done');
  const groups = join(dataDir, 'group-photos');
  if (existsSync(groups) && report.characters) {
    const threshold = report.characters.thresholdAtFmr1e2;
    report.groups = [];
    for (const file of listImages(groups)) {
      const result: FaceAnalysis = await pipeline.analyse(readFileSync(join(groups, file)));
      const identified = result.faces
        .map((f) => searchGallery(f.embedding, gallery, { limit: 1, threshold })[0])
        .filter((c) => c !== undefined)
        .map((c) => ({ subject: c.subjectId, score: Number(c.score.toFixed(3)) }));
      const distinct = new Set(identified.map((c) => c.subject)).size;
      report.groups.push({
        file,
        faces: result.faces.length,
        identified,
        duplicateIdentities: identified.length - distinct,
      });
    }
  } else if (!existsSync(groups)) missing.push(groups);

  step('groups done');
  const demoDir = join(
    dirname(fileURLToPath(import.meta.resolve('@vladmandic/face-api/package.json'))),
    'demo',
  );
  const images = await throughputImages(pipeline, demoDir);
  report.throughput.images = images.length;
  step('throughput photos ready');
  report.throughput.loadAverage[0] = loadavg()[0];
  report.throughput.singleThread = await timeSequential(
    async (img) => (await pipeline.analyse(img)).faces.length,
    images,
    seconds,
  );
  await models.release();
  const pool = await timePool(images, seconds, report.throughput.pool.workers);
  report.throughput.pool = { ...report.throughput.pool, ...pool };

  step('IDMatch throughput done');
  if (options.faceapi !== false) {
    const faceapi = await loadFaceApi('wasm');
    const options050 = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
    const run = async (jpeg: Uint8Array) => {
      const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const t = faceapi.tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
      try {
        return (await faceapi.detectAllFaces(t, options050).withFaceLandmarks().withFaceDescriptors()).length;
      } finally {
        t.dispose();
      }
    };
    const r = await timeSequential(run, images, seconds);
    report.throughput.faceapi = { backend: `tfjs ${faceapi.tf.getBackend()}`, ...r };
  }

  report.throughput.loadAverage[1] = loadavg()[0];
  if (options.writeCalibration && report.calibration) {
    writeFileSync(
      resolve(here, '..', 'engine', 'face', 'calibration.json'),
      `${JSON.stringify(report.calibration, null, 2)}\n`,
    );
  }
  return report;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function renderFaceBenchMarkdown(report: FaceBenchReport, command: string): string {
  const lines = ['# Face benchmark', '', `Command: \`${command}\``, '', `Machine: ${report.machine}`, ''];
  if (report.missing.length) lines.push(`Skipped (data missing): ${report.missing.join(', ')}`, '');
  const d = report.detection;
  if (d) {
    lines.push('## Detection: compreface-samples', '');
    lines.push(
      `Nose recall ${d.nosesMatched}/${d.noses} = ${pct(d.recall)}; exact face count on ${d.exactCount}/${d.images.length} images; ${d.falsePositives} false positives.`,
      '',
    );
    lines.push(
      '| image | faces expected | found | noses matched | false positives |',
      '|---|---|---|---|---|',
    );
    for (const r of d.images)
      lines.push(`| ${r.file} | ${r.expected} | ${r.found} | ${r.nosesMatched} | ${r.falsePositives} |`);
    lines.push('');
  }
  const c = report.characters;
  if (c) {
    const v = c.verification;
    lines.push('## Verification and identification: characters (8 people x 5 crops)', '');
    lines.push(
      `Images embedded: ${c.images} (detector ${c.modes.detected}, padded re-detection ${c.modes['padded-detection']}, whole-crop fallback ${c.modes['whole-crop']}).`,
      '',
    );
    lines.push(
      '| pairs genuine/impostor | EER | AUC | TAR@FAR 1% | TAR@FAR 0.1% | rank-1 (leave-one-out, subject max fusion) |',
      '|---|---|---|---|---|---|',
    );
    lines.push(
      `| ${v.genuine}/${v.impostor} | ${pct(v.eer)} | ${v.auc.toFixed(4)} | ${pct(v.tarAtFar1e2)} | ${pct(v.tarAtFar1e3)} | ${c.rank1}/${c.rank1Probes} = ${pct(c.rank1 / c.rank1Probes)} |`,
      '',
    );
    lines.push(
      `Similarity threshold at FMR 1% (this calibration): ${c.thresholdAtFmr1e2.toFixed(3)}. EER threshold ${v.eerThreshold.toFixed(3)}.`,
      '',
    );
  }
  if (report.groups) {
    lines.push('## Group photos searched against the characters gallery (threshold at FMR 1%)', '');
    lines.push(
      '| photo | faces | identified (subject: score) | identities assigned twice |',
      '|---|---|---|---|',
    );
    for (const g of report.groups) {
      lines.push(
        `| ${g.file} | ${g.faces} | ${g.identified.map((i) => `${i.subject}: ${i.score}`).join(', ')} | ${g.duplicateIdentities} |`,
      );
    }
    lines.push(
      '',
      'The group photos have no identity labels; an identity assigned twice in one photo is certainly an error.',
      '',
    );
  }
  const t = report.throughput;
  const st = t.singleThread;
  lines.push('## Throughput: JPEG bytes to embeddings, 640x480, one face', '');
  lines.push(
    `${t.images} photos cut from @vladmandic/face-api demo images: one around each face found in the full photos whose cut holds no other face's centre, whatever the engines then find in it. A photo whose face is missed still costs its time; "CPU ms per face found" charges all the time to the faces found.`,
    '',
  );
  lines.push(
    `Load average (1 min) ${t.loadAverage[0].toFixed(1)} before and ${t.loadAverage[1].toFixed(1)} after the runs, on cores shared with other work: wall-clock rates are depressed by that load; CPU time (of the whole process: JavaScript, ONNX Runtime and libvips threads) much less, and 2 cores x 1000 / (CPU ms per photo) is the rate two idle cores would give.`,
    '',
  );
  lines.push(
    '| engine | face found in | photos/s (wall clock) | ms per photo (wall) | CPU ms per photo | photos/s projected on 2 idle cores | CPU ms per face found |',
    '|---|---|---|---|---|---|---|',
  );
  const projected = (cpuMs: number) => ((2 * 1000) / cpuMs).toFixed(1);
  const row = (name: string, r: SequentialRate) =>
    `| ${name} | ${r.setFound}/${t.images} | ${r.photosPerSecond.toFixed(1)} | ${r.msPerImage.toFixed(1)} | ${r.cpuMsPerImage.toFixed(1)} | ${projected(r.cpuMsPerImage)} | ${r.cpuMsPerFace.toFixed(1)} |`;
  lines.push(row('IDMatch ONNX, 1 thread', st));
  lines.push(
    `| IDMatch ONNX, pool of ${t.pool.workers} worker threads (1 intra-op thread each) | | ${t.pool.photosPerSecond.toFixed(1)} | | ${t.pool.cpuMsPerImage.toFixed(1)} | | |`,
  );
  if (t.faceapi) {
    const fa = t.faceapi;
    lines.push(row(`face-api (same nets), ${fa.backend}, 1 thread`, fa));
    lines.push(
      '',
      `Speed-up over face-api on tfjs (1 thread each): ${(fa.cpuMsPerImage / st.cpuMsPerImage).toFixed(1)}x in CPU time per photo, ${(st.photosPerSecond / fa.photosPerSecond).toFixed(1)}x in wall-clock rate.`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

export async function runAndWrite(options: FaceBenchOptions, command: string): Promise<FaceBenchReport> {
  const report = await runFaceBench(options);
  const dir = resolve(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'face.md'), renderFaceBenchMarkdown(report, command));
  return report;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const secondsAt = args.indexOf('--seconds');
  const options: FaceBenchOptions = {
    seconds: secondsAt >= 0 ? Number(args[secondsAt + 1]) : undefined,
    faceapi: !args.includes('--no-faceapi'),
    writeCalibration: args.includes('--write-calibration'),
  };
  const report = await runAndWrite(options, `node --import tsx bench/face.ts ${args.join(' ')}`.trim());
  process.stdout.write(
    renderFaceBenchMarkdown(report, `node --import tsx bench/face.ts ${args.join(' ')}`.trim()),
  );
}
