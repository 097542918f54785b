/**
 * `idmatch fp search` (1:N search of a probe against a folder of fingerprints) and
 * `idmatch bench fp-identify` (the 1:N benchmark: bench/fingerprint-identify.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

import { formatIdentifyBench, runIdentifyBench } from '../../bench/fingerprint-identify.js';
import { IdmError } from '../../engine/errors.js';
import { extractTemplate } from '../../engine/fingerprint/extract/index.js';
import { parseMinutiaeRecord } from '../../engine/fingerprint/formats/minutiae-record.js';
import { FingerprintGallery, searchSnapshot } from '../../engine/fingerprint/identify/index.js';
import { decodeFingerprintImage } from '../../engine/fingerprint/image.js';
import { parseTemplateJson } from '../../engine/fingerprint/template-json.js';
import type { FingerprintTemplate } from '../../engine/fingerprint/types.js';
import type { CommandGroups } from '../groups.js';
import { readInputFile, readJsonFile } from '../inputs.js';
import { action, emit } from '../output.js';

const TEMPLATE_EXTENSIONS = new Set(['.iso', '.ist', '.fmr', '.ansi', '.json']);
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.wsq']);


/** A JSON template (as `fp extract --json` writes it), a minutiae record (first view) or an image through the extractor. */
async function loadTemplate(path: string, ppi: number | undefined): Promise<FingerprintTemplate> {
  if (extname(path).toLowerCase() === '.json') return parseTemplateJson(readJsonFile(path));
  const bytes = readInputFile(path);
  const isRecord = bytes[0] === 0x46 && bytes[1] === 0x4d && bytes[2] === 0x52 && bytes[3] === 0x00; // "FMR\0"
  if (isRecord) {
    const views = parseMinutiaeRecord(bytes);
    if (views.length === 0) throw new IdmError('IDM_TEMPLATE_FORMAT', `${path} holds no finger view`);
    return views[0];
  }
  return extractTemplate(await decodeFingerprintImage(bytes, ppi ? { ppi } : {}));
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new IdmError('IDM_VALIDATION', `${name} must be a positive integer, got ${value}`);
  return n;
}

interface SearchOptions {
  gallery: string;
  latent?: boolean;
  limit?: string;
  position?: string;
  ppi?: string;
  json?: boolean;
}

interface BenchOptions {
  n?: string;
  probes?: string;
  generated?: string;
  exhaustive?: string;
  tenprint?: string;
  timeAt?: string;
  faiss?: boolean;
  latent?: boolean;
  json?: boolean;
}

export function register(groups: CommandGroups): void {
  groups.fp
    .command('search <probe>')
    .description(
      '1:N search: a probe (image, minutiae record or JSON template) against a folder of fingerprints',
    )
    .requiredOption('--gallery <dir>', 'folder of images, minutiae records (.iso/.fmr) or JSON templates')
    .option('--latent', 'the probe is a latent: partial, position unknown, longer candidate list')
    .option('--limit <n>', 'candidates listed (default 20, latent 50)')
    .option('--position <n>', 'finger position of the probe (1-10); searches that position only')
    .option('--ppi <n>', 'resolution of images that carry none')
    .option('--json', 'print JSON')
    .action(
      action(async (probePath: string, options: SearchOptions) => {
        const ppi = positiveInteger(options.ppi, '--ppi');
        const limit = positiveInteger(options.limit, '--limit');
        const position = positiveInteger(options.position, '--position');
        let files: string[];
        try {
          files = readdirSync(options.gallery)
            .filter((name) => {
              const ext = extname(name).toLowerCase();
              return TEMPLATE_EXTENSIONS.has(ext) || IMAGE_EXTENSIONS.has(ext);
            })
            .sort();
        } catch (error) {
          throw new IdmError('IDM_NOT_FOUND', `cannot read gallery folder ${options.gallery}: ${(error as Error).message}`);
        }
        const gallery = new FingerprintGallery(Math.max(16, files.length));
        const skipped: Array<{ file: string; error: string }> = [];
        for (const name of files) {
          const path = join(options.gallery, name);
          if (!statSync(path).isFile()) continue;
          try {
            gallery.add(name, await loadTemplate(path, ppi));
          } catch (error) {
            skipped.push({ file: name, error: (error as Error).message });
          }
        }
        if (gallery.size === 0)
          throw new IdmError('IDM_VALIDATION', `no fingerprint could be read from ${options.gallery}`);
        const probe = await loadTemplate(probePath, ppi);
        if (position !== undefined) probe.position = position;
        const started = performance.now();
        const candidates = searchSnapshot(gallery.snapshot(), probe, {
          mode: options.latent ? 'latent' : 'finger',
          limit,
        });
        const data = {
          probe: { file: probePath, minutiae: probe.minutiae.length },
          mode: options.latent ? 'latent' : 'finger',
          gallerySize: gallery.size,
          skipped,
          searchMs: performance.now() - started,
          candidates,
        };
        emit(options, data, () =>
          [
            `${data.mode} search of ${probePath} (${data.probe.minutiae} minutiae) against ${gallery.size} fingers in ${data.searchMs.toFixed(0)} ms`,
            ...candidates.map(
              (c) => `${String(c.rank).padStart(3)}  ${c.score.toFixed(2).padStart(7)}  FMR ${c.fmr.toExponential(1)}  ${c.id}`,
            ),
            ...skipped.map((s) => `skipped ${s.file}: ${s.error}`),
          ].join('\n'),
        );
      }),
    );

  groups.bench
    .command('fp-identify')
    .description('fingerprint 1:N: two-stage vs exhaustive rank-1, time per probe, memory, tenprint, latent')
    .option('--n <n>', 'synthetic minutiae-set fingers in the gallery', '100000')
    .option('--probes <n>', 'mated generator fingers (and probes)', '40')
    .option('--generated <n>', 'unmated generator fingers in the gallery', '1000')
    .option('--exhaustive <n>', 'gallery size for the exhaustive comparison (0 = skip)', '1040')
    .option('--tenprint <n>', 'tenprint subjects (0 = skip)', '1000')
    .option('--time-at <n>', 'also time searches over this many (replicated) entries', '0')
    .option('--no-faiss', 'skip the FAISS binary-index measurement')
    .option('--no-latent', 'skip the NIST latent')
    .option('--json', 'print JSON')
    .action(
      action(async (options: BenchOptions) => {
        const count = (value: string | undefined, name: string) => {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 0) throw new IdmError('IDM_VALIDATION', `${name} must be a non-negative integer`);
          return n;
        };
        const report = await runIdentifyBench({
          n: count(options.n, '--n'),
          probes: count(options.probes, '--probes'),
          generated: count(options.generated, '--generated'),
          exhaustive: count(options.exhaustive, '--exhaustive'),
          tenprintSubjects: count(options.tenprint, '--tenprint'),
          timeAt: count(options.timeAt, '--time-at'),
          faiss: options.faiss !== false,
          nistLatent: options.latent !== false,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        emit(options, report, () => formatIdentifyBench(report));
      }),
    );
}
