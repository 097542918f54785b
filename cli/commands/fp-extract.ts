/**
 * `idmatch fp extract|quality|synth` and `idmatch bench fp-extract`: the minutiae extractor, the image
 * quality score and the synthetic fingerprint generator from the command line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { benchSynth, formatResults, runExtractBench } from '../../bench/fingerprint-extract.js';
import { IdmError } from '../../engine/errors.js';
import { extractWithDetails } from '../../engine/fingerprint/extract/index.js';
import {
  parseMinutiaeRecord,
  writeAnsi378Record,
  writeIsoRecord,
} from '../../engine/fingerprint/formats/minutiae-record.js';
import { decodeFingerprintImage, encodePng } from '../../engine/fingerprint/image.js';
import { latentCrop, synthesizeFinger, synthesizeImpressions } from '../../engine/fingerprint/synth/index.js';
import { mixSeed } from '../../engine/fingerprint/synth/random.js';
import { templateJson } from '../../engine/fingerprint/template-json.js';
import type { FingerprintTemplate } from '../../engine/fingerprint/types.js';
import type { CommandGroups } from '../groups.js';
import { parsePositive, readInputFile } from '../inputs.js';
import { action, emit } from '../output.js';

const RECORD_MAGIC = [0x46, 0x4d, 0x52, 0x00]; // "FMR\0": ISO 19794-2 and ANSI 378 minutiae records



/** An image is extracted; a minutiae record (ISO or ANSI) is parsed into the same shape. */
async function templateOf(bytes: Uint8Array, ppi: number | undefined): Promise<FingerprintTemplate> {
  if (RECORD_MAGIC.every((b, i) => bytes[i] === b)) {
    const views = parseMinutiaeRecord(bytes);
    if (!views.length) throw new IdmError('IDM_TEMPLATE_FORMAT', 'the minutiae record holds no finger view');
    return views[0];
  }
  const image = await decodeFingerprintImage(bytes, { ppi, keepResolution: true });
  return extractWithDetails(image).template;
}

interface ExtractOptions {
  ppi?: string;
  format?: string;
  out?: string;
  json?: boolean;
}

interface SynthOptions {
  fingers: string;
  impressions: string;
  out: string;
  seed?: string;
  latent?: boolean;
  json?: boolean;
}

export function register(groups: CommandGroups): void {
  groups.fp
    .command('extract <input>')
    .description('minutiae of a fingerprint image (or the contents of an ISO 19794-2 / ANSI 378 record)')
    .option('--ppi <n>', 'scan resolution, overriding the file')
    .option(
      '--format <format>',
      'output: json, iso (ISO 19794-2:2005) or ansi378 (ANSI INCITS 378-2004)',
      'json',
    )
    .option('--out <file>', 'write the output to a file instead of stdout')
    .option('--json', 'machine-readable output')
    .action(
      action(async (input: string, options: ExtractOptions) => {
        const format = options.format ?? 'json';
        if (!['json', 'iso', 'ansi378'].includes(format)) {
          throw new IdmError('IDM_VALIDATION', `--format must be json, iso or ansi378, got ${format}`);
        }
        const template = await templateOf(readInputFile(input), parsePositive(options.ppi, '--ppi'));
        const document = templateJson(template);
        if (format === 'json') {
          if (options.out) writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);
          if (!options.out || options.json) {
            emit(options, document, () =>
              [
                `${input}: ${template.width}x${template.height} at ${template.ppi} ppi, quality ${template.quality}, ${template.minutiae.length} minutiae`,
                ...template.minutiae.map(
                  (m) =>
                    `  ${m.type.padEnd(11)} x=${String(m.x).padStart(4)} y=${String(m.y).padStart(4)} angle=${((m.angleRad * 180) / Math.PI).toFixed(0).padStart(3)} deg q=${m.quality}`,
                ),
              ].join('\n'),
            );
          } else {
            process.stdout.write(`wrote ${options.out}: ${template.minutiae.length} minutiae\n`);
          }
          return;
        }
        if (!options.out)
          throw new IdmError('IDM_VALIDATION', `--format ${format} writes a binary record: give --out FILE`);
        const record = format === 'iso' ? writeIsoRecord(template) : writeAnsi378Record(template);
        writeFileSync(options.out, record);
        emit(
          options,
          { ...document, format, out: options.out, bytes: record.length },
          () =>
            `wrote ${options.out}: ${format} record, ${record.length} bytes, ${template.minutiae.length} minutiae`,
        );
      }),
    );

  groups.fp
    .command('quality <image>')
    .description('image quality 0-100 (in the spirit of NFIQ 2) with the features behind it')
    .option('--ppi <n>', 'scan resolution, overriding the file')
    .option('--json', 'machine-readable output')
    .action(
      action(async (path: string, options: { ppi?: string; json?: boolean }) => {
        const image = await decodeFingerprintImage(readInputFile(path), {
          ppi: parsePositive(options.ppi, '--ppi'),
          keepResolution: true,
        });
        const details = extractWithDetails(image);
        const result = {
          width: image.width,
          height: image.height,
          ppi: image.ppi,
          quality: details.quality.score,
          features: details.quality.features,
          minutiae: details.template.minutiae.length,
        };
        emit(options, result, () =>
          [
            `${path}: quality ${result.quality}`,
            ...Object.entries(result.features).map(([k, v]) => `  ${k.padEnd(22)} ${v.toFixed(3)}`),
          ].join('\n'),
        );
      }),
    );

  groups.fp
    .command('synth')
    .description('synthetic fingerprints (SFinGe-like): PNG impressions with their true minutiae')
    .requiredOption('--fingers <n>', 'number of fingers')
    .requiredOption('--impressions <m>', 'impressions per finger')
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <s>', 'seed of the whole set', '1')
    .option(
      '--latent',
      'also write a latent-like partial crop of each first impression (<finger>_latent.png)',
    )
    .option('--json', 'machine-readable output')
    .action(
      action(async (options: SynthOptions) => {
        const fingers = parsePositive(options.fingers, '--fingers')!;
        const impressions = parsePositive(options.impressions, '--impressions')!;
        const seed = Number(options.seed ?? '1');
        if (!Number.isInteger(fingers) || !Number.isInteger(impressions) || !Number.isInteger(seed)) {
          throw new IdmError('IDM_VALIDATION', '--fingers, --impressions and --seed must be integers');
        }
        mkdirSync(options.out, { recursive: true });
        const start = performance.now();
        const files: string[] = [];
        for (let f = 1; f <= fingers; f++) {
          const master = synthesizeFinger(mixSeed(seed, f));
          const list = synthesizeImpressions(master, impressions, mixSeed(seed, f, 1));
          for (const [k, impression] of list.entries()) {
            const name = `${f}_${k + 1}`;
            writeFileSync(join(options.out, `${name}.png`), await encodePng(impression.image));
            const truth = {
              finger: f,
              impression: k + 1,
              fingerClass: master.fingerClass,
              ...templateJson({ ...impression.image, quality: 100, minutiae: impression.minutiae }),
            };
            writeFileSync(join(options.out, `${name}.json`), `${JSON.stringify(truth)}\n`);
            files.push(name);
          }
          if (options.latent && list.length) {
            const latent = latentCrop(list[0], mixSeed(seed, f, 2));
            writeFileSync(join(options.out, `${f}_latent.png`), await encodePng(latent.image));
            writeFileSync(
              join(options.out, `${f}_latent.json`),
              `${JSON.stringify({ finger: f, latent: true, ...templateJson({ ...latent.image, quality: 0, minutiae: latent.minutiae }) })}\n`,
            );
          }
        }
        const seconds = (performance.now() - start) / 1000;
        emit(
          options,
          { out: options.out, fingers, impressions, files: files.length, seconds },
          () =>
            `wrote ${files.length} impressions of ${fingers} fingers to ${options.out} in ${seconds.toFixed(1)} s`,
        );
      }),
    );

  groups.bench
    .command('fp-extract')
    .description('extractor accuracy vs the commercial ISO templates of FVC2002, and speed')
    .option('--db <list>', 'databases, comma-separated', 'DB1,DB2,DB3,DB4')
    .option('--limit <n>', 'images per database (80 = all)')
    .option('--data <dir>', 'reference data directory (default ../shared/data/fingerprint)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (options: { db: string; limit?: string; data?: string; json?: boolean }) => {
        const results = await runExtractBench({
          dbs: options.db.split(','),
          limit: parsePositive(options.limit, '--limit'),
          dataDir: options.data,
        });
        const synth = benchSynth();
        emit(
          options,
          { databases: results, synthetic: synth },
          () =>
            `${formatResults(results)}\n\nsynthetic: ${synth.masterMs.toFixed(1)} ms CPU per master finger, ${synth.impressionMs.toFixed(1)} ms per impression, ${synth.extractMs.toFixed(1)} ms to extract one`,
        );
      }),
    );
}
