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

  // Known gap (issue 7): with our extractor's templates the matcher scores this latent against its mate
  // at ~0.7-1.0, no better than against unrelated fingers (~1-2), so no search strategy can put the mate
  // first; the search stage is not the cause (the test above: two-stage = exhaustive). Marked as an
  // expected failure so that it turns red, and gets promoted, once extraction or matching of latents
  // improves.
  it.fails('finds the mate at rank 1 among synthetic fingers (expected to fail: extractor/matcher gap)', () => {
    if (!latent) return;
    expect(searchSnapshot(snapshot, latent, { mode: 'latent' })[0].id).toBe('mate');
  });
});
