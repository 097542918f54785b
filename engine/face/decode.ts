/**
 * Image decoding with sharp (libvips): any format sharp reads, EXIF orientation applied, a pixel limit
 * checked before decoding, alpha dropped, grey expanded to RGB, and large images shrunk on load to a
 * working size so that memory stays bounded.
 */
import sharp from 'sharp';

import { IdmError } from '../errors.js';
import { faceParameters as P } from './parameters.js';

/** Interleaved 8-bit RGB pixels. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface DecodedImage {
  /** Size of the upright (EXIF-oriented) original, in pixels. */
  width: number;
  height: number;
  /** The pixels the pipeline works on: the original, shrunk so that its long side is at most `workingLongSide`. */
  working: RgbImage;
  /** Original pixels per working pixel (>= 1). */
  scale: number;
}

export interface DecodeOptions {
  maxInputPixels?: number;
  workingLongSide?: number;
}

export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxInputPixels ?? P.maxInputPixels;
  const longSide = options.workingLongSide ?? P.workingLongSide;
  if (bytes.length === 0) throw new IdmError('IDM_BAD_IMAGE', 'empty upload: no image bytes');
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(bytes).metadata();
  } catch (error) {
    throw new IdmError('IDM_BAD_IMAGE', `not a decodable image: ${(error as Error).message}`);
  }
  if (!meta.width || !meta.height) throw new IdmError('IDM_BAD_IMAGE', 'image has no dimensions');
  const pages = meta.pages ?? 1;
  if (pages > 1) {
    throw new IdmError(
      'IDM_BAD_IMAGE',
      `animated or multi-page image (${pages} frames): send a single still image`,
      { pages },
    );
  }
  const pixels = meta.width * (meta.pageHeight ?? meta.height);
  if (pixels > maxPixels) {
    throw new IdmError(
      'IDM_IMAGE_TOO_LARGE',
      `image of ${meta.width}x${meta.height} exceeds the limit of ${maxPixels} pixels`,
      {
        width: meta.width,
        height: meta.height,
        maxPixels,
      },
    );
  }
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    let rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
    if (info.channels === 1) {
      rgb = new Uint8Array(info.width * info.height * 3);
      for (let i = 0; i < info.width * info.height; i++)
        rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i];
    } else if (info.channels !== 3) {
      throw new IdmError('IDM_BAD_IMAGE', `unexpected ${info.channels} channels after decoding`);
    }
    return {
      width,
      height,
      working: { width: info.width, height: info.height, data: rgb },
      scale: width / info.width,
    };
  } catch (error) {
    if (error instanceof IdmError) throw error;
    throw new IdmError('IDM_BAD_IMAGE', `image cannot be decoded: ${(error as Error).message}`);
  }
}
