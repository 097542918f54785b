/**
 * The NIST latent (Type-13) and its mated exemplar (Type-14) of type-13-14-latent-match.an2 through the
 * 1:N search. Needs the reference data; skipped with a message when the file is absent.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { LATENT_FILE, loadNistLatentPair, minutiaeImpression, syntheticFinger } from '../bench/fingerprint-identify.js';
import { FingerprintGallery, searchSnapshot } from '../engine/fingerprint/identify/index.js';
import { mixSeed } from '../engine/fingerprint/synth/random.js';

const present = existsSync(LATENT_FILE);
if (!present) console.warn(`fp-identify-latent: ${LATENT_FILE} is missing; skipping the NIST latent tests`);

describe.skipIf(!present)('NIST latent against a gallery holding its mate', async () => {
  const { latent, mate } = present ? await loadNistLatentPair() : { latent: undefined, mate: undefined };
  const gallery = new FingerprintGallery();
  const size = 300;
  for (let k = 0; k < size; k++) gallery.add(`bg-${k}`, minutiaeImpression(syntheticFinger(k), mixSeed(k, 1)));
  if (mate) gallery.add('mate', mate);
  const snapshot = gallery.snapshot();

  it('the two-stage latent search lists the same candidates as an exhaustive one', () => {
    if (!latent) return;
    const fast = searchSnapshot(snapshot, latent, { mode: 'latent', limit: 20 });
    const full = searchSnapshot(snapshot, latent, { mode: 'latent', limit: 20, candidatesToRerank: size + 1 });
    expect(fast).toHaveLength(20);
    expect(fast.map((c) => c.id)).toEqual(full.map((c) => c.id));
  });

  it('lists 50 candidates by default', () => {
    if (!latent) return;
    expect(searchSnapshot(snapshot, latent, { mode: 'latent' })).toHaveLength(50);
  });

  // Until 2026-11-22 this was an expected failure: the latent's 250 minutiae came mostly from the pen
  // arc, lettering and card edges. With minutiae only from its ridge region (engine/fingerprint/latent)
  // the mate comes first; the 100k-finger figure is in bench/results/fingerprint-identify.md.
  it('finds the mate at rank 1 among synthetic fingers', () => {
    if (!latent) return;
    expect(searchSnapshot(snapshot, latent, { mode: 'latent' })[0].id).toBe('mate');
  });
});
