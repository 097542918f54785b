/**
 * `idmatch face detect|embed|compare|search|eval` and `idmatch bench face`: the face pipeline on files.
 * (Searches against the service's galleries go through the store and the vector index; `face search`
 * here searches a folder of files in memory.)
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

import type { Command } from 'commander';

import { IdmError } from '../../engine/errors.js';
import {
  cosineSimilarity,
  similarityToFmr,
  similarityToLogLr,
  thresholdForFmr,
} from '../../engine/face/compare.js';
import type { LoadedModels } from '../../engine/face/models.js';
import { evaluatePairs, parsePairsCsv } from '../../engine/face/pairs.js';
import {
  type AnalysedFace,
  type FacePipeline,
  createFacePipeline,
  isEnrolable,
  largestEnrolableFace,
} from '../../engine/face/pipeline.js';
import { type GalleryEntry, searchGallery } from '../../engine/face/search.js';
import { loadModels } from '../../models/load.js';
import type { CommandGroups } from '../groups.js';
import { action, emit } from '../output.js';

interface ModelOptions {
  json?: boolean;
  models?: string;
  crop?: 'auto' | 'always' | 'never';
}

let session: Promise<{ models: LoadedModels; pipeline: FacePipeline }> | undefined;

/** One pipeline per CLI run; the sessions may use both cores here (no worker pool). */
function pipelineFor(options: ModelOptions): Promise<{ models: LoadedModels; pipeline: FacePipeline }> {
  session ??= loadModels({ manifestPath: options.models, intraOpThreads: 2 }).then((models) => ({
    models,
    pipeline: createFacePipeline(models, { cropMode: options.crop ?? 'auto' }),
  }));
  return session;
}

function readImage(path: string): Uint8Array {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new IdmError('IDM_NOT_FOUND', `image ${path} does not exist`);
  return readFileSync(path);
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

function faceSummary(face: AnalysedFace, withEmbedding: boolean) {
  return {
    box: {
      x: round(face.box.x, 1),
      y: round(face.box.y, 1),
      width: round(face.box.width, 1),
      height: round(face.box.height, 1),
    },
    score: round(face.score),
    landmarks: face.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)]),
    quality: {
      size: round(face.quality.size, 1),
      sharpness: round(face.quality.sharpness, 2),
      pose: round(face.quality.pose),
      brightness: round(face.quality.brightness),
      overall: round(face.quality.overall),
      flags: face.quality.flags,
    },
    enrolable: isEnrolable(face),
    ...(withEmbedding ? { embedding: Array.from(face.embedding, (v) => round(v, 6)) } : {}),
  };
}

/** The largest usable face of an image, or null. */
async function mainFace(pipeline: FacePipeline, path: string): Promise<AnalysedFace | null> {
  return largestEnrolableFace((await pipeline.analyse(readImage(path))).faces);
}

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.bmp', '.gif', '.avif']);

/** A gallery folder: sub-folders are subjects (several photos each), loose files are one subject each (file stem). */
function galleryFiles(dir: string): Array<{ subject: string; path: string }> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new IdmError('IDM_NOT_FOUND', `gallery folder ${dir} does not exist`);
  const out: Array<{ subject: string; path: string }> = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      for (const f of readdirSync(path).sort())
        if (IMAGE_EXT.has(extname(f).toLowerCase())) out.push({ subject: name, path: join(path, f) });
    } else if (IMAGE_EXT.has(extname(name).toLowerCase()))
      out.push({ subject: basename(name, extname(name)), path });
  }
  return out;
}

function withModelOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON document')
    .option(
      '--models <manifest>',
      'model manifest of a lab (default models/manifest.json or IDMATCH_FACE_MODELS)',
    )
    .option('--crop <mode>', 'treat images as tight face crops: auto|always|never', 'auto');
}

export function register(groups: CommandGroups): void {
  const { face, bench } = groups;

  withModelOptions(face.command('detect <image>').description('detect faces: boxes, 68 landmarks, quality'))
    .option('--max-faces <n>', 'at most this many faces', '100')
    .action(
      action(async (image: string, options: ModelOptions & { maxFaces: string }) => {
        const { pipeline } = await pipelineFor(options);
        const result = await pipeline.analyse(readImage(image), { maxFaces: Number(options.maxFaces) });
        const data = {
          image,
          width: result.width,
          height: result.height,
          faces: result.faces.map((f) => faceSummary(f, false)),
        };
        emit(options, data, () =>
          [
            `${image}: ${result.width}x${result.height}, ${result.faces.length} face(s)`,
            ...result.faces.map(
              (f, i) =>
                `  #${i + 1} box ${f.box.x.toFixed(0)},${f.box.y.toFixed(0)} ${f.box.width.toFixed(0)}x${f.box.height.toFixed(0)} score ${f.score.toFixed(2)} quality ${f.quality.overall.toFixed(2)}${f.quality.flags.length ? ` [${f.quality.flags.join(', ')}]` : ''}`,
            ),
          ].join('\n'),
        );
      }),
    );

  withModelOptions(face.command('embed <image>').description('embed every face (L2-normalised vectors)'))
    .option('--max-faces <n>', 'at most this many faces', '100')
    .action(
      action(async (image: string, options: ModelOptions & { maxFaces: string }) => {
        const { pipeline, models } = await pipelineFor(options);
        const result = await pipeline.analyse(readImage(image), { maxFaces: Number(options.maxFaces) });
        if (result.faces.length === 0) throw new IdmError('IDM_NO_FACE', `no face found in ${image}`);
        const data = {
          image,
          model: models.recogniser.name,
          faces: result.faces.map((f) => faceSummary(f, true)),
        };
        emit(options, data, () =>
          result.faces
            .map(
              (f, i) =>
                `#${i + 1} [${Array.from(f.embedding.slice(0, 4), (v) => v.toFixed(4)).join(', ')}, ...] (${f.embedding.length}-d)`,
            )
            .join('\n'),
        );
      }),
    );

  withModelOptions(
    face
      .command('compare <imageA> <imageB>')
      .description('1:1 verification of the largest usable face of each image'),
  )
    .option('--fmr <rate>', 'decide at the threshold of this false match rate', '0.001')
    .action(
      action(async (a: string, b: string, options: ModelOptions & { fmr: string }) => {
        const { pipeline, models } = await pipelineFor(options);
        const [fa, fb] = [await mainFace(pipeline, a), await mainFace(pipeline, b)];
        if (!fa || !fb) throw new IdmError('IDM_NO_FACE', `no usable face in ${!fa ? a : b}`);
        const similarity = cosineSimilarity(fa.embedding, fb.embedding);
        const threshold = thresholdForFmr(Number(options.fmr));
        const data = {
          imageA: a,
          imageB: b,
          model: models.recogniser.name,
          similarity: round(similarity, 4),
          fmr: similarityToFmr(similarity),
          log10Lr: round(similarityToLogLr(similarity)),
          threshold: round(threshold, 4),
          targetFmr: Number(options.fmr),
          match: similarity >= threshold,
        };
        emit(
          options,
          data,
          () =>
            `similarity ${data.similarity} (estimated FMR ${data.fmr.toExponential(1)}, log10 LR ${data.log10Lr}): ${data.match ? 'MATCH' : 'no match'} at FMR ${options.fmr} (threshold ${data.threshold})`,
        );
      }),
    );

  withModelOptions(
    face
      .command('search <probe> <galleryDir>')
      .description('1:N search of every face of a probe against a folder of images'),
  )
    .option('--limit <n>', 'candidates per face (investigation mode)', '50')
    .option('--threshold <similarity>', 'identification mode: only candidates at or above this similarity')
    .option('--fmr <rate>', 'identification mode: threshold chosen by false match rate')
    .action(
      action(
        async (
          probe: string,
          galleryDir: string,
          options: ModelOptions & { limit: string; threshold?: string; fmr?: string },
        ) => {
          const { pipeline } = await pipelineFor(options);
          const gallery: GalleryEntry[] = [];
          const skipped: string[] = [];
          for (const { subject, path } of galleryFiles(galleryDir)) {
            const f = await mainFace(pipeline, path);
            if (f) gallery.push({ subjectId: subject, sampleId: path, embedding: f.embedding });
            else skipped.push(path);
          }
          const threshold =
            options.threshold !== undefined
              ? Number(options.threshold)
              : options.fmr !== undefined
                ? thresholdForFmr(Number(options.fmr))
                : undefined;
          const probeResult = await pipeline.analyse(readImage(probe));
          if (probeResult.faces.length === 0) throw new IdmError('IDM_NO_FACE', `no face found in ${probe}`);
          const faces = probeResult.faces.map((f) => ({
            box: faceSummary(f, false).box,
            quality: round(f.quality.overall),
            candidates: searchGallery(f.embedding, gallery, { limit: Number(options.limit), threshold }).map(
              (c) => ({
                subjectId: c.subjectId,
                score: round(c.score, 4),
                sampleId: c.sampleId,
                fmr: similarityToFmr(c.score),
              }),
            ),
          }));
          const data = {
            probe,
            mode: threshold === undefined ? 'investigation' : 'identification',
            threshold,
            gallery: gallery.length,
            skipped,
            faces,
          };
          emit(options, data, () =>
            faces
              .map((f, i) =>
                [
                  `face #${i + 1}:`,
                  ...f.candidates
                    .slice(0, 10)
                    .map((c, r) => `  ${r + 1}. ${c.subjectId} ${c.score} (${c.sampleId})`),
                ].join('\n'),
              )
              .join('\n'),
          );
        },
      ),
    );

  withModelOptions(
    face.command('eval').description('verification accuracy on a pairs file (CSV image_a,image_b,same)'),
  )
    .requiredOption('--pairs <file>', 'CSV of image_a,image_b,same; paths relative to the file')
    .action(
      action(async (options: ModelOptions & { pairs: string }) => {
        if (!existsSync(options.pairs))
          throw new IdmError('IDM_NOT_FOUND', `pairs file ${options.pairs} does not exist`);
        const rows = parsePairsCsv(readFileSync(options.pairs, 'utf8'));
        const { pipeline } = await pipelineFor(options);
        const base = dirname(resolve(options.pairs));
        const report = await evaluatePairs(rows, async (image) => {
          try {
            return (await mainFace(pipeline, resolve(base, image)))?.embedding ?? null;
          } catch (error) {
            if (error instanceof IdmError && error.status < 500) return null; // unreadable image: failure to enrol
            throw error;
          }
        });
        emit(options, report, () =>
          [
            `pairs ${report.pairs}, failed to enrol ${report.failedToEnrol}`,
            `EER ${(100 * report.eer).toFixed(2)}%  AUC ${report.auc.toFixed(4)}  TAR@FAR1% ${(100 * report.tarAtFar1e2).toFixed(1)}%  TAR@FAR0.1% ${(100 * report.tarAtFar1e3).toFixed(1)}%`,
            'threshold   FAR      TAR',
            ...report.thresholds.map(
              (t) => `${t.threshold.toFixed(4)}    ${t.far.toFixed(4)}   ${t.tar.toFixed(4)}`,
            ),
          ].join('\n'),
        );
      }),
    );

  bench
    .command('face')
    .description('face accuracy (../shared/data/face) and throughput; writes bench/results/face.md')
    .option('--seconds <s>', 'seconds per throughput measurement', '10')
    .option('--no-faceapi', 'skip the face-api (tfjs) comparison')
    .option('--write-calibration', 'also write engine/face/calibration.json from the characters scores')
    .option('--json', 'print the report as JSON')
    .action(
      action(
        async (options: {
          seconds: string;
          faceapi: boolean;
          writeCalibration?: boolean;
          json?: boolean;
        }) => {
          const { runAndWrite, renderFaceBenchMarkdown } = await import('../../bench/face.js');
          const command = `idmatch bench face --seconds ${options.seconds}${options.faceapi ? '' : ' --no-faceapi'}${options.writeCalibration ? ' --write-calibration' : ''}`;
          const report = await runAndWrite(
            {
              seconds: Number(options.seconds),
              faceapi: options.faceapi,
              writeCalibration: options.writeCalibration,
            },
            command,
          );
          emit(options, report, () => renderFaceBenchMarkdown(report, command));
        },
      ),
    );
}
