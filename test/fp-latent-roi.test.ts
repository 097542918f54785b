import { describe, expect, it } from 'vitest';

import { insideRegion, restrictToRegion, ridgeRegion } from '../engine/fingerprint/latent/roi.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import type { GrayImage } from '../engine/fingerprint/types.js';

/**
 * A latent card as examiners photograph it: a print on light paper, a thick pen arc drawn around it,
 * and block lettering beside it. Returns the card and where each part lies.
 */
function latentCard(seed: number) {
  const print = synthesizeImpressions(synthesizeFinger(seed), 1, seed)[0].image;
  const width = print.width + 360;
  const height = print.height + 120;
  const pixels = new Uint8Array(width * height).fill(235);
  const ox = 60;
  const oy = 60;
  for (let y = 0; y < print.height; y++) pixels.set(print.pixels.subarray(y * print.width, (y + 1) * print.width), (oy + y) * width + ox);
  // The pen arc: a 22 px wide dark stroke crossing the card to the right of the print.
  const arc = (x: number, y: number) => Math.abs(Math.hypot(x - (ox + print.width + 400), y - height / 2) - 300) < 11;
  // Lettering: strokes 6 px wide, letters 40 px tall, in a column at the right edge.
  const letter = (x: number, y: number) => {
    const lx = x - (width - 90);
    const ly = (y - 40) % 60;
    if (lx < 0 || lx >= 40 || y < 40 || y > height - 40 || ly >= 40) return false;
    return lx < 6 || ly < 6 || (ly > 17 && ly < 23) || (lx > 33 && ly < 20);
  };
  for (let y = 0; y < height; y++) {
    for (let x = ox + print.width; x < width; x++) if (arc(x, y) || letter(x, y)) pixels[y * width + x] = 25;
  }
  const image: GrayImage = { width, height, ppi: 500, pixels };
  const inPrint = (x: number, y: number) =>
    x >= ox && y >= oy && x < ox + print.width && y < oy + print.height && print.pixels[(y - oy) * print.width + (x - ox)] < 200;
  return { image, inPrint, inInk: (x: number, y: number) => x >= ox + print.width && (arc(x, y) || letter(x, y)) };
}

describe('latent ridge region', () => {
  for (const seed of [3, 11]) {
    it(`keeps the print and leaves out pen strokes and lettering (seed ${seed})`, () => {
      const { image, inPrint, inInk } = latentCard(seed);
      const region = ridgeRegion(image);
      let print = 0;
      let printInside = 0;
      let ink = 0;
      let inkInside = 0;
      for (let y = 0; y < image.height; y += 2) {
        for (let x = 0; x < image.width; x += 2) {
          if (inPrint(x, y)) {
            print++;
            if (insideRegion(region, x, y)) printInside++;
          } else if (inInk(x, y)) {
            ink++;
            if (insideRegion(region, x, y)) inkInside++;
          }
        }
      }
      expect(printInside / print).toBeGreaterThan(0.75);
      expect(inkInside / ink).toBeLessThan(0.05);
    });
  }

  it('restricts a template to the region and leaves blank images empty', () => {
    const blank: GrayImage = { width: 200, height: 200, ppi: 500, pixels: new Uint8Array(200 * 200).fill(240) };
    const region = ridgeRegion(blank);
    expect(region.area).toBe(0);
    const template = {
      width: 200,
      height: 200,
      ppi: 500,
      quality: 50,
      minutiae: [{ x: 100, y: 100, angleRad: 0, type: 'ending' as const, quality: 60 }],
    };
    expect(restrictToRegion(template, region).minutiae).toHaveLength(0);
  });
});
