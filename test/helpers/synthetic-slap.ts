/**
 * A synthetic right-hand slap for tests: four generator fingers laid out as a four-finger plain
 * impression (the middle finger reaching highest, the little finger lowest), a lower phalanx under the
 * middle finger, and a strip of the next box's prints along the top edge, as on an inked card.
 */
import { synthesizeFinger, synthesizeImpressions } from '../../engine/fingerprint/synth/index.js';
import type { GrayImage } from '../../engine/fingerprint/types.js';

export const SLAP_WIDTH = 1600;
export const SLAP_HEIGHT = 1000;

/** Draws `part` (rows from `fromRow`, at most `rows` of them) onto the canvas at (x, y), darker wins. */
function paste(canvas: Uint8Array, part: GrayImage, x: number, y: number, fromRow = 0, rows = part.height): void {
  for (let r = 0; r < Math.min(rows, part.height - fromRow); r++) {
    for (let c = 0; c < part.width; c++) {
      const cx = x + c;
      const cy = y + r;
      if (cx < 0 || cy < 0 || cx >= SLAP_WIDTH || cy >= SLAP_HEIGHT) continue;
      const v = part.pixels[(fromRow + r) * part.width + c];
      if (v < canvas[cy * SLAP_WIDTH + cx]) canvas[cy * SLAP_WIDTH + cx] = v;
    }
  }
}

/** The slap image (index, middle, ring, little from left to right) and each finger's second impression. */
export function rightSlap(): { image: GrayImage; rollers: GrayImage[] } {
  const seeds = [41, 42, 43, 44];
  const impressions = seeds.map((seed) => synthesizeImpressions(synthesizeFinger(seed), 2, seed));
  const canvas = new Uint8Array(SLAP_WIDTH * SLAP_HEIGHT).fill(250);
  const tops = [260, 110, 170, 480];
  for (const [i, [tip]] of impressions.entries()) paste(canvas, tip.image, 40 + i * 390, tops[i]);
  const other = synthesizeImpressions(synthesizeFinger(77), 1, 77)[0].image;
  paste(canvas, other, 430, tops[1] + impressions[1][0].image.height + 20);
  paste(canvas, other, 20, 0, other.height - 150, 40);
  return {
    image: { width: SLAP_WIDTH, height: SLAP_HEIGHT, ppi: 500, pixels: canvas },
    rollers: impressions.map(([, second]) => second.image),
  };
}
