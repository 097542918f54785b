/**
 * Value types shared by every stage of the fingerprint pipeline (formats, extractor, generator, matcher).
 * Coordinates are pixels at `ppi`, origin top-left, y down. Angles follow ISO/IEC 19794-2: radians,
 * counter-clockwise from the x axis, in [0, 2*pi).
 */

/** 8-bit greyscale raster, row-major, 0 = black (ridge), 255 = white (valley/background). */
export interface GrayImage {
  width: number;
  height: number;
  ppi: number;
  pixels: Uint8Array;
}

export type MinutiaType = 'ending' | 'bifurcation' | 'other';

export interface Minutia {
  x: number;
  y: number;
  angleRad: number;
  type: MinutiaType;
  /** 0-100, as in ISO/IEC 19794-2. */
  quality: number;
}

/** ANSI/NIST-ITL and ISO finger position code: 0 unknown, 1-10 right thumb .. left little, 11+ plain/slap codes. */
export type FingerPosition = number;

export interface FingerprintTemplate {
  width: number;
  height: number;
  ppi: number;
  /** 0-100 image quality in the spirit of NFIQ 2; the template's own quality when imported. */
  quality: number;
  minutiae: Minutia[];
  position?: FingerPosition;
}
