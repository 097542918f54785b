import sharp from 'sharp';

import { IdmError } from '../engine/errors.js';

/** Upper bound on decoded pixels of an uploaded photo (about 100 megapixels): larger is refused unread. */
export const MAX_PHOTO_PIXELS = 100_000_000;

/** Decodes base64 from a JSON body, refusing anything that is not base64. */
export function base64Image(value: string, field: string): Uint8Array {
  const clean = value.replace(/^data:[^;]+;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length === 0) {
    throw new IdmError('IDM_VALIDATION', `${field} must be a base64-encoded image`);
  }
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/**
 * Checks that bytes are a photo sharp can read, from its header only (no full decode in the API
 * process), and returns its media type. Non-images, truncated headers and absurd sizes are 4xx.
 */
export async function checkPhoto(bytes: Uint8Array): Promise<string> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new IdmError('IDM_BAD_IMAGE', `the upload is not a readable image: ${(error as Error).message}`);
  }
  if (!meta.width || !meta.height || !meta.format) throw new IdmError('IDM_BAD_IMAGE', 'the image has no dimensions');
  if (meta.width * meta.height > MAX_PHOTO_PIXELS) {
    throw new IdmError('IDM_IMAGE_TOO_LARGE', `${meta.width}x${meta.height} exceeds ${MAX_PHOTO_PIXELS} pixels`);
  }
  return `image/${meta.format === 'jpeg' ? 'jpeg' : meta.format}`;
}
