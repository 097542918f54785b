/** `idmatch fp compare` and `idmatch fp eval` through the CLI, on the shared FVC2002 ISO templates. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { idmatch, ROOT } from './helpers/cli.js';

const ISO = resolve(ROOT, '../shared/data/fingerprint/iso19794-2/fvc2002/DB1_B');

describe.skipIf(!existsSync(ISO))('fp compare / fp eval CLI', () => {
  if (!existsSync(ISO)) console.warn(`skipping fp CLI tests: ${ISO} is missing`);

  it('compares a mated and a non-mated pair of records with pairs and an FMR', () => {
    const mate = JSON.parse(
      idmatch(['fp', 'compare', join(ISO, '101_1.iso'), join(ISO, '101_3.iso'), '--json']).stdout,
    );
    const other = JSON.parse(
      idmatch(['fp', 'compare', join(ISO, '101_1.iso'), join(ISO, '102_1.iso'), '--json']).stdout,
    );
    expect(mate.score).toBeGreaterThan(other.score);
    expect(mate.fmr).toBeLessThan(1e-3);
    expect(other.fmr).toBeGreaterThan(1e-3);
    expect(mate.pairs.length).toBeGreaterThan(5);
    expect(mate.pairs[0]).toHaveProperty('probeMinutia.x');
    expect(mate.alignment).toHaveProperty('rotationRad');
  });

  it('evaluates a folder of templates by the FVC protocol and rejects unknown protocols', () => {
    const out = JSON.parse(idmatch(['fp', 'eval', ISO, '--templates', ISO, '--json']).stdout);
    expect(Object.keys(out).sort()).toEqual(
      [
        'comparisonsPerSecond',
        'eer',
        'extractMs',
        'fmr100',
        'fmr1000',
        'genuine',
        'impostor',
        'zeroFmr',
      ].sort(),
    );
    expect(out.genuine).toBe(280);
    expect(out.impostor).toBe(45);
    expect(out.eer).toBeLessThan(0.0361);
    const bad = idmatch(['fp', 'eval', ISO, '--templates', ISO, '--protocol', 'fvc-huge', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('IDM_VALIDATION');
  });
});
