import { describe, expect, it } from 'vitest';

import {
  alleleSampler,
  createRng,
  shippedFrequencyTable,
  simulateProfile,
} from '../engine/dna/frequencies.js';
import type { StrProfile } from '../engine/dna/profile.js';
import {
  type DnaCandidate,
  type DnaSearchOptions,
  lociConcordant,
  ProfileDatabase,
  type Stringency,
} from '../engine/dna/search.js';
import { genotypeMatchProbability } from '../engine/dna/stats.js';

const table = shippedFrequencyTable('fbi-expanded', 'Caucasian');
const sampler = alleleSampler(table);

/** The matching rules written out directly over whole profiles: the reference the columnar scan must equal. */
function bruteForce(all: Map<string, StrProfile>, probe: StrProfile, o: DnaSearchOptions): string[] {
  const probeLoci = Object.keys(probe.loci).filter((l) => l !== 'AMEL');
  const minShared = o.minSharedLoci ?? Math.min(8, probeLoci.length);
  const out: string[] = [];
  for (const [id, c] of all) {
    let shared = 0;
    let mismatches = 0;
    for (const l of probeLoci) {
      if (c.loci[l] === undefined) continue;
      shared++;
      if (!lociConcordant(probe.loci[l], c.loci[l], o.stringency, o.microvariantEquivalence)) mismatches++;
    }
    if (shared >= minShared && mismatches <= (o.maxMismatches ?? 0)) out.push(id);
  }
  return out.sort();
}

function dropLoci(p: StrProfile, rng: () => number, keepFraction: number): StrProfile {
  const out: StrProfile = { loci: {} };
  for (const [l, a] of Object.entries(p.loci)) if (rng() < keepFraction) out.loci[l] = a;
  return out;
}

function mix(a: StrProfile, b: StrProfile): StrProfile {
  const out: StrProfile = { loci: {} };
  for (const l of Object.keys(a.loci)) {
    out.loci[l] = [...new Set([...a.loci[l], ...(b.loci[l] ?? [])])].sort((x, y) => Number(x) - Number(y));
  }
  return out;
}

describe('locus matching rules (CODIS stringencies)', () => {
  it('high: identical sets; moderate: one a subset of the other; low: one shared allele', () => {
    expect(lociConcordant(['15', '16'], ['15', '16'], 'high')).toBe(true);
    expect(lociConcordant(['15'], ['15', '16'], 'high')).toBe(false);
    expect(lociConcordant(['15'], ['15', '16'], 'moderate')).toBe(true);
    expect(lociConcordant(['15', '16', '17'], ['15', '17'], 'moderate')).toBe(true);
    expect(lociConcordant(['15', '16'], ['15', '17'], 'moderate')).toBe(false);
    expect(lociConcordant(['15', '16'], ['15', '17'], 'low')).toBe(true);
    expect(lociConcordant(['15', '16'], ['17', '18'], 'low')).toBe(false);
    expect(lociConcordant(['9.3'], ['9'], 'high')).toBe(false);
    expect(lociConcordant(['9.3'], ['9'], 'high', true)).toBe(true);
  });
});

describe('ProfileDatabase', () => {
  // 3,000 people, a third of them partial; some mixtures enrolled too; plus near-duplicates.
  const rng = createRng(42);
  const all = new Map<string, StrProfile>();
  const db = new ProfileDatabase(16);
  const people: StrProfile[] = [];
  for (let i = 0; i < 3000; i++) {
    let p = simulateProfile(sampler, rng);
    people.push(p);
    if (i % 3 === 1) p = dropLoci(p, rng, 0.6);
    if (i % 97 === 5) p = mix(p, people[Math.floor(rng() * people.length)]);
    all.set(`S${i}`, p);
    db.add(`S${i}`, p);
  }
  // Relatives-like near matches: copies with one locus altered.
  for (let i = 0; i < 50; i++) {
    const base = all.get(`S${i * 7}`)!;
    const copy: StrProfile = { loci: { ...base.loci } };
    const locus = Object.keys(copy.loci)[i % Object.keys(copy.loci).length];
    copy.loci[locus] = simulateProfile(sampler, rng, [locus]).loci[locus];
    all.set(`N${i}`, copy);
    db.add(`N${i}`, copy);
  }

  it('counts, finds and removes profiles', () => {
    expect(db.size).toBe(3050);
    expect(db.has('S10')).toBe(true);
    expect(db.get('S10')).toEqual(all.get('S10'));
  });

  const probes: Array<[string, StrProfile]> = [];
  for (let k = 0; k < 8; k++) {
    const source = all.get(`S${k * 13}`)!;
    probes.push([`exact S${k * 13}`, source]);
    probes.push([`partial S${k * 13 + 1}`, dropLoci(all.get(`S${k * 13 + 1}`)!, rng, 0.5)]);
    probes.push([`mixture ${k}`, mix(all.get(`S${k * 5}`)!, all.get(`S${k * 5 + 2}`)!)]);
  }
  const settings: Array<[Stringency, number, number | undefined]> = [
    ['high', 0, undefined],
    ['high', 1, 6],
    ['high', 2, 8],
    ['moderate', 0, undefined],
    ['moderate', 1, 5],
    ['low', 0, 10],
    ['low', 1, 12],
  ];
  for (const [stringency, maxMismatches, minSharedLoci] of settings) {
    it(`equals the reference rule: ${stringency}, ${maxMismatches} mismatch(es), min ${minSharedLoci ?? 'default'} loci`, () => {
      for (const [name, probe] of probes) {
        const options = { stringency, maxMismatches, minSharedLoci, limit: 100_000 };
        const got = db
          .search(probe, options)
          .map((c) => c.id)
          .sort();
        expect(got, name).toEqual(bruteForce(all, probe, options));
      }
    });
  }

  it('finds an enrolled profile at high stringency with its RMP-based LR, and the per-locus table', () => {
    const probe = all.get('S0')!;
    const hits = db.search(probe, { stringency: 'high', frequencies: table, theta: 0.01 });
    expect(hits[0].id).toBe('S0');
    const top = hits[0] as DnaCandidate;
    expect(top.mismatches).toBe(0);
    expect(top.sharedLoci).toBe(Object.keys(probe.loci).length);
    let lr = 1;
    for (const l of top.loci) {
      expect(l.concordant).toBe(true);
      expect(l.candidate).toEqual(l.probe);
      const f = l.probe.map((a) => table.loci[l.locus][a]);
      const min = 5 / (2 * table.sampleSize[l.locus]);
      const [pa, pb] = f.map((x) => Math.max(x ?? 0, min));
      const expected = 1 / genotypeMatchProbability(pa, l.probe.length === 2 ? pb : null, 0.01);
      expect(l.lr).toBeCloseTo(expected, 6);
      lr *= expected;
    }
    expect(top.lr! / lr).toBeCloseTo(1, 9);
  });

  it('ranks by LR: a full match above a match with a tolerated mismatch', () => {
    const base = all.get('S7')!; // N1 is S7 with one locus altered
    const hits = db.search(base, { stringency: 'high', maxMismatches: 1, frequencies: table });
    const ids = hits.map((h) => h.id);
    expect(ids[0]).toBe('S7');
    if (ids.includes('N1')) {
      const n1 = hits.find((h) => h.id === 'N1')!;
      expect(n1.lr!).toBeLessThan(hits[0].lr!);
      expect(n1.loci.filter((l) => !l.concordant)).toHaveLength(n1.mismatches);
    }
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1].lr!).toBeGreaterThanOrEqual(hits[i].lr!);
  });

  it('moderate stringency finds both contributors of a two-person mixture', () => {
    const probe = mix(all.get('S3')!, all.get('S6')!);
    const ids = db.search(probe, { stringency: 'moderate', frequencies: table }).map((h) => h.id);
    expect(ids).toContain('S3');
    expect(ids).toContain('S6');
  });

  it('replaces on re-enrolment and forgets removed profiles', () => {
    const local = new ProfileDatabase();
    const a = simulateProfile(sampler, createRng(1));
    const b = simulateProfile(sampler, createRng(2));
    local.add('x', a);
    local.add('x', b);
    expect(local.size).toBe(1);
    expect(local.search(a, { stringency: 'high' })).toHaveLength(0);
    expect(local.search(b, { stringency: 'high' }).map((c) => c.id)).toEqual(['x']);
    expect(local.remove('x')).toBe(true);
    expect(local.remove('x')).toBe(false);
    expect(local.size).toBe(0);
    expect(local.search(b, { stringency: 'high' })).toHaveLength(0);
    local.add('y', b);
    expect(local.search(b, { stringency: 'high' }).map((c) => c.id)).toEqual(['y']);
  });

  it('honours microvariant equivalence and the limit', () => {
    const local = new ProfileDatabase();
    local.add('mv', { loci: { TH01: ['9.3'], FGA: ['21', '22'] } });
    const probe = { loci: { TH01: ['9'], FGA: ['21', '22'] } };
    expect(local.search(probe, { stringency: 'high' })).toHaveLength(0);
    expect(local.search(probe, { stringency: 'high', microvariantEquivalence: true })).toHaveLength(1);
    expect(db.search(all.get('S1')!, { stringency: 'low', minSharedLoci: 1, limit: 3 })).toHaveLength(3);
  });
});

describe('ProfileDatabase edge cases', () => {
  it('never returns candidates that share no locus with the probe', () => {
    const local = new ProfileDatabase();
    local.add('a', { loci: { TH01: ['6'] } });
    local.add('b', { loci: { FGA: ['20'] } });
    expect(local.search({ loci: { AMEL: ['X'] } }, { stringency: 'low', minSharedLoci: 0 })).toEqual([]);
    const hits = local.search(
      { loci: { TH01: ['6'] } },
      { stringency: 'high', minSharedLoci: 0, maxMismatches: 1000 },
    );
    expect(hits.map((h) => h.id)).toEqual(['a']);
  });

  it('rejects bad options with IDM_VALIDATION', () => {
    const local = new ProfileDatabase();
    expect(() => local.search({ loci: { TH01: ['6'] } }, { stringency: 'medium' as 'high' })).toThrow(
      /stringency/,
    );
    expect(() => local.search({ loci: { TH01: ['6'] } }, { stringency: 'high', maxMismatches: -1 })).toThrow(
      /maxMismatches/,
    );
  });
});
