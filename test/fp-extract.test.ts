/**
 * Minutiae extractor: specification through the public surface, on synthetic fingerprints whose true
 * minutiae are known (always on) and on degenerate input.
 */
import { describe, expect, it } from 'vitest';

import { IdmError } from '../engine/errors.js';
import { ridgeClarity } from '../engine/fingerprint/extract/enhancement.js';
import {
  assessQuality,
  extractParameters,
  extractTemplate,
  extractWithDetails,
} from '../engine/fingerprint/extract/index.js';
import { latentCrop, synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import type { GrayImage, Minutia } from '../engine/fingerprint/types.js';

function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return d > Math.PI ? 2 * Math.PI - d : d;
}

function near(a: Minutia, b: Minutia): boolean {
  return Math.hypot(a.x - b.x, a.y - b.y) <= 10 && angleDiff(a.angleRad, b.angleRad) <= Math.PI / 6;
}

function gray(width: number, height: number, fill: (x: number, y: number) => number, ppi = 500): GrayImage {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = fill(x, y);
  return { width, height, ppi, pixels };
}

const fingers = [11, 12, 13, 14].map((seed) => {
  const master = synthesizeFinger(seed);
  const [impression] = synthesizeImpressions(master, 1, seed * 7);
  return { master, impression, template: extractTemplate(impression.image) };
});

describe('extractTemplate on synthetic impressions', () => {
  it('finds most true minutiae away from the contact edge, with the right direction', () => {
    let truths = 0;
    let found = 0;
    for (const { impression, template } of fingers) {
      // Quality 80+ marks true minutiae at least about 19 px inside the contact area.
      const deep = impression.minutiae.filter((m) => m.quality >= 80);
      truths += deep.length;
      found += deep.filter((t) => template.minutiae.some((o) => near(o, t))).length;
    }
    expect(truths).toBeGreaterThan(60);
    expect(found / truths).toBeGreaterThan(0.65);
  });

  it('reports mostly true minutiae', () => {
    let ours = 0;
    let genuine = 0;
    for (const { impression, template } of fingers) {
      ours += template.minutiae.length;
      genuine += template.minutiae.filter((o) => impression.minutiae.some((t) => near(o, t))).length;
    }
    expect(genuine / ours).toBeGreaterThan(0.65);
  });

  it('reports the image geometry, a quality and well-formed minutiae', () => {
    for (const { impression, template } of fingers) {
      expect(template.width).toBe(impression.image.width);
      expect(template.height).toBe(impression.image.height);
      expect(template.ppi).toBe(500);
      expect(template.quality).toBeGreaterThan(50);
      for (const m of template.minutiae) {
        expect(m.x).toBeGreaterThanOrEqual(0);
        expect(m.x).toBeLessThan(template.width);
        expect(m.angleRad).toBeGreaterThanOrEqual(0);
        expect(m.angleRad).toBeLessThan(2 * Math.PI);
        expect(['ending', 'bifurcation']).toContain(m.type);
        expect(m.quality).toBeGreaterThanOrEqual(1);
        expect(m.quality).toBeLessThanOrEqual(100);
      }
      expect(template.minutiae.some((m) => m.type === 'ending')).toBe(true);
      expect(template.minutiae.some((m) => m.type === 'bifurcation')).toBe(true);
    }
  });

  it('is deterministic', () => {
    const { impression, template } = fingers[0];
    expect(extractTemplate(impression.image)).toEqual(template);
  });

  it('follows the ISO 19794-2 direction convention when the image is mirrored top to bottom', () => {
    // Mirroring y maps an ISO angle a to -a: directions are counter-clockwise with y up.
    const { impression, template } = fingers[1];
    const { width, height, pixels } = impression.image;
    const flipped = gray(width, height, (x, y) => pixels[(height - 1 - y) * width + x]);
    const mirrored = extractTemplate(flipped);
    const mapped = template.minutiae.map((m) => ({
      ...m,
      y: height - 1 - m.y,
      angleRad: (2 * Math.PI - m.angleRad) % (2 * Math.PI),
    }));
    const agree = mapped.filter((m) => mirrored.minutiae.some((o) => near(o, m))).length;
    expect(agree / mapped.length).toBeGreaterThan(0.8);
  });

  it('hands out every intermediate product', () => {
    const details = extractWithDetails(fingers[2].impression.image);
    const { width, height } = details.template;
    expect(details.segmentation.pixels).toHaveLength(width * height);
    expect(details.enhanced.values).toHaveLength(width * height);
    expect(details.binary.pixels).toHaveLength(width * height);
    expect(details.skeleton.pixels).toHaveLength(width * height);
    expect(details.orientation.blockAngle).toHaveLength(
      details.segmentation.grid.blocksX * details.segmentation.grid.blocksY,
    );
    expect(details.frequency.medianPeriod).toBeGreaterThan(7);
    expect(details.frequency.medianPeriod).toBeLessThan(12);
    const kept = details.candidates.filter((c) => c.removed === null);
    expect(kept).toHaveLength(details.template.minutiae.length);
    expect(details.candidates.length).toBeGreaterThan(kept.length);
  });
});

describe('orientation field', () => {
  it('carries the surrounding ridge flow across a patch without a clear direction (coarse scale)', () => {
    // Straight ridges at 30 degrees, period 9 px, with a 48 px square of deterministic speckle in the
    // middle: the fine scale (5x5 blocks) sees only speckle at the patch centre, the coarse one the ridges.
    const theta = Math.PI / 6;
    let seed = 12345;
    const speckle = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 16) & 255;
    };
    const image = gray(240, 240, (x, y) => {
      if (Math.abs(x - 120) < 24 && Math.abs(y - 120) < 24) return speckle() < 128 ? 60 : 190;
      const across = -x * Math.sin(theta) + y * Math.cos(theta);
      return Math.round(128 + 80 * Math.cos((2 * Math.PI * across) / 9));
    });
    const { orientation } = extractWithDetails(image);
    const { blocksX, blockSize } = orientation.grid;
    const centre = ((120 / blockSize) | 0) * blocksX + ((120 / blockSize) | 0);
    const d = Math.abs(orientation.blockAngle[centre] - theta) % Math.PI;
    expect(Math.min(d, Math.PI - d)).toBeLessThan((12 * Math.PI) / 180);
    // Coherence stays the fine scale's: the patch is still marked unclear for the minutia rules.
    expect(orientation.blockCoherence[centre]).toBeLessThan(0.3);
  });
});

describe('ridge clarity (the filter rule for invented ridges)', () => {
  it('is high on clear ridges and low on speckle, whatever their contrast', () => {
    let seed = 99;
    const speckle = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 16) & 255;
    };
    // Left half clear vertical ridges (period 9 px), right half speckle of the same contrast.
    const image = gray(240, 200, (x) =>
      x < 120 ? Math.round(128 + 80 * Math.cos((2 * Math.PI * x) / 9)) : speckle() < 128 ? 50 : 210,
    );
    const details = extractWithDetails(image);
    const radius = extractParameters.clarityRadiusPx;
    const ridges = ridgeClarity(image, details.enhanced, 60, 100, radius);
    const noise = ridgeClarity(image, details.enhanced, 180, 100, radius);
    expect(ridges).toBeGreaterThan(0.4);
    expect(noise).toBeLessThan(extractParameters.minMinutiaClarity);
    // No kept minutia sits in the speckle.
    expect(details.template.minutiae.filter((m) => m.x > 130)).toHaveLength(0);
  });
});

describe('quality', () => {
  it('scores a latent fragment below the full impression it came from', () => {
    const { impression } = fingers[3];
    const latent = latentCrop(impression, 5);
    expect(assessQuality(latent.image)).toBeLessThan(assessQuality(impression.image));
  });
});

describe('bad input', () => {
  it('gives an empty template with quality 0 for blank images', () => {
    for (const value of [0, 128, 255]) {
      const template = extractTemplate(gray(300, 300, () => value));
      expect(template.minutiae).toEqual([]);
      expect(template.quality).toBe(0);
    }
  });

  it('does not crash on noise and on a single straight stripe pattern', () => {
    let state = 7;
    const noise = gray(256, 256, () => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state >>> 24;
    });
    expect(() => extractTemplate(noise)).not.toThrow();
    const stripes = extractTemplate(gray(256, 256, (x) => (Math.cos((2 * Math.PI * x) / 9) > 0 ? 220 : 40)));
    // Parallel straight ridges have no minutiae away from the image edge.
    expect(stripes.minutiae.length).toBeLessThanOrEqual(2);
  });

  it('rejects absurd dimensions and inconsistent buffers with a coded error', () => {
    const cases: Array<[GrayImage, string]> = [
      [{ width: 100_000, height: 100_000, ppi: 500, pixels: new Uint8Array(4) }, 'IDM_IMAGE_TOO_LARGE'],
      [{ width: 0, height: 10, ppi: 500, pixels: new Uint8Array(0) }, 'IDM_BAD_IMAGE'],
      [{ width: 10, height: 10, ppi: 500, pixels: new Uint8Array(100) }, 'IDM_BAD_IMAGE'],
      [{ width: 64, height: 64, ppi: 500, pixels: new Uint8Array(10) }, 'IDM_BAD_IMAGE'],
      [{ width: 64.5, height: 64, ppi: 500, pixels: new Uint8Array(4096) }, 'IDM_BAD_IMAGE'],
      [{ width: 64, height: 64, ppi: Number.NaN, pixels: new Uint8Array(4096) }, 'IDM_BAD_IMAGE'],
    ];
    for (const [image, code] of cases) {
      let caught: unknown;
      try {
        extractTemplate(image);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(IdmError);
      expect((caught as IdmError).code).toBe(code);
    }
  });
});
