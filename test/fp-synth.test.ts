/** Synthetic fingerprint generator (SFinGe-like): determinism, plausibility, and true-minutiae bookkeeping. */
import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  type FingerClass,
  latentCrop,
  synthesizeFinger,
  synthesizeImpressions,
} from '../engine/fingerprint/synth/index.js';

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('synthesizeFinger', () => {
  it('is deterministic by seed and differs between seeds', () => {
    const a = synthesizeFinger(42);
    const b = synthesizeFinger(42);
    const c = synthesizeFinger(43);
    expect(digest(new Uint8Array(a.ridges.buffer))).toBe(digest(new Uint8Array(b.ridges.buffer)));
    expect(a.minutiae).toEqual(b.minutiae);
    expect(digest(new Uint8Array(a.ridges.buffer))).not.toBe(digest(new Uint8Array(c.ridges.buffer)));
  });

  it('makes every finger class with its singularities and a natural number of minutiae', () => {
    const expected: Record<FingerClass, [number, number]> = {
      arch: [0, 0],
      tentedArch: [1, 1],
      leftLoop: [1, 1],
      rightLoop: [1, 1],
      whorl: [2, 2],
    };
    for (const [fingerClass, [cores, deltas]] of Object.entries(expected) as Array<
      [FingerClass, [number, number]]
    >) {
      const master = synthesizeFinger(7, { fingerClass });
      expect(master.fingerClass).toBe(fingerClass);
      expect(master.cores).toHaveLength(cores);
      expect(master.deltas).toHaveLength(deltas);
      // Real full fingerprints carry roughly 30 to 100 minutiae.
      expect(master.minutiae.length).toBeGreaterThan(20);
      expect(master.minutiae.length).toBeLessThan(120);
      const types = new Set(master.minutiae.map((m) => m.type));
      expect(types).toEqual(new Set(['ending', 'bifurcation']));
      for (const m of master.minutiae) expect(master.shape[m.y * master.width + m.x]).toBe(1);
    }
  });

  it('keeps ridges at the requested period', () => {
    const master = synthesizeFinger(5);
    // Count ridge crossings along the middle row inside the shape.
    const y = Math.round(master.height / 2);
    let crossings = 0;
    let inside = 0;
    for (let x = 1; x < master.width; x++) {
      const i = y * master.width + x;
      if (!master.shape[i] || !master.shape[i - 1]) continue;
      inside++;
      if (master.ridges[i] < 0 !== master.ridges[i - 1] < 0) crossings++;
    }
    const period = (2 * inside) / crossings;
    // Along a row the apparent period is at least the true one (ridges cross it obliquely).
    expect(period).toBeGreaterThan(7.5);
    expect(period).toBeLessThan(25);
  });
});

describe('synthesizeImpressions', () => {
  const master = synthesizeFinger(9);

  it('is deterministic and gives distinct impressions', () => {
    const a = synthesizeImpressions(master, 3, 1);
    const b = synthesizeImpressions(master, 3, 1);
    expect(a.map((i) => digest(i.image.pixels))).toEqual(b.map((i) => digest(i.image.pixels)));
    expect(new Set(a.map((i) => digest(i.image.pixels))).size).toBe(3);
    expect(a[0].minutiae).toEqual(b[0].minutiae);
  });

  it('without variability or noise reproduces the master minutiae in place', () => {
    const [impression] = synthesizeImpressions(master, 1, 3, {
      variability: 0,
      noise: 0,
      width: master.width,
      height: master.height,
    });
    expect(impression.minutiae.length).toBeGreaterThan(master.minutiae.length * 0.5);
    for (const m of impression.minutiae) {
      const source = master.minutiae.find((s) => s.x === m.x && s.y === m.y);
      expect(source).toBeDefined();
      expect(Math.abs(Math.sin((source!.angleRad - m.angleRad) / 2))).toBeLessThan(0.02);
      expect(source!.type).toBe(m.type);
    }
  });

  it('moves the true minutiae with the finger: they sit on ridges, unlike positions mirrored left-right', () => {
    for (const impression of synthesizeImpressions(master, 4, 11, { noise: 0 })) {
      const { width, height, pixels } = impression.image;
      expect(width * height).toBe(pixels.length);
      let sum = 0;
      let count = 0;
      for (const p of pixels) {
        if (p < 200) {
          sum += p;
          count++;
        }
      }
      const mean = sum / count;
      const darkShare = (place: (x: number, y: number) => [number, number]) => {
        let dark = 0;
        for (const m of impression.minutiae) {
          const [x, y] = place(m.x, m.y);
          if (pixels[y * width + x] < mean) dark++;
        }
        return dark / impression.minutiae.length;
      };
      expect(impression.minutiae.length).toBeGreaterThan(10);
      // Ridge pixels are darker than the finger's mean; an ending's very tip may have faded (dry skin),
      // so the share is well above chance rather than 1. Measured 0.61-0.75 against 0.24-0.47 mirrored.
      const onTruth = darkShare((x, y) => [x, y]);
      const mirrored = darkShare((x, y) => [width - 1 - x, y]);
      expect(onTruth).toBeGreaterThan(0.55);
      expect(onTruth).toBeGreaterThan(mirrored + 0.15);
    }
  });

  it('latent crops keep a subset of the true minutiae and lose contrast', () => {
    const [impression] = synthesizeImpressions(master, 1, 2);
    const latent = latentCrop(impression, 4);
    expect(latent.minutiae.length).toBeGreaterThan(0);
    expect(latent.minutiae.length).toBeLessThan(impression.minutiae.length);
    for (const m of latent.minutiae) expect(impression.minutiae).toContainEqual(m);
    expect(latentCrop(impression, 4).image.pixels).toEqual(latent.image.pixels);
  });
});
