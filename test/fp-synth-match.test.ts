/**
 * Synthetic fingerprints through extractor and matcher: impressions of one finger match, impressions of
 * different fingers do not (the always-on end-to-end check; no reference data needed).
 */
import { describe, expect, it } from 'vitest';

import { extractTemplate } from '../engine/fingerprint/extract/index.js';
import { compareTemplates, fmrToThreshold, prepareTemplate } from '../engine/fingerprint/match/index.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';

describe('synthetic impressions through extractor and matcher', () => {
  const fingers = [21, 22, 23, 24].map((seed) =>
    synthesizeImpressions(synthesizeFinger(seed), 2, seed).map((impression) =>
      prepareTemplate(extractTemplate(impression.image)),
    ),
  );

  it('scores every genuine pair above every impostor pair', () => {
    const genuine = fingers.map(([a, b]) => compareTemplates(a, b));
    const impostor: number[] = [];
    for (let i = 0; i < fingers.length; i++) {
      for (let j = 0; j < fingers.length; j++)
        if (i !== j) impostor.push(compareTemplates(fingers[i][0], fingers[j][1]));
    }
    expect(Math.min(...genuine)).toBeGreaterThan(Math.max(...impostor));
  });

  it('genuine pairs clear the matcher threshold at a false match rate of 1 in 1000', () => {
    const threshold = fmrToThreshold(1e-3);
    for (const [a, b] of fingers) expect(compareTemplates(a, b)).toBeGreaterThan(threshold);
  });
});
