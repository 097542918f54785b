/**
 * Pairs evaluation (`idmatch face eval --pairs FILE`): a CSV `image_a,image_b,same` (header optional,
 * `same` is 1/0, true/false or yes/no), each image embedded once; a pair with an image that has no
 * usable face is a failure to enrol and is scored as a non-match (the lowest possible similarity).
 */
import { IdmError } from '../errors.js';
import { type ThresholdRow, evaluateVerification } from './evaluate.js';
import { cosineSimilarity } from './similarity.js';

export interface PairRow {
  a: string;
  b: string;
  same: boolean;
  line: number;
}

export interface PairsReport {
  pairs: number;
  failedToEnrol: number;
  eer: number;
  auc: number;
  tarAtFar1e2: number;
  tarAtFar1e3: number;
  thresholds: ThresholdRow[];
}

/** Score given to a pair whose probe or reference could not be enrolled: below any cosine similarity. */
export const FAILURE_TO_ENROL_SCORE = -1;

function parseSame(value: string, line: number): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'same', 'y'].includes(v)) return true;
  if (['0', 'false', 'no', 'different', 'n'].includes(v)) return false;
  throw new IdmError(
    'IDM_BAD_IMPORT',
    `pairs line ${line}: "same" must be 1/0, true/false or yes/no, not ${JSON.stringify(value)}`,
  );
}

export function parsePairsCsv(text: string): PairRow[] {
  const rows: PairRow[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || raw.trimStart().startsWith('#')) return;
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (line === 1 && cells[0].toLowerCase() === 'image_a') return;
    if (cells.length !== 3 || !cells[0] || !cells[1]) {
      throw new IdmError('IDM_BAD_IMPORT', `pairs line ${line}: expected image_a,image_b,same`);
    }
    rows.push({ a: cells[0], b: cells[1], same: parseSame(cells[2], line), line });
  });
  if (rows.length === 0) throw new IdmError('IDM_BAD_IMPORT', 'pairs file has no pairs');
  return rows;
}

/** Scores every pair; `embed` returns null when an image has no usable face. Each distinct image is embedded once. */
export async function evaluatePairs(
  rows: PairRow[],
  embed: (image: string) => Promise<Float32Array | null>,
): Promise<PairsReport> {
  const cache = new Map<string, Promise<Float32Array | null>>();
  const get = (image: string) => {
    let p = cache.get(image);
    if (!p) {
      p = embed(image);
      cache.set(image, p);
    }
    return p;
  };
  const genuine: number[] = [];
  const impostor: number[] = [];
  let failedToEnrol = 0;
  for (const row of rows) {
    const [ea, eb] = [await get(row.a), await get(row.b)];
    let score = FAILURE_TO_ENROL_SCORE;
    if (ea && eb) score = cosineSimilarity(ea, eb);
    else failedToEnrol++;
    (row.same ? genuine : impostor).push(score);
  }
  const m = evaluateVerification(genuine, impostor);
  return {
    pairs: rows.length,
    failedToEnrol,
    eer: m.eer,
    auc: m.auc,
    tarAtFar1e2: m.tarAtFar1e2,
    tarAtFar1e3: m.tarAtFar1e3,
    thresholds: m.thresholds,
  };
}
