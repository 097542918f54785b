/**
 * The orientation map a template keeps (types.ts `OrientationMap`): the extractor's block orientation
 * field, quantised to whole degrees, background marked, in the minutiae's angle convention.
 */
import { IdmError } from '../errors.js';
import type { OrientationField } from './extract/orientation.js';
import type { OrientationMap } from './types.js';

/** Byte of a block outside the print. */
export const NO_ORIENTATION = 255;

/**
 * Builds the map from the extractor's field and its foreground blocks. The field's angles are in image
 * coordinates (y down); minutia angles turn counter-clockwise with y up, so each angle is mirrored.
 */
export function orientationMapOf(field: OrientationField, foreground: Uint8Array): OrientationMap {
  const { blockSize, blocksX, blocksY } = field.grid;
  const bytes = new Uint8Array(blocksX * blocksY);
  for (let b = 0; b < bytes.length; b++) {
    if (!foreground[b]) {
      bytes[b] = NO_ORIENTATION;
      continue;
    }
    const degrees = Math.round(((Math.PI - field.blockAngle[b]) * 180) / Math.PI) % 180;
    bytes[b] = degrees;
  }
  return { blockSize, columns: blocksX, rows: blocksY, degrees: Buffer.from(bytes).toString('base64') };
}

/** Blocks of a map larger than this are refused (a 2000 px side at 4 px blocks is 250,000). */
const MAX_BLOCKS = 250_000;

/**
 * The map's bytes (one per block, degrees or NO_ORIENTATION), checked: a template may come from a
 * client, and a malformed map must be refused, not read out of bounds.
 */
export function orientationBytes(map: OrientationMap): Uint8Array {
  const { blockSize, columns, rows, degrees } = map;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!positive(blockSize) || !positive(columns) || !positive(rows) || columns * rows > MAX_BLOCKS) {
    throw new IdmError(
      'IDM_TEMPLATE_FORMAT',
      `orientation map ${columns}x${rows} blocks of ${blockSize} px is not a valid grid`,
    );
  }
  if (typeof degrees !== 'string') {
    throw new IdmError('IDM_TEMPLATE_FORMAT', 'orientation map degrees must be a base64 string');
  }
  const bytes = new Uint8Array(Buffer.from(degrees, 'base64'));
  if (bytes.length !== columns * rows) {
    throw new IdmError(
      'IDM_TEMPLATE_FORMAT',
      `orientation map holds ${bytes.length} blocks, its grid ${columns}x${rows} needs ${columns * rows}`,
    );
  }
  for (const b of bytes) {
    if (b >= 180 && b !== NO_ORIENTATION) {
      throw new IdmError('IDM_TEMPLATE_FORMAT', `orientation map holds ${b}, not a degree 0-179 or 255`);
    }
  }
  return bytes;
}
