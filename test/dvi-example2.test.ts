import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseDviCaseJson } from '../engine/dvi/caseJson.js';
import { solveDvi } from '../engine/dvi/solve.js';

const path = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'dna', 'dvi-cases', 'example2.json');
const present = existsSync(path);
if (!present) console.warn(`skipping: ${path} missing`);

type Row = Record<string, string | number | null>;

describe.skipIf(!present)('Vigeland & Egeland (2021) example2: joint DVI reproduced exactly', () => {
  const doc = present ? JSON.parse(readFileSync(path, 'utf8')) : null;
  const expected: Row[] = doc?.expected.assignments ?? [];
  const victims = ['V1', 'V2', 'V3'];
  const key = (r: Row) => victims.map((v) => r[v]).join(',');

  it('lists all 14 assignments with log-likelihoods to 3 decimals and the LR column', () => {
    const solution = solveDvi(parseDviCaseJson(doc));
    expect(solution.assignments).toHaveLength(expected.length);
    expect(solution.assignmentsTotal).toBe(14);
    const got = new Map(solution.assignments.map((r) => [key(r), r]));
    for (const row of expected) {
      const mine = got.get(key(row));
      expect(mine, `assignment ${key(row)}`).toBeDefined();
      if (row.loglik === null) {
        expect(mine!.loglik).toBeNull();
        expect(mine!.LR).toBeNull();
      } else {
        expect(Number((mine!.loglik as number).toFixed(3))).toBe(row.loglik);
        expect(Math.abs((mine!.LR as number) - (row.LR as number)) / (row.LR as number)).toBeLessThan(1e-9);
      }
    }
    // Sorted best first, and the best is the published one.
    const best = solution.assignments[0];
    for (const v of victims) expect(best[v]).toBe(doc.expected.best[v]);
  });

  it('posteriors under a flat prior sum to 1 per victim and V1 = M2 is excluded', () => {
    const solution = solveDvi(parseDviCaseJson(doc));
    for (const v of victims) {
      const total = solution.posteriors.filter((p) => p.victim === v).reduce((s, p) => s + p.probability, 0);
      expect(total).toBeCloseTo(1, 12);
    }
    const v1m2 = solution.pairwise.find((p) => p.victim === 'V1' && p.missing === 'M2')!;
    expect(v1m2.dnaLR).toBe(0);
    expect(v1m2.excluded).toBe('dna');
    expect(solution.pairwise.find((p) => p.victim === 'V3' && p.missing === 'M1')!.excluded).toBe('sex');
    // Posterior of V2 = M2: 1/sum of LR^-1 over assignments with V2 = M2 divided by the total.
    const finite = expected.filter((r) => r.LR !== null);
    const z = finite.reduce((s, r) => s + 1 / (r.LR as number), 0);
    const withV2M2 = finite.filter((r) => r.V2 === 'M2').reduce((s, r) => s + 1 / (r.LR as number), 0);
    expect(solution.posteriors.find((p) => p.victim === 'V2' && p.missing === 'M2')!.probability).toBeCloseTo(
      withV2M2 / z,
      12,
    );
  });
});
