/** `idmatch fp search` through the CLI, on a temporary folder of synthetic JSON templates. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { minutiaeImpression, syntheticFinger } from '../bench/fingerprint-identify.js';
import { mixSeed } from '../engine/fingerprint/synth/random.js';
import { idmatch } from './helpers/cli.js';


describe('fp search CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idmatch-fp-search-'));
  const gallery = join(dir, 'gallery');
  const probe = join(dir, 'probe.json');
  mkdirSync(gallery);
  for (let k = 0; k < 30; k++)
    writeFileSync(join(gallery, `f${k}.json`), JSON.stringify(minutiaeImpression(syntheticFinger(k), mixSeed(k, 1))));
  writeFileSync(join(gallery, 'notes.json'), '{"no": "minutiae"}');
  writeFileSync(probe, JSON.stringify(minutiaeImpression(syntheticFinger(17), mixSeed(17, 2))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // One invocation per case: each CLI start loads every command module (seconds on a loaded machine).
  it('lists the mate first, reports unreadable gallery files, and honours --latent and --limit', () => {
    const latent = JSON.parse(idmatch(['fp', 'search', probe, '--gallery', gallery, '--latent', '--limit', '5', '--json']).stdout);
    expect(latent.mode).toBe('latent');
    expect(latent.gallerySize).toBe(30);
    expect(latent.skipped).toEqual([expect.objectContaining({ file: 'notes.json' })]);
    expect(latent.candidates).toHaveLength(5);
    expect(latent.candidates[0]).toMatchObject({ id: 'f17.json', rank: 1 });
    expect(latent.candidates[0].fmr).toBeLessThan(latent.candidates[1].fmr);
  });

  it('fails with a coded error for a missing gallery folder', () => {
    const result = idmatch(['fp', 'search', probe, '--gallery', join(dir, 'nowhere'), '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.code).toBe('IDM_NOT_FOUND');
  });
});
