import { describe, expect, it } from 'vitest';

import { buildIdentificationReport, renderReportHtml } from '../engine/dvi/report.js';
import { solveDvi } from '../engine/dvi/solve.js';
import type { DviCase } from '../engine/dvi/types.js';
import { availableTransitions, createIdentification, transition } from '../engine/dvi/workflow.js';

const analyst = { id: 'ana', scopes: ['dvi:write'] };
const lead = { id: 'lee', scopes: ['dvi:write', 'dvi:confirm'] };
const at = '2026-01-01T00:00:00.000Z';

describe('identification workflow', () => {
  it('candidate -> proposed -> confirmed -> released, each step audited with who and why', () => {
    let r = createIdentification('c1', 'V1', 'M1', analyst, 'joint solution', { at });
    r = transition(r, 'proposed', analyst, 'DNA LR 1e9', { at });
    expect(availableTransitions(r, analyst)).not.toContain('confirmed');
    expect(availableTransitions(r, lead)).toContain('confirmed');
    r = transition(r, 'confirmed', lead, 'reviewed by board', { at });
    r = transition(r, 'released', lead, 'family informed', { at });
    expect(r.status).toBe('released');
    expect(r.audit.map((e) => [e.from, e.to, e.actor])).toEqual([
      [null, 'candidate', 'ana'],
      ['candidate', 'proposed', 'ana'],
      ['proposed', 'confirmed', 'lee'],
      ['confirmed', 'released', 'lee'],
    ]);
    expect(r.audit.every((e) => e.reason.length > 0 && e.at === at)).toBe(true);
  });

  it('confirming needs the dvi:confirm scope, a second person, and a reason', () => {
    let r = createIdentification('c1', 'V1', 'M1', analyst, 'x');
    expect(() => transition(r, 'confirmed', lead, 'skip')).toThrow(/cannot go from candidate to confirmed/);
    r = transition(r, 'proposed', lead, 'strong');
    expect(() => transition(r, 'confirmed', analyst, 'ok')).toThrow(
      expect.objectContaining({ code: 'IDM_FORBIDDEN_SCOPE' }),
    );
    expect(() => transition(r, 'confirmed', lead, 'ok')).toThrow(/cannot also confirm/);
    expect(() => transition(r, 'confirmed', { id: 'boss', scopes: ['dvi:confirm'] }, ' ')).toThrow(/reason/);
    const done = transition(r, 'confirmed', { id: 'boss', scopes: ['dvi:confirm'] }, 'ok');
    expect(done.status).toBe('confirmed');
    expect(r.status).toBe('proposed');
  });

  it('released and rejected are final', () => {
    const r = transition(
      createIdentification('c', 'V', 'M', analyst, 'x'),
      'rejected',
      analyst,
      'excluded by dental',
    );
    expect(() => transition(r, 'proposed', lead, 'again')).toThrow(
      expect.objectContaining({ code: 'IDM_BAD_TRANSITION' }),
    );
  });
});

describe('identification report', () => {
  const c: DviCase = {
    id: 'case <1>',
    database: { name: 'toy db', loci: [{ name: 'L', alleles: ['1', '2'], frequencies: [0.5, 0.5] }] },
    victims: [{ id: 'V<1>', sex: 'F', profile: { L: ['1', '1'] } }],
    families: [
      {
        id: 'F',
        pedigree: {
          members: [
            { id: 'MO', sex: 'F', father: null, mother: null, profile: { L: ['1', '1'] } },
            { id: 'D', sex: 'F', father: null, mother: 'MO' },
          ],
        },
        missing: ['D'],
      },
    ],
  };

  it('JSON: evidence per modality, assumptions, status and sign-off', () => {
    const s = solveDvi(c);
    let r = createIdentification(s.caseId, 'V<1>', 'D', analyst, 'x', { at });
    r = transition(r, 'proposed', analyst, 'y', { at });
    r = transition(r, 'confirmed', lead, 'z', { at });
    const report = buildIdentificationReport(s, 'V<1>', r, at);
    expect(report.identification?.missing).toBe('D');
    expect(report.evidence[0]).toMatchObject({ modality: 'dna' });
    expect(report.assumptions.frequencyDatabase).toBe('toy db');
    expect(report.assumptions.mutationModels.L).toBe('no mutation');
    expect(report.status).toBe('confirmed');
    expect(report.signOff).toEqual({
      confirmedBy: 'lee',
      confirmedAt: at,
      releasedBy: undefined,
      releasedAt: undefined,
    });
    expect(() => buildIdentificationReport(s, 'nobody')).toThrow(/not in case/);
  });

  it('HTML: printable, escaped, no scripts', () => {
    const s = solveDvi(c);
    const html = renderReportHtml(buildIdentificationReport(s, 'V<1>', undefined, at));
    expect(html).toContain('<!doctype html>');
    expect(html).toContain('V&lt;1&gt;');
    expect(html).not.toContain('V<1>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('toy db');
  });
});
