/**
 * Ridge flow in matching: the orientation map our extractor keeps with a template, the orientation
 * descriptors the matcher derives from it, and how ridge-flow comparisons are weighted, scored on the
 * common scale, packed, explained, and refused when the map is malformed.
 */
import { describe, expect, it } from 'vitest';

import { IdmError } from '../engine/errors.js';
import { extractTemplate } from '../engine/fingerprint/extract/index.js';
import { logLrFromTable, rescore } from '../engine/fingerprint/match/calibration.js';
import { FLOW_CALIBRATION, SHIPPED_CALIBRATION } from '../engine/fingerprint/match/calibration-table.js';
import { DESCRIPTOR_LENGTH, descriptorSimilarity } from '../engine/fingerprint/match/descriptor.js';
import {
  compareTemplates,
  comparisonLogLr,
  explainComparison,
  packedTemplateBytes,
  prepareTemplate,
  rawComparisonScore,
  scoreToLogLr,
  viewPrepared,
} from '../engine/fingerprint/match/index.js';
import { NO_ORIENTATION, orientationBytes } from '../engine/fingerprint/orientation-map.js';
import { synthesizeFinger, synthesizeImpressions } from '../engine/fingerprint/synth/index.js';
import type { FingerprintTemplate, OrientationMap } from '../engine/fingerprint/types.js';

const fingers = [41, 42, 43].map((seed) =>
  synthesizeImpressions(synthesizeFinger(seed), 2, seed).map((impression) =>
    extractTemplate(impression.image),
  ),
);
const [first] = fingers[0];

function mapWith(
  bytes: Uint8Array,
  map: OrientationMap,
  columns = map.columns,
  rows = map.rows,
): OrientationMap {
  return { blockSize: map.blockSize, columns, rows, degrees: Buffer.from(bytes).toString('base64') };
}

/** The template turned by 90 degrees counter-clockwise (as seen), map and minutiae together. */
function turned(template: FingerprintTemplate): FingerprintTemplate {
  const map = template.orientation!;
  const bytes = orientationBytes(map);
  const { columns, rows, blockSize } = map;
  const out = new Uint8Array(columns * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const value = bytes[r * columns + c];
      // Block (c, r) goes to column r, row columns - 1 - c; a ridge orientation turns by 90 degrees too.
      out[(columns - 1 - c) * rows + r] = value === NO_ORIENTATION ? value : (value + 90) % 180;
    }
  }
  return {
    ...template,
    width: template.height,
    height: template.width,
    orientation: mapWith(out, map, rows, columns),
    minutiae: template.minutiae.map((m) => ({
      ...m,
      x: m.y,
      y: columns * blockSize - m.x,
      angleRad: (m.angleRad + Math.PI / 2) % (2 * Math.PI),
    })),
  };
}

describe('orientation map', () => {
  it('is kept with every extracted template: one degree 0-179 per print block, 255 outside the print', () => {
    const map = first.orientation!;
    expect(map.blockSize).toBeGreaterThan(0);
    expect(map.columns * map.blockSize).toBeGreaterThanOrEqual(first.width);
    const bytes = orientationBytes(map);
    expect(bytes.length).toBe(map.columns * map.rows);
    const inside = bytes.filter((b) => b !== NO_ORIENTATION);
    expect(inside.length).toBeGreaterThan(bytes.length / 4);
    expect(inside.length).toBeLessThan(bytes.length);
    expect(Math.max(...inside)).toBeLessThan(180);
    // Survives the JSON templates are stored as.
    expect(JSON.parse(JSON.stringify(first)).orientation).toEqual(map);
  });

  it('refuses a malformed map with a coded error instead of reading out of bounds', () => {
    const map = first.orientation!;
    const bytes = orientationBytes(map);
    const bad: OrientationMap[] = [
      { ...map, degrees: Buffer.from(bytes.subarray(1)).toString('base64') },
      mapWith(
        Uint8Array.from(bytes, (b, i) => (i === 7 ? 200 : b)),
        map,
      ),
      { ...map, columns: 0 },
      { ...map, rows: 1.5 },
      { ...map, columns: 100_000, rows: 100_000 },
      { ...map, degrees: 42 as unknown as string },
    ];
    for (const orientation of bad) {
      let error: unknown;
      try {
        prepareTemplate({ ...first, orientation });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(IdmError);
      expect((error as IdmError).code).toBe('IDM_TEMPLATE_FORMAT');
    }
  });
});

describe('orientation descriptors', () => {
  it('do not depend on where the print lies or how it is turned', () => {
    const a = prepareTemplate(first);
    const b = prepareTemplate(turned(first));
    expect(a.descriptorLength).toBe(DESCRIPTOR_LENGTH);
    let equal = 0;
    for (let i = 0; i < a.descriptor.length; i++) equal += Number(a.descriptor[i] === b.descriptor[i]);
    expect(equal / a.descriptor.length).toBeGreaterThan(0.99);
    for (let i = 0; i < a.count; i++) {
      const similarity = descriptorSimilarity(a.descriptor, i, b.descriptor, i);
      if (similarity >= 0) expect(similarity).toBeGreaterThan(0.99);
    }
  });

  it('agree around the pairs of a genuine comparison and are reported with each pair', () => {
    for (const [a, b] of fingers) {
      const explanation = explainComparison(prepareTemplate(a), prepareTemplate(b));
      const flows = explanation.pairs.map((p) => p.ridgeFlow).filter((f): f is number => f !== null);
      expect(flows.length).toBeGreaterThan(explanation.pairs.length / 2);
      flows.sort((u, v) => u - v);
      expect(flows[flows.length >> 1]).toBeGreaterThan(0.9);
    }
  });

  it('are compared only when both templates have a map: otherwise the comparison is minutiae-only', () => {
    const [a, b] = fingers[1];
    const bare = (t: FingerprintTemplate) => prepareTemplate({ ...t, orientation: undefined });
    expect(bare(a).descriptorLength).toBe(0);
    const mixed = compareTemplates(prepareTemplate(a), bare(b));
    expect(mixed).toBe(compareTemplates(bare(a), bare(b)));
    expect(explainComparison(prepareTemplate(a), bare(b)).pairs.every((p) => p.ridgeFlow === null)).toBe(
      true,
    );
  });
});

describe('ridge-flow scores', () => {
  it('separate every genuine pair from every impostor pair of the synthetic fingers', () => {
    const prepared = fingers.map((pair) => pair.map(prepareTemplate));
    const genuine = prepared.map(([a, b]) => compareTemplates(a, b));
    const impostor: number[] = [];
    for (let i = 0; i < prepared.length; i++)
      for (let j = 0; j < prepared.length; j++)
        if (i !== j) impostor.push(compareTemplates(prepared[i][0], prepared[j][1]));
    expect(Math.min(...genuine)).toBeGreaterThan(Math.max(...impostor));
  });

  it('are put on the common scale: same false match rate, monotone, 0 stays 0', () => {
    const [a, b] = fingers[2].map(prepareTemplate);
    const raw = rawComparisonScore(a, b);
    expect(raw).toBeGreaterThan(0);
    expect(compareTemplates(a, b)).toBeCloseTo(rescore(raw, FLOW_CALIBRATION, SHIPPED_CALIBRATION), 9);
    expect(rescore(0, FLOW_CALIBRATION, SHIPPED_CALIBRATION)).toBe(0);
    let previous = 0;
    for (let s = 0.05; s < 12; s += 0.05) {
      const common = rescore(s, FLOW_CALIBRATION, SHIPPED_CALIBRATION);
      expect(common).toBeGreaterThan(previous);
      previous = common;
    }
  });

  it('have their own likelihood-ratio fit, and minutiae-only comparisons keep the shipped one', () => {
    const [a, b] = fingers[1].map(prepareTemplate);
    const bare = prepareTemplate({ ...fingers[1][1], orientation: undefined });
    // A score of 0 weighs less against a mate when ridge flow was compared (more impostors reach 0).
    expect(comparisonLogLr(a, b, 0)).toBeCloseTo(logLrFromTable(FLOW_CALIBRATION, 0), 9);
    expect(comparisonLogLr(a, bare, 0)).toBe(scoreToLogLr(0));
    expect(comparisonLogLr(a, b, 0)).toBeGreaterThan(scoreToLogLr(0));
    const score = compareTemplates(a, b);
    expect(comparisonLogLr(a, b, score)).toBeCloseTo(
      logLrFromTable(FLOW_CALIBRATION, rawComparisonScore(a, b)),
      6,
    );
    expect(comparisonLogLr(a, b, score)).toBeGreaterThan(2);
  });

  it('come out the same from a template packed into a shared buffer at any offset', () => {
    const [a, b] = fingers[0].map(prepareTemplate);
    const bytes = packedTemplateBytes(b.count, b.stride, b.descriptorLength);
    const shared = new SharedArrayBuffer(bytes + 64);
    new Uint8Array(shared, 64, bytes).set(new Uint8Array(b.x.buffer, 0, bytes));
    const view = viewPrepared(shared, 64);
    expect(view.descriptorLength).toBe(DESCRIPTOR_LENGTH);
    expect(Array.from(view.descriptor)).toEqual(Array.from(b.descriptor));
    expect(compareTemplates(a, view)).toBe(compareTemplates(a, b));
  });
});
