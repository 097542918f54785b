import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { IdmError } from '../engine/errors.js';
import {
  detectMinutiaeRecordFormat,
  parseMinutiaeRecord,
  parseMinutiaeRecordDetailed,
  writeAnsi378Record,
  writeIsoRecord,
} from '../engine/fingerprint/formats/minutiae-record.js';
import type { FingerprintTemplate } from '../engine/fingerprint/types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(repoRoot, '../shared/data/fingerprint');
const isoDir = join(dataDir, 'iso19794-2');
const recordsDir = join(dataDir, 'minutiae-records');

function expectTemplateError(run: () => unknown, pattern: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdmError);
    expect((error as IdmError).code).toBe('IDM_TEMPLATE_FORMAT');
    expect((error as IdmError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected IDM_TEMPLATE_FORMAT');
}

/** A deterministic template with every minutia type, angles spread over the circle, integer positions. */
function sampleTemplate(count: number, position = 3): FingerprintTemplate {
  const minutiae = Array.from({ length: count }, (_, i) => ({
    x: (i * 37) % 300,
    y: (i * 53) % 400,
    // ISO angle codes are multiples of 360/256 degrees, ANSI of 2 degrees: multiples of 90 degrees are exact in both.
    angleRad: ((i % 4) * Math.PI) / 2,
    type: (['ending', 'bifurcation', 'other'] as const)[i % 3],
    quality: (i * 7) % 101,
  }));
  return { width: 300, height: 400, ppi: 500, quality: 61, minutiae, position };
}

describe('ISO/ANSI minutiae records: round trips of records built here', () => {
  it('writes and re-reads an ISO 19794-2:2005 record exactly', () => {
    const template = sampleTemplate(40);
    const bytes = writeIsoRecord(template);
    expect(detectMinutiaeRecordFormat(bytes)).toBe('iso19794-2:2005');
    expect(bytes.length).toBe(24 + 4 + 40 * 6 + 2);
    const [back] = parseMinutiaeRecord(bytes);
    expect(back.width).toBe(300);
    expect(back.height).toBe(400);
    expect(back.ppi).toBeCloseTo(500.38, 2); // 197 px/cm
    expect(back.quality).toBe(61);
    expect(back.position).toBe(3);
    expect(back.minutiae.length).toBe(40);
    for (const [i, m] of back.minutiae.entries()) {
      const original = template.minutiae[i];
      expect(m.x).toBe(original.x);
      expect(m.y).toBe(original.y);
      expect(m.type).toBe(original.type);
      expect(m.quality).toBe(original.quality);
      expect(m.angleRad).toBeCloseTo(original.angleRad, 10);
    }
  });

  it('writes and re-reads an ANSI INCITS 378-2004 record with several views', () => {
    const views = [sampleTemplate(12, 2), sampleTemplate(20, 2), sampleTemplate(5, 7)];
    const bytes = writeAnsi378Record(views);
    expect(detectMinutiaeRecordFormat(bytes)).toBe('ansi378:2004');
    const detailed = parseMinutiaeRecordDetailed(bytes);
    expect(detailed.views.map((v) => [v.position, v.viewNumber, v.minutiae.length])).toEqual([
      [2, 0, 12],
      [2, 1, 20],
      [7, 0, 5],
    ]);
    expect(detailed.warnings).toEqual([]);
    for (const [v, view] of detailed.views.entries()) {
      for (const [i, m] of view.minutiae.entries()) {
        expect(m.angleRad).toBeCloseTo(views[v].minutiae[i].angleRad, 10);
        expect([m.x, m.y, m.type]).toEqual([
          views[v].minutiae[i].x,
          views[v].minutiae[i].y,
          views[v].minutiae[i].type,
        ]);
      }
    }
  });

  it('quantises angles to the unit of each standard and keeps them in [0, 2pi)', () => {
    const template: FingerprintTemplate = {
      ...sampleTemplate(0),
      minutiae: [
        { x: 10, y: 10, angleRad: 1, type: 'ending', quality: 50 },
        { x: 11, y: 11, angleRad: 2 * Math.PI - 0.001, type: 'ending', quality: 50 },
        { x: 12, y: 12, angleRad: -Math.PI / 2, type: 'bifurcation', quality: 50 },
      ],
    };
    const iso = parseMinutiaeRecord(writeIsoRecord(template))[0].minutiae.map((m) => m.angleRad);
    const ansi = parseMinutiaeRecord(writeAnsi378Record(template))[0].minutiae.map((m) => m.angleRad);
    expect(Math.abs(iso[0] - 1)).toBeLessThanOrEqual(Math.PI / 256);
    expect(Math.abs(ansi[0] - 1)).toBeLessThanOrEqual(Math.PI / 180);
    expect(iso[1]).toBe(0);
    expect(ansi[1]).toBe(0);
    expect(iso[2]).toBeCloseTo((3 * Math.PI) / 2, 10);
    expect(ansi[2]).toBeCloseTo((3 * Math.PI) / 2, 10);
  });

  it('uses the 6-byte ANSI length form for records above 65535 bytes', () => {
    const views = Array.from({ length: 60 }, (_, i) => sampleTemplate(200, (i % 10) + 1));
    const bytes = writeAnsi378Record(views);
    expect(bytes.length).toBeGreaterThan(0xffff);
    expect((bytes[8] << 8) | bytes[9]).toBe(0);
    expect(parseMinutiaeRecord(bytes).length).toBe(60);
  });

  it('rejects every truncation of a record with a precise message', () => {
    const bytes = writeIsoRecord(sampleTemplate(10));
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(() => parseMinutiaeRecord(bytes.subarray(0, bytes.length - cut))).toThrow(IdmError);
    }
    expectTemplateError(
      () => parseMinutiaeRecord(bytes.subarray(0, bytes.length - 1)),
      /record length field says 90 bytes but only 89 are present/,
    );
  });

  it('rejects a minutia count that overruns the record', () => {
    const bytes = writeIsoRecord(sampleTemplate(3));
    bytes[27] = 200; // minutia count of the first view
    expectTemplateError(
      () => parseMinutiaeRecord(bytes),
      /truncated at byte 28 reading the 200 minutiae of view 0/,
    );
  });

  it('rejects minutiae outside the declared image, bad magic and unknown versions', () => {
    const bytes = writeIsoRecord(sampleTemplate(3));
    bytes[28] = 0x7f; // x high byte of minutia 0: x = 0x3f00 > width
    expectTemplateError(
      () => parseMinutiaeRecord(bytes),
      /minutia 0 at \(16128, 0\) lies outside the 300x400 image/,
    );
    expectTemplateError(() => parseMinutiaeRecord(new TextEncoder().encode('GIF89a..')), /format identifier/);
    expectTemplateError(
      () => parseMinutiaeRecord(new TextEncoder().encode('FMR\0 99\0....')),
      /version "99"/,
    );
    expectTemplateError(() => parseMinutiaeRecord(new Uint8Array(3)), /shorter than the 8-byte identifier/);
  });

  it('refuses to write what the formats cannot hold', () => {
    expectTemplateError(() => writeIsoRecord(sampleTemplate(256)), /at most 255/);
    expectTemplateError(() => writeIsoRecord({ ...sampleTemplate(1), width: 20000 }), /14-bit/);
    expectTemplateError(() => writeAnsi378Record([]), /without any finger view/);
  });
});

/** Big-endian fields for the hand-built 2009/2011 records. */
const u8 = (v: number) => [v & 0xff];
const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number) => [...u16(Math.floor(v / 0x10000)), ...u16(v & 0xffff)];
const be = (...parts: number[][]) => parts.flat();

const MINUTIAE_BYTES = [
  ...[0x40, 100, 0, 50, 64, 80], // ending at (100, 50), angle code 64
  ...[0x80, 30, 0, 200, 0, 0], // bifurcation at (30, 200), angle code 0
];

describe('the 2009/2011 editions, from records assembled here byte by byte', () => {
  it('reads an ISO 19794-2:2011 record (general header, 19794-1 sample header, 6-byte minutiae)', () => {
    const representation = be(
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // capture date-time not given
      u8(1), // device technology
      u16(0x0101), // vendor
      u16(7), // device type
      u8(1), // one quality block
      u8(55),
      u16(0x0101),
      u16(1),
      u8(4), // finger position
      u8(0), // representation number
      u16(197),
      u16(197),
      u8(0), // impression type
      u16(256),
      u16(300),
      u8(0x60), // 6-byte minutiae, ridge ending type 0
      u8(2),
      MINUTIAE_BYTES,
      u16(0), // no extended data
    );
    const body = be(u32(representation.length + 4), representation);
    const record = Uint8Array.from([
      ...be([0x46, 0x4d, 0x52, 0, 0x30, 0x33, 0x30, 0], u32(15 + body.length), u16(1), u8(0)),
      ...body,
    ]);
    expect(detectMinutiaeRecordFormat(record)).toBe('iso19794-2:2011');
    const detailed = parseMinutiaeRecordDetailed(record);
    expect(detailed.equipmentId).toBe(7);
    const [view] = detailed.views;
    expect(view).toMatchObject({ width: 256, height: 300, position: 4, quality: 55, impressionType: 0 });
    expect(view.minutiae).toEqual([
      { x: 100, y: 50, angleRad: (64 * 2 * Math.PI) / 256, type: 'ending', quality: 80 },
      { x: 30, y: 200, angleRad: 0, type: 'bifurcation', quality: 0 },
    ]);
    expectTemplateError(
      () => parseMinutiaeRecord(record.subarray(0, record.length - 2)),
      /record length field says/,
    );
  });

  it('reads an ANSI INCITS 378-2009 record with the 21-byte published header', () => {
    const view = be(
      u8(5), // position
      u8(0), // view number
      u8(1), // impression: live-scan rolled
      u8(77), // finger quality
      u16(0x0101),
      u16(1),
      u16(256),
      u16(300),
      u16(197),
      u16(197),
      u8(2),
      [0x40, 100, 0, 50, 45, 80], // angle code 45 = 90 degrees
      [0x80, 30, 0, 200, 0, 0],
      u16(0),
    );
    const header = be(
      [0x46, 0x4d, 0x52, 0, 0x30, 0x33, 0x30, 0],
      u32(21 + view.length),
      u16(0x0101),
      u16(0),
      u8(0x80),
      u16(9),
      u8(1),
      u8(0),
    );
    const record = Uint8Array.from([...header, ...view]);
    expect(detectMinutiaeRecordFormat(record)).toBe('ansi378:2009');
    const detailed = parseMinutiaeRecordDetailed(record);
    expect(detailed.equipmentId).toBe(9);
    expect(detailed.views[0]).toMatchObject({ position: 5, impressionType: 1, quality: 77, width: 256 });
    expect(detailed.views[0].minutiae[0].angleRad).toBeCloseTo(Math.PI / 2, 12);
  });
});

describe.skipIf(!existsSync(isoDir))('ISO 19794-2:2005 templates of FVC2002 (shared data)', () => {
  if (!existsSync(isoDir)) console.warn(`skipping: ${isoDir} missing`);

  it('parses all 320 valid templates', () => {
    let files = 0;
    let minutiae = 0;
    for (const db of readdirSync(join(isoDir, 'fvc2002'))) {
      for (const name of readdirSync(join(isoDir, 'fvc2002', db))) {
        const bytes = readFileSync(join(isoDir, 'fvc2002', db, name));
        expect(detectMinutiaeRecordFormat(bytes)).toBe('iso19794-2:2005');
        const templates = parseMinutiaeRecord(bytes);
        expect(templates.length).toBe(1);
        const [t] = templates;
        expect(t.ppi).toBeCloseTo(500.38, 2);
        expect(t.minutiae.length).toBeGreaterThan(0);
        for (const m of t.minutiae) {
          expect(m.x).toBeLessThan(t.width);
          expect(m.y).toBeLessThan(t.height);
          expect(m.angleRad).toBeGreaterThanOrEqual(0);
          expect(m.angleRad).toBeLessThan(2 * Math.PI);
        }
        // Export and re-import reproduces the template.
        expect(parseMinutiaeRecord(writeIsoRecord(t))).toEqual(templates);
        files++;
        minutiae += t.minutiae.length;
      }
    }
    expect(files).toBe(320);
    expect(minutiae / files).toBeGreaterThan(15);
  });

  it('decodes the first minutia of DB1_B/101_1 as written', () => {
    // Bytes 28..33: 80 a5 00 30 6b 00 -> bifurcation at (165, 48), angle code 107.
    const [t] = parseMinutiaeRecord(readFileSync(join(isoDir, 'fvc2002/DB1_B/101_1.iso')));
    expect(t.width).toBe(300);
    expect(t.height).toBe(400);
    expect(t.minutiae.length).toBe(25);
    expect(t.minutiae[0]).toEqual({
      x: 165,
      y: 48,
      angleRad: (107 * 2 * Math.PI) / 256,
      type: 'bifurcation',
      quality: 0,
    });
  });

  it('rejects the three truncated templates with a precise error', () => {
    const invalid = readdirSync(join(isoDir, 'invalid'));
    expect(invalid.length).toBe(3);
    for (const name of invalid) {
      const bytes = readFileSync(join(isoDir, 'invalid', name));
      expectTemplateError(
        () => parseMinutiaeRecord(bytes),
        new RegExp(`record length field says 30 bytes but only ${bytes.length} are present`),
      );
    }
  });
});

describe.skipIf(!existsSync(recordsDir))('NIST finger minutiae records (shared data)', () => {
  if (!existsSync(recordsDir)) console.warn(`skipping: ${recordsDir} missing`);
  const read = (name: string) => readFileSync(join(recordsDir, name));

  it('reads the same finger views from the ISO 2005, ANSI 2004 and ANSI 2007 editions', () => {
    const iso = parseMinutiaeRecordDetailed(read('fmr.iso2005'));
    const ansi2004 = parseMinutiaeRecordDetailed(read('fmr.ansi2004'));
    const ansi2007 = parseMinutiaeRecordDetailed(read('fmr.ansi2007'));
    expect(iso.format).toBe('iso19794-2:2005');
    expect(ansi2004.format).toBe('ansi378:2004');
    expect(ansi2007.format).toBe('ansi378:2009');
    expect(iso.views.map((v) => [v.position, v.minutiae.length, v.quality])).toEqual([
      [7, 27, 90],
      [2, 22, 70],
    ]);
    expect(ansi2004.views.map((v) => [v.position, v.minutiae.length, v.quality])).toEqual([
      [7, 27, 90],
      [2, 22, 70],
      [3, 28, 69],
    ]);
    expect(ansi2007.views.map((v) => [v.position, v.minutiae.length])).toEqual([
      [7, 27],
      [2, 22],
    ]);
    // Same minutiae in all editions: positions exact, angles within the coarser unit (2 degrees).
    for (const other of [ansi2004, ansi2007]) {
      for (let v = 0; v < 2; v++) {
        for (const [i, m] of iso.views[v].minutiae.entries()) {
          const n = other.views[v].minutiae[i];
          expect([n.x, n.y, n.type]).toEqual([m.x, m.y, m.type]);
          const diff = Math.abs(n.angleRad - m.angleRad);
          expect(Math.min(diff, 2 * Math.PI - diff)).toBeLessThan((2.1 * Math.PI) / 180);
        }
      }
    }
    // The ANSI 2007 record carries a well-formed ridge-count block (type 1) on its second view.
    expect(ansi2007.views[1].extendedData.map((b) => [b.type, b.data.length])).toEqual([[1, 7]]);
  });
});
