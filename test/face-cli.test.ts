/**
 * `idmatch face detect|compare|eval` through the real CLI (bin/idmatch.js), on face crops cut from
 * face-api's demo photos: the JSON documents, the pairs evaluator's report and failure-to-enrol
 * accounting, and the exit code of a bad upload.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { convertAll } from '../models/convert.js';
import { demoPhoto } from './face-fixtures.js';
import { idmatch } from './helpers/cli.js';

const run = (...args: string[]) => idmatch(args, { timeoutMs: 50_000 });

describe('idmatch face CLI', () => {
  let dir: string;

  beforeAll(async () => {
    convertAll();
    dir = mkdtempSync(join(tmpdir(), 'idmatch-face-cli-'));
    // Two people of sample3.jpg, each cut twice (different framing and size): a same-person pair per person.
    const photo = demoPhoto('sample3.jpg');
    const cut = (left: number, top: number, side: number, out: number, name: string) =>
      sharp(photo)
        .extract({ left, top, width: side, height: side })
        .resize(out, out)
        .jpeg({ quality: 90 })
        .toFile(join(dir, name));
    await cut(530, 280, 320, 320, 'p1-a.jpg');
    await cut(500, 240, 400, 200, 'p1-b.jpg');
    await cut(1440, 260, 330, 320, 'p2-a.jpg');
    await cut(1400, 220, 420, 220, 'p2-b.jpg');
    writeFileSync(join(dir, 'not-an-image.jpg'), 'plain text');
    writeFileSync(
      join(dir, 'pairs.csv'),
      [
        'image_a,image_b,same',
        'p1-a.jpg,p1-b.jpg,1',
        'p2-a.jpg,p2-b.jpg,1',
        'p1-a.jpg,p2-a.jpg,0',
        'p1-b.jpg,p2-b.jpg,0',
        'not-an-image.jpg,p1-a.jpg,1',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('face detect --json lists faces with boxes, 68 landmarks and quality', () => {
    const out = run('face', 'detect', join(dir, 'p1-a.jpg'), '--json');
    expect(out.code, out.stderr).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc.faces).toHaveLength(1);
    expect(doc.faces[0].landmarks).toHaveLength(68);
    expect(doc.faces[0].quality).toHaveProperty('overall');
  });

  it('face compare --json: the same person matches, with an FMR and a likelihood ratio', () => {
    const same = JSON.parse(
      run('face', 'compare', join(dir, 'p1-a.jpg'), join(dir, 'p1-b.jpg'), '--json').stdout,
    );
    expect(same.match).toBe(true);
    expect(same.similarity).toBeGreaterThanOrEqual(same.threshold);
    expect(same.fmr).toBeLessThan(1e-3);
    expect(same.log10Lr).toBeGreaterThan(0);
  });

  it('face eval --pairs --json reports EER, AUC, TAR at FAR and thresholds; an unreadable image is a failure to enrol', () => {
    const out = run('face', 'eval', '--pairs', join(dir, 'pairs.csv'), '--json');
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(Object.keys(report)).toEqual([
      'pairs',
      'failedToEnrol',
      'eer',
      'auc',
      'tarAtFar1e2',
      'tarAtFar1e3',
      'thresholds',
    ]);
    expect(report.pairs).toBe(5);
    expect(report.failedToEnrol).toBe(1);
    // 2 good genuine pairs above both impostors, the failed genuine pair scored as a non-match (-1)
    expect(report.auc).toBeCloseTo(2 / 3, 9);
    expect(report.tarAtFar1e2).toBeCloseTo(2 / 3, 9);
    expect(report.thresholds[0]).toMatchObject({ far: 1, tar: 1 });
  });

  it('a non-image exits with code 2 and a coded JSON error', () => {
    const out = run('face', 'detect', join(dir, 'not-an-image.jpg'), '--json');
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stdout).error.code).toBe('IDM_BAD_IMAGE');
  });
});
