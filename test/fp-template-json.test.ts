/**
 * The JSON form of a template: what `fp extract --json` and `fp synth` write is what `fp search` reads
 * (before, a probe written by `fp extract --json` loaded with undefined angles and matched nothing).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { IdmError } from '../engine/errors.js';
import { extractTemplate } from '../engine/fingerprint/extract/index.js';
import { encodePng } from '../engine/fingerprint/image.js';
import { compareTemplates, prepareTemplate } from '../engine/fingerprint/match/index.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import { parseTemplateJson, templateJson } from '../engine/fingerprint/template-json.js';
import { idmatch } from './helpers/cli.js';

const impressions = [51, 52, 53].map((seed) => synthesizeImpressions(synthesizeFinger(seed), 2, seed));
const extracted = impressions.map((pair) => pair.map((i) => extractTemplate(i.image)));

function formatError(value: unknown): string {
  try {
    parseTemplateJson(value);
  } catch (error) {
    expect(error).toBeInstanceOf(IdmError);
    expect((error as IdmError).code).toBe('IDM_TEMPLATE_FORMAT');
    return (error as Error).message;
  }
  throw new Error('expected a malformed template to be refused');
}

describe('template JSON', () => {
  it('round-trips a template, orientation map included, scoring as the original', () => {
    const [a, b] = extracted[0];
    const read = parseTemplateJson(JSON.parse(JSON.stringify(templateJson(b))));
    expect(read.orientation).toEqual(b.orientation);
    expect(read.minutiae).toHaveLength(b.minutiae.length);
    for (const [i, m] of read.minutiae.entries()) expect(m.angleRad).toBeCloseTo(b.minutiae[i].angleRad, 4);
    const original = compareTemplates(prepareTemplate(a), prepareTemplate(b));
    expect(compareTemplates(prepareTemplate(a), prepareTemplate(read))).toBeCloseTo(original, 1);
  });

  it('reads the in-memory form (angleRad) too', () => {
    const [a] = extracted[1];
    expect(parseTemplateJson(JSON.parse(JSON.stringify(a))).minutiae).toEqual(a.minutiae);
  });

  it('refuses what would otherwise match nothing or crash, naming the field', () => {
    const good = templateJson(extracted[2][0]);
    const minutia = good.minutiae[0];
    expect(formatError({ ...good, minutiae: [{ ...minutia, angle: null }] })).toMatch(/minutiae\[0\]\.angle/);
    expect(formatError({ ...good, minutiae: [{ ...minutia, type: 'loop' }] })).toMatch(/type/);
    expect(formatError({ ...good, minutiae: [{ ...minutia, x: '3' }] })).toMatch(/minutiae\[0\]\.x/);
    expect(formatError({ ...good, minutiae: undefined })).toMatch(/minutiae array/);
    expect(formatError({ ...good, width: 0 })).toMatch(/width/);
    expect(formatError({ ...good, ppi: Number.NaN })).toMatch(/ppi/);
    expect(formatError({ ...good, position: 300 })).toMatch(/position/);
    expect(formatError({ ...good, orientation: null })).toMatch(/orientation/);
    expect(formatError({ ...good, orientation: { ...good.orientation, degrees: 'AAAA' } })).toMatch(/blocks/);
    expect(formatError([1, 2])).toMatch(/minutiae array/);
  });
});

describe('fp extract --json into fp search', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idmatch-template-json-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the mate of a probe written by fp extract --json', async () => {
    const gallery = join(dir, 'gallery');
    mkdirSync(gallery);
    for (const [k, [first]] of extracted.entries())
      writeFileSync(join(gallery, `finger${k}.json`), JSON.stringify(templateJson(first)));
    const image = join(dir, 'probe.png');
    writeFileSync(image, await encodePng(impressions[1][1].image));
    const probe = join(dir, 'probe.json');
    expect(idmatch(['fp', 'extract', image, '--out', probe]).code).toBe(0);
    expect(JSON.parse(readFileSync(probe, 'utf8')).minutiae[0]).toHaveProperty('angle');
    const result = JSON.parse(idmatch(['fp', 'search', probe, '--gallery', gallery, '--json']).stdout);
    expect(result.candidates[0]).toMatchObject({ id: 'finger1.json', rank: 1 });
    expect(result.candidates[0].score).toBeGreaterThan(result.candidates[1].score + 2);
  });
});
