/**
 * `idmatch fp compare|eval` and `idmatch bench fp`: the 1:1 fingerprint matcher from the command line.
 */
import {
  evaluateSet,
  formatFingerprintBench,
  loadFvcImages,
  loadFvcTemplates,
  runFingerprintBench,
} from '../../bench/fingerprint.js';
import { IdmError } from '../../engine/errors.js';
import { extractTemplate } from '../../engine/fingerprint/extract/index.js';
import { parseMinutiaeRecord } from '../../engine/fingerprint/formats/minutiae-record.js';
import { decodeFingerprintImage } from '../../engine/fingerprint/image.js';
import type { FvcProtocol } from '../../engine/fingerprint/match/eval.js';
import { comparisonLogLr, explainComparison, prepareTemplate } from '../../engine/fingerprint/match/index.js';
import type { FingerprintTemplate } from '../../engine/fingerprint/types.js';
import type { CommandGroups } from '../groups.js';
import { parsePositive, readInputFile } from '../inputs.js';
import { action, emit } from '../output.js';

/** A minutiae record (ISO 19794-2 / ANSI 378, first view) or an image run through the extractor. */
async function loadTemplate(path: string, ppi: number | undefined): Promise<FingerprintTemplate> {
  const bytes = readInputFile(path);
  const isRecord = bytes[0] === 0x46 && bytes[1] === 0x4d && bytes[2] === 0x52 && bytes[3] === 0x00; // "FMR\0"
  if (isRecord) {
    const views = parseMinutiaeRecord(bytes);
    if (views.length === 0) throw new IdmError('IDM_TEMPLATE_FORMAT', `${path} holds no finger view`);
    return views[0];
  }
  return extractTemplate(await decodeFingerprintImage(bytes, ppi ? { ppi } : {}));
}

interface CompareOptions {
  json?: boolean;
  ppi?: string;
}

interface EvalOptions {
  json?: boolean;
  protocol: string;
  ppi?: string;
  templates?: string;
}

interface BenchOptions {
  json?: boolean;
  images?: boolean;
  data?: string;
}

export function register(groups: CommandGroups): void {
  groups.fp
    .command('compare <a> <b>')
    .description(
      'compare two fingerprints (images or minutiae records): score, FMR, paired minutiae, alignment',
    )
    .option('--ppi <n>', 'resolution of images that carry none')
    .option('--json', 'print JSON')
    .action(
      action(async (a: string, b: string, options: CompareOptions) => {
        const ppi = parsePositive(options.ppi, '--ppi');
        const [ta, tb] = [await loadTemplate(a, ppi), await loadTemplate(b, ppi)];
        const [pa, pb] = [prepareTemplate(ta), prepareTemplate(tb)];
        const explanation = explainComparison(pa, pb);
        const pairs = explanation.pairs.map((p) => ({
          ...p,
          probeMinutia: ta.minutiae[p.probe],
          candidateMinutia: tb.minutiae[p.candidate],
        }));
        const data = {
          score: explanation.score,
          fmr: explanation.fmr,
          logLr: comparisonLogLr(pa, pb, explanation.score),
          minutiae: { probe: ta.minutiae.length, candidate: tb.minutiae.length },
          pairs,
          alignment: explanation.alignment,
        };
        const flows = pairs.flatMap((p) => (p.ridgeFlow === null ? [] : [p.ridgeFlow])).sort((u, v) => u - v);
        const flowLine =
          ta.orientation && tb.orientation
            ? `ridge flow around ${flows.length} of the pairs: median agreement ${flows.length ? flows[flows.length >> 1].toFixed(2) : '-'}`
            : 'ridge flow not compared: a template without an orientation map (an imported minutiae record)';
        emit(options, data, () =>
          [
            `score ${data.score.toFixed(3)}  FMR ${data.fmr.toExponential(2)}  log10 LR ${data.logLr.toFixed(2)}`,
            `${pairs.length} paired minutiae (probe ${data.minutiae.probe}, candidate ${data.minutiae.candidate})`,
            flowLine,
            `alignment: rotation ${((explanation.alignment.rotationRad * 180) / Math.PI).toFixed(1)} deg, shift (${explanation.alignment.dx.toFixed(1)}, ${explanation.alignment.dy.toFixed(1)}) px`,
          ].join('\n'),
        );
      }),
    );

  groups.fp
    .command('eval <dir>')
    .description('FVC protocol accuracy on a folder of <finger>_<impression> images (or --templates records)')
    .option(
      '--protocol <name>',
      'fvc (28 genuine pairs per finger, first impressions for impostors) or fvc-large',
      'fvc',
    )
    .option('--ppi <n>', 'resolution of images that carry none (FVC2002 DB2: 569)')
    .option(
      '--templates <dir>',
      'evaluate the minutiae records in this folder instead of extracting from the images',
    )
    .option('--json', 'print JSON')
    .action(
      action(async (dir: string, options: EvalOptions) => {
        const protocol = options.protocol as FvcProtocol;
        if (protocol !== 'fvc' && protocol !== 'fvc-large') {
          throw new IdmError(
            'IDM_VALIDATION',
            `--protocol must be fvc or fvc-large, got ${options.protocol}`,
          );
        }
        const set = options.templates
          ? loadFvcTemplates(options.templates)
          : await loadFvcImages(dir, parsePositive(options.ppi, '--ppi'));
        const report = evaluateSet(set, protocol);
        const data = {
          eer: report.eer,
          fmr100: report.fmr100,
          fmr1000: report.fmr1000,
          zeroFmr: report.zeroFmr,
          genuine: report.genuine,
          impostor: report.impostor,
          extractMs: report.extractMs,
          comparisonsPerSecond: report.comparisonsPerSecond,
        };
        const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
        emit(options, data, () =>
          [
            `${protocol}: EER ${pct(data.eer)}  FMR100 ${pct(data.fmr100)}  FMR1000 ${pct(data.fmr1000)}  ZeroFMR ${pct(data.zeroFmr)}`,
            `${data.genuine} genuine, ${data.impostor} impostor comparisons; ${data.comparisonsPerSecond} comparisons/s` +
              (data.extractMs === null ? '' : `; extraction ${data.extractMs.toFixed(0)} ms/image`),
          ].join('\n'),
        );
      }),
    );

  groups.bench
    .command('fp')
    .description('fingerprint matcher: FVC2002 accuracy from the ISO templates (and --images) and speed')
    .option('--images', 'also evaluate our extractor on the images (slower)')
    .option('--data <dir>', 'fingerprint data folder (default ../shared/data/fingerprint)')
    .option('--json', 'print JSON')
    .action(
      action(async (options: BenchOptions) => {
        const result = await runFingerprintBench({ data: options.data, images: options.images });
        emit(options, result, () => formatFingerprintBench(result));
      }),
    );
}
