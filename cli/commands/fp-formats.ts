/**
 * `idmatch fp decode` and `idmatch nist parse`: fingerprint image and ANSI/NIST-ITL transaction formats from
 * the command line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { IdmError } from '../../engine/errors.js';
import {
  type NistRecord,
  type NistTransaction,
  parseTransaction,
} from '../../engine/fingerprint/formats/ansi-nist.js';
import {
  decodeNistImage,
  fingerImages,
  recordPpi,
} from '../../engine/fingerprint/formats/ansi-nist-images.js';
import { transactionTemplates } from '../../engine/fingerprint/formats/ansi-nist-minutiae.js';
import {
  decodeFingerprintImage,
  detectImageFormat,
  encodePng,
  resampleGray,
  TARGET_PPI,
} from '../../engine/fingerprint/image.js';
import type { FingerprintTemplate, GrayImage } from '../../engine/fingerprint/types.js';
import type { CommandGroups } from '../groups.js';
import { parsePositive, readInputFile } from '../inputs.js';
import { action, emit } from '../output.js';



function isTransaction(bytes: Uint8Array): boolean {
  return /^1\.0*1:/.test(new TextDecoder('latin1').decode(bytes.subarray(0, 8)));
}

/** Which record of a transaction to decode: the `--record` index, else the first image record. */
function pickImageRecord(
  tx: NistTransaction,
  index: number | undefined,
): { record: NistRecord; index: number } {
  if (index !== undefined) {
    const record = tx.records[index];
    if (!record?.image)
      throw new IdmError('IDM_VALIDATION', `record ${index} of the transaction holds no image`);
    return { record, index };
  }
  const found = tx.records.findIndex((r) => r.image);
  if (found < 0) throw new IdmError('IDM_BAD_IMAGE', 'the transaction holds no image record');
  return { record: tx.records[found], index: found };
}

interface DecodeOptions {
  out: string;
  ppi?: string;
  record?: string;
  normalise?: boolean;
  json?: boolean;
}

interface ParseOptions {
  images?: string;
  json?: boolean;
}

function recordJson(
  record: NistRecord,
  index: number,
  tx: NistTransaction,
  role: string | undefined,
  template: FingerprintTemplate | undefined,
) {
  return {
    index,
    type: record.type,
    idc: record.idc,
    ...(record.fields
      ? {
          fields: Object.fromEntries(
            record.fields.map((f) => [`${record.type}.${String(f.tag).padStart(3, '0')}`, f.value]),
          ),
        }
      : {}),
    ...(record.binaryHeader ? { binaryHeader: record.binaryHeader } : {}),
    ...(record.data ? { dataLength: record.data.length } : {}),
    ...(record.image ? { image: { ...record.image, ppi: recordPpi(tx, record) } } : {}),
    ...(role ? { role } : {}),
    ...(record.positions ? { positions: record.positions } : {}),
    ...(record.impressionType !== undefined ? { impressionType: record.impressionType } : {}),
    ...(template
      ? {
          minutiae: template.minutiae.length,
          template: { width: template.width, height: template.height, ppi: template.ppi },
        }
      : {}),
  };
}

/** Raw payload extensions for images this project cannot decode (kept byte for byte). */
function rawExtension(record: NistRecord): string {
  switch (record.image?.compression) {
    case 'jpeg2000':
    case 'jpeg2000-lossless':
      return 'jp2';
    case 'jpeg-lossless':
      return 'jpg';
    default:
      return 'bin';
  }
}

export function register(groups: CommandGroups): void {
  groups.fp
    .command('decode <file>')
    .description(
      'decode a fingerprint image (WSQ, PNG, JPEG, TIFF, BMP, or an image record of an ANSI/NIST file) to PNG',
    )
    .requiredOption('--out <file.png>', 'where to write the PNG')
    .option('--ppi <n>', 'scan resolution, overriding the file')
    .option(
      '--record <n>',
      'ANSI/NIST input: index of the record to decode (default: the first image record)',
    )
    .option('--normalise', `resample to ${TARGET_PPI} ppi (default: keep the native resolution)`)
    .option('--json', 'machine-readable output')
    .action(
      action(async (file: string, options: DecodeOptions) => {
        const bytes = readInputFile(file);
        const ppi = parsePositive(options.ppi, '--ppi');
        let image: GrayImage;
        let source: string;
        if (isTransaction(bytes)) {
          const tx = parseTransaction(bytes);
          const recordIndex = options.record === undefined ? undefined : Number(options.record);
          if (recordIndex !== undefined && !Number.isInteger(recordIndex)) {
            throw new IdmError('IDM_VALIDATION', `--record must be a record index, got ${options.record}`);
          }
          const { record, index } = pickImageRecord(tx, recordIndex);
          image = await decodeNistImage(tx, record);
          if (ppi) image = { ...image, ppi };
          if (options.normalise) image = await resampleGray(image);
          source = `ansi-nist record ${index} (Type-${record.type}, ${record.image?.compression})`;
        } else {
          image = await decodeFingerprintImage(bytes, { ppi, keepResolution: !options.normalise });
          source = detectImageFormat(bytes) ?? 'unknown';
        }
        writeFileSync(options.out, await encodePng(image));
        const result = {
          file,
          source,
          width: image.width,
          height: image.height,
          ppi: image.ppi,
          out: options.out,
        };
        emit(
          options,
          result,
          () => `${file}: ${source}, ${image.width}x${image.height} at ${image.ppi} ppi -> ${options.out}`,
        );
      }),
    );

  groups.nist
    .command('parse <file>')
    .description('parse an ANSI/NIST-ITL transaction (traditional encoding): records, fields, images')
    .option(
      '--images <dir>',
      'write every image record there (decoded to PNG, or its raw payload when undecodable)',
    )
    .option('--json', 'machine-readable output')
    .action(
      action(async (file: string, options: ParseOptions) => {
        const tx = parseTransaction(readInputFile(file));
        const roles = new Map(fingerImages(tx).map((entry) => [entry.index, entry.role]));
        const templates = new Map(transactionTemplates(tx).map((entry) => [entry.index, entry.template]));
        const records = tx.records.map((record, index) =>
          recordJson(record, index, tx, roles.get(index), templates.get(index)),
        ) as Array<ReturnType<typeof recordJson> & { imageFile?: string; imageError?: string }>;
        if (options.images) {
          mkdirSync(options.images, { recursive: true });
          const stem = basename(file).replace(/\.[^.]+$/, '');
          for (const [index, record] of tx.records.entries()) {
            if (!record.image || !record.data) continue;
            try {
              const image = await decodeNistImage(tx, record);
              const path = join(options.images, `${stem}-r${index}-type${record.type}.png`);
              writeFileSync(path, await encodePng(image));
              records[index].imageFile = path;
            } catch (error) {
              const path = join(
                options.images,
                `${stem}-r${index}-type${record.type}.${rawExtension(record)}`,
              );
              writeFileSync(path, record.data);
              records[index].imageFile = path;
              records[index].imageError = (error as Error).message;
            }
          }
        }
        const result = { file, version: tx.version, warnings: tx.warnings, records };
        emit(options, result, () =>
          [
            `${file}: ANSI/NIST-ITL version ${tx.version}, ${tx.records.length} records`,
            ...records.map((r) => {
              const image = r.image
                ? ` ${r.image.compression} ${r.image.width}x${r.image.height} @ ${r.image.ppi} ppi`
                : '';
              const positions = r.positions ? ` positions ${r.positions.join(',')}` : '';
              const role = r.role && r.role !== 'other' ? ` (${r.role})` : '';
              const fields = r.fields ? ` ${Object.keys(r.fields).length} fields` : '';
              const out = r.imageFile ? ` -> ${r.imageFile}` : '';
              return `  [${r.index}] Type-${r.type} IDC ${r.idc}${fields}${image}${positions}${role}${out}`;
            }),
            ...tx.warnings.map((w) => `  warning: ${w}`),
          ].join('\n'),
        );
      }),
    );
}
