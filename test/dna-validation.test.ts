/**
 * Validation of the DNA engine on real data in ../shared/data/dna (never copied into the repository):
 * the NIST 1036 U.S. population genotypes (Steffen et al. 2017) and published mixtures with their known
 * contributors. Skipped with a message when the data is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { readNistGenotypes } from '../bench/dna-tables.js';
import { familialSearch } from '../engine/dna/familial.js';
import { importProfiles } from '../engine/dna/formats.js';
import {
  alleleSampler,
  createRng,
  frequenciesFromProfiles,
  shippedFrequencyTable,
  simulateProfile,
} from '../engine/dna/frequencies.js';
import { CODIS_CORE_LOCI, CODIS_ORIGINAL_13, type StrProfile } from '../engine/dna/profile.js';
import { ProfileDatabase } from '../engine/dna/search.js';
import { locusInclusionProbability } from '../engine/dna/stats.js';

const dataDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data/dna');
const genotypesPath = join(dataDir, 'genotypes/nist1036-genotypes.csv');
const mixturesPath = join(dataDir, 'mixtures');
const haveGenotypes = existsSync(genotypesPath);
const haveMixtures = existsSync(mixturesPath);
if (!haveGenotypes) console.warn(`skipping: ${genotypesPath} missing`);
if (!haveMixtures) console.warn(`skipping: ${mixturesPath} missing`);

function restrict(profile: StrProfile, loci: readonly string[]): StrProfile {
  const out: StrProfile = { loci: {} };
  for (const l of loci) if (profile.loci[l]) out.loci[l] = profile.loci[l];
  return out;
}

describe.skipIf(!haveGenotypes)('NIST 1036 U.S. population genotypes', () => {
  const people = haveGenotypes ? readNistGenotypes(readFileSync(genotypesPath, 'utf8')) : [];
  const db = new ProfileDatabase();
  for (const p of people) db.add(p.id, p.profile);
  const table = shippedFrequencyTable('nist1036', 'All');

  it('holds 1,036 people typed at 29 loci', () => {
    expect(people).toHaveLength(1036);
    expect(db.size).toBe(1036);
    expect(Object.keys(people[0].profile.loci)).toHaveLength(29);
  });

  it('high stringency: every person finds exactly themself', () => {
    let exact = 0;
    for (const p of people) {
      const hits = db.search(p.profile, { stringency: 'high', frequencies: table });
      if (hits.length === 1 && hits[0].id === p.id) exact++;
    }
    expect(exact).toBe(1036);
  });

  it('moderate stringency: adventitious candidates per number of loci compared', () => {
    const report: Record<string, number> = {};
    for (const [name, loci] of [
      ['8 of the original 13 (first 8)', CODIS_ORIGINAL_13.slice(0, 8)],
      ['original 13', CODIS_ORIGINAL_13],
      ['20 core', CODIS_CORE_LOCI],
    ] as const) {
      const local = new ProfileDatabase();
      for (const p of people) local.add(p.id, restrict(p.profile, loci));
      let adventitious = 0;
      for (const p of people) {
        adventitious += local
          .search(restrict(p.profile, loci), { stringency: 'moderate', limit: 10_000 })
          .filter((c) => c.id !== p.id).length;
      }
      report[name] = adventitious;
    }
    console.info('adventitious moderate-stringency candidates among NIST 1036 (directed pairs):', report);
    // Expected number of adventitious full-profile matches among ~5e5 pairs at 13+ loci is << 1.
    expect(report['original 13']).toBe(0);
    expect(report['20 core']).toBe(0);
    expect(report['8 of the original 13 (first 8)']).toBeLessThan(20);
  });

  it('familial: adventitious candidates among unrelated people per KI threshold stay under the 1/T bound', () => {
    const thresholds = [1, 10, 100, 1_000, 10_000];
    const counts: Record<string, number[]> = {
      'parent-child': thresholds.map(() => 0),
      'full-sibling': thresholds.map(() => 0),
    };
    for (const p of people) {
      const rankings = familialSearch(db, p.profile, {
        frequencies: table,
        threshold: 1,
        topK: 2000,
        exclude: [p.id],
      });
      for (const r of rankings) {
        for (const c of r.candidates) {
          thresholds.forEach((t, i) => {
            if (c.lr >= t) counts[r.relationship][i]++;
          });
        }
      }
    }
    const pairs = 1036 * 1035; // directed pairs
    console.info(
      'adventitious familial candidates among NIST 1036 (directed pairs, thresholds',
      thresholds.join(', '),
      '):',
      counts,
    );
    for (const relationship of ['parent-child', 'full-sibling']) {
      thresholds.forEach((t, i) => {
        // Under "unrelated" E[KI] = 1, so P(KI >= T) <= 1/T (Markov); allow for estimation noise.
        expect(counts[relationship][i], `${relationship} >= ${t}`).toBeLessThanOrEqual((2 * pairs) / t + 5);
        if (i > 0) expect(counts[relationship][i]).toBeLessThanOrEqual(counts[relationship][i - 1]);
      });
    }
  });

  it('frequencies counted from the genotypes equal the shipped NIST table and agree with the FBI tables', () => {
    const counted = frequenciesFromProfiles(
      'count',
      people.map((p) => p.profile),
    );
    expect(counted.loci).toEqual(table.loci);
    const cauc = frequenciesFromProfiles(
      'cauc',
      people.filter((p) => p.population === 'Cauc').map((p) => p.profile),
    );
    const fbi = shippedFrequencyTable('fbi-expanded', 'Caucasian');
    const report: Record<string, number> = {};
    for (const locus of Object.keys(fbi.loci)) {
      const alleles = new Set([...Object.keys(fbi.loci[locus]), ...Object.keys(cauc.loci[locus] ?? {})]);
      let maxDiff = 0;
      for (const a of alleles)
        maxDiff = Math.max(maxDiff, Math.abs((fbi.loci[locus][a] ?? 0) - (cauc.loci[locus]?.[a] ?? 0)));
      report[locus] = Number(maxDiff.toFixed(3));
      // Two samples of a few hundred people: sampling error of a frequency is a few hundredths.
      expect(maxDiff, locus).toBeLessThan(0.08);
    }
    console.info(
      'largest |NIST Cauc - FBI expanded Caucasian| allele-frequency difference per locus:',
      report,
    );
  });
});

describe.skipIf(!haveMixtures)('published mixtures with known contributors', () => {
  const read = (f: string) =>
    importProfiles(readFileSync(join(mixturesPath, f), 'utf8'), { file: f }).profiles;
  // Background of unrelated decoys so that the search has someone to wrongly include.
  const table = shippedFrequencyTable('fbi-expanded', 'Caucasian');
  const sampler = alleleSampler(table);
  const rng = createRng(11);
  const decoys = Array.from({ length: 5000 }, () => simulateProfile(sampler, rng));

  const cases: Array<{ evidence: string; refs: string; tolerance: Record<string, number> }> = [
    { evidence: 'GF_evid.csv', refs: 'GF_refs.csv', tolerance: {} },
    // ref3 is a minor contributor with drop-out at 3 of 16 loci (D18S51, D12S391, SE33).
    { evidence: 'ESX17_3p.csv', refs: 'ESX17_refs.csv', tolerance: { ref3: 3 } },
  ];
  for (const c of cases) {
    it(`${c.evidence}: every true contributor is found at moderate stringency`, () => {
      const refs = read(c.refs);
      const [evidence] = read(c.evidence);
      const db = new ProfileDatabase();
      decoys.forEach((d, i) => {
        db.add(`decoy${i}`, d);
      });
      for (const r of refs) db.add(r.id, r.profile);
      const loci = Object.keys(evidence.profile.loci).filter((l) => l !== 'AMEL').length;
      for (const r of refs) {
        const maxMismatches = c.tolerance[r.id] ?? 0;
        const hits = db.search(evidence.profile, {
          stringency: 'moderate',
          maxMismatches,
          minSharedLoci: loci - 1,
          limit: 10_000,
        });
        expect(
          hits.map((h) => h.id),
          r.id,
        ).toContain(r.id);
        const decoysIncluded = hits.filter((h) => h.id.startsWith('decoy')).length;
        console.info(
          `${c.evidence}: ${r.id} found with <= ${maxMismatches} mismatches; decoys included: ${decoysIncluded}`,
        );
      }
      // Unrelated decoys included with no mismatch: as many as the combined probability of inclusion
      // predicts (a 4-person mixture includes many people), within sampling noise.
      const strict = db.search(evidence.profile, {
        stringency: 'moderate',
        minSharedLoci: loci - 1,
        limit: 10_000,
      });
      let inclusion = 1;
      for (const [locus, alleles] of Object.entries(evidence.profile.loci)) {
        const stat = locusInclusionProbability(table, locus, alleles, 'subset', 0);
        if (stat !== undefined && locus !== 'AMEL') inclusion *= stat.probability;
      }
      const expected = decoys.length * inclusion;
      const observed = strict.filter((h) => h.id.startsWith('decoy')).length;
      console.info(
        `${c.evidence}: decoys included ${observed}, expected ${expected.toFixed(2)} (CPI ${inclusion.toExponential(2)})`,
      );
      expect(observed).toBeLessThanOrEqual(3 * expected + 3);
    });
  }

  it('test_evids.csv: ref1 is included in both stains, ref2 in stain52 with one drop-out', () => {
    const refs = read('test_refs.csv');
    const stains = read('test_evids.csv');
    const db = new ProfileDatabase();
    for (const r of refs) db.add(r.id, r.profile);
    for (const s of stains) {
      expect(
        db.search(s.profile, { stringency: 'moderate' }).map((h) => h.id),
        s.id,
      ).toContain('ref1');
    }
    const stain52 = stains.find((s) => s.id === 'stain52')!;
    expect(
      db.search(stain52.profile, { stringency: 'moderate', maxMismatches: 1 }).map((h) => h.id),
    ).toContain('ref2');
  });
});
