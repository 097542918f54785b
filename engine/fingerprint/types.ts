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

/**
 * Coarse ridge-orientation map of the print, kept with templates our extractor makes (imported minutiae
 * records have none). The matcher compares the ridge flow around paired minutiae with it
 * (engine/fingerprint/match/descriptor.ts). JSON-friendly on purpose: templates are stored as JSON.
 */
export interface OrientationMap {
  /** Side of a block, pixels at the template's ppi. */
  blockSize: number;
  columns: number;
  rows: number;
  /**
   * Base64 of one byte per block, row-major: the ridge orientation in whole degrees 0-179,
   * counter-clockwise from the x axis as minutia angles; 255 where there is no print (background).
   */
  degrees: string;
}

export interface FingerprintTemplate {
  width: number;
  height: number;
  ppi: number;
  /** 0-100 image quality in the spirit of NFIQ 2; the template's own quality when imported. */
  quality: number;
  minutiae: Minutia[];
  position?: FingerPosition;
  /** Ridge orientation per block, when the template was extracted from an image by us. */
  orientation?: OrientationMap;
}
