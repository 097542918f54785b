import { describe, expect, it } from 'vitest';

import { familialSearch } from '../engine/dna/familial.js';
import {
  alleleSampler,
  createRng,
  shippedFrequencyTable,
  simulateChild,
  simulateProfile,
} from '../engine/dna/frequencies.js';
import type { StrProfile } from '../engine/dna/profile.js';
import { ProfileDatabase } from '../engine/dna/search.js';
import { kinshipLr } from '../engine/dna/stats.js';

const table = shippedFrequencyTable('nist1036', 'All');
const sampler = alleleSampler(table);

describe('familial search', () => {
  const rng = createRng(7);
  const db = new ProfileDatabase();
  const profiles = new Map<string, StrProfile>();
  for (let i = 0; i < 2000; i++) {
    const p = simulateProfile(sampler, rng);
    profiles.set(`U${i}`, p);
    db.add(`U${i}`, p);
  }
  // Planted: a parent of the probe and a full sibling of a second probe.
  const parent = profiles.get('U100')!;
  const childProbe = simulateChild(parent, simulateProfile(sampler, rng), sampler, rng);
  const mother = simulateProfile(sampler, rng);
  const father = simulateProfile(sampler, rng);
  const sib = simulateChild(mother, father, sampler, rng);
  db.add('SIB', sib);
  profiles.set('SIB', sib);
  const sibProbe = simulateChild(mother, father, sampler, rng);

  it('ranks the planted parent first by parent-child index and the sibling first by sibling index', () => {
    const [pc] = familialSearch(db, childProbe, { frequencies: table, relationships: ['parent-child'] });
    expect(pc.candidates[0].id).toBe('U100');
    const [fs] = familialSearch(db, sibProbe, { frequencies: table, relationships: ['full-sibling'] });
    expect(fs.candidates[0].id).toBe('SIB');
  });

  it('scores every profile with the same index as kinshipLr, best first, above the threshold', () => {
    const rankings = familialSearch(db, sibProbe, { frequencies: table, threshold: 0.5, topK: 25 });
    expect(rankings.map((r) => r.relationship)).toEqual(['parent-child', 'full-sibling']);
    for (const ranking of rankings) {
      expect(ranking.scored).toBe(db.size);
      expect(ranking.candidates.length).toBe(Math.min(25, ranking.aboveThreshold));
      let previous = Number.POSITIVE_INFINITY;
      for (const c of ranking.candidates) {
        const expected = kinshipLr(sibProbe, profiles.get(c.id)!, {
          relationship: ranking.relationship,
          frequencies: table,
        });
        expect(c.log10Lr).toBeCloseTo(expected.log10Lr, 6);
        expect(c.lr).toBeGreaterThanOrEqual(0.5);
        expect(c.lr).toBeLessThanOrEqual(previous);
        previous = c.lr;
      }
    }
    // The count above threshold equals a brute-force count.
    const brute = [...profiles.values()].filter(
      (p) => kinshipLr(sibProbe, p, { relationship: 'full-sibling', frequencies: table }).lr >= 0.5,
    ).length;
    expect(rankings[1].aboveThreshold).toBe(brute);
  });

  it('keeps a parent with a mutated allele in the ranking when a mutation model is given', () => {
    const child: StrProfile = { loci: { ...childProbe.loci } };
    // Make one locus exclude the parent: the child is homozygous for a one-step neighbour of the
    // parent's larger allele (which the parent does not carry).
    const locus = 'D8S1179';
    const parentAlleles = parent.loci[locus];
    const mutated = String(Number(parentAlleles[parentAlleles.length - 1]) + 1);
    expect(parentAlleles).not.toContain(mutated);
    child.loci[locus] = [mutated];
    const [plain] = familialSearch(db, child, {
      frequencies: table,
      relationships: ['parent-child'],
      threshold: 0,
    });
    expect(plain.candidates.find((c) => c.id === 'U100')?.lr ?? 0).toBe(0);
    const [withMutation] = familialSearch(db, child, {
      frequencies: table,
      relationships: ['parent-child'],
      mutation: { kind: 'stepwise', rate: 0.002, range: 0.1 },
    });
    expect(withMutation.candidates[0].id).toBe('U100');
  });

  it('excludes listed ids and respects topK', () => {
    const [pc] = familialSearch(db, childProbe, {
      frequencies: table,
      relationships: ['parent-child'],
      exclude: ['U100'],
      topK: 3,
      threshold: 0,
    });
    expect(pc.candidates.map((c) => c.id)).not.toContain('U100');
    expect(pc.candidates).toHaveLength(3);
  });
});

describe('familial search over partial and mixed database profiles', () => {
  it('counts shared loci, applies minSharedLoci and skips mixtures like a brute-force scan', () => {
    const rng = createRng(99);
    const db = new ProfileDatabase();
    const profiles = new Map<string, StrProfile>();
    for (let i = 0; i < 600; i++) {
      const full = simulateProfile(sampler, rng);
      const p: StrProfile = { loci: {} };
      for (const [l, a] of Object.entries(full.loci)) if (i % 2 === 0 || rng() < 0.4) p.loci[l] = a;
      if (i % 50 === 3) p.loci.TH01 = ['6', '7', '8'];
      profiles.set(`Q${i}`, p);
      db.add(`Q${i}`, p);
    }
    db.remove('Q10');
    profiles.delete('Q10');
    const probe = simulateProfile(sampler, rng);
    const [fs] = familialSearch(db, probe, {
      frequencies: table,
      relationships: ['full-sibling'],
      threshold: 0,
      topK: 1000,
      minSharedLoci: 12,
    });
    const expected = [...profiles.entries()]
      .map(([id, p]) => {
        const usable = Object.keys(probe.loci).filter(
          (l) => p.loci[l] !== undefined && p.loci[l].length <= 2,
        );
        return { id, shared: usable.length };
      })
      .filter((e) => e.shared >= 12);
    expect(fs.scored).toBe(expected.length);
    expect(fs.candidates.map((c) => c.id).sort()).toEqual(expected.map((e) => e.id).sort());
    for (const c of fs.candidates) {
      expect(c.sharedLoci).toBe(expected.find((e) => e.id === c.id)!.shared);
      const ref = kinshipLr(probe, profiles.get(c.id)!, { relationship: 'full-sibling', frequencies: table });
      expect(c.log10Lr).toBeCloseTo(ref.log10Lr, 6);
    }
  });
});
