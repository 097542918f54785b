import { readFileSync } from 'node:fs';

import { readNistGenotypes } from '../../bench/dna-tables.js';
import { alleleSampler, createRng, shippedFrequencyTable, simulateProfile } from '../../engine/dna/frequencies.js';
import type { StrProfile } from '../../engine/dna/profile.js';
import type { DnaCandidateView } from '../../workers/handlers/search.js';
import { type DemoContext, sharedPath } from './context.js';

const SIMULATED = 3000;
const SEED = 20_261_122;

function partial(profile: StrProfile, loci: number): StrProfile {
  return { loci: Object.fromEntries(Object.entries(profile.loci).slice(0, loci)) };
}

/** Two people's alleles pooled per locus: a two-person mixture as a lab would type it. */
function mixture(a: StrProfile, b: StrProfile): StrProfile {
  const loci: Record<string, string[]> = {};
  for (const locus of Object.keys(a.loci)) {
    if (b.loci[locus]) loci[locus] = [...new Set([...a.loci[locus], ...b.loci[locus]])];
  }
  return { loci };
}

async function searchAndPrint(
  demo: DemoContext,
  title: string,
  profile: StrProfile,
  stringency: 'high' | 'moderate',
  truth: Map<string, string>,
  minSharedLoci?: number,
) {
  const { result } = await demo.post('/v1/searches?wait=60', {
    modality: 'dna',
    profile,
    stringency,
    minSharedLoci,
    limit: 5,
  });
  demo.line(`\n  ${title}: ${Object.keys(profile.loci).length} loci, ${stringency} stringency, ${result.elapsedMs} ms over ${result.gallerySize} profiles`);
  demo.table(
    ['rank', 'subject', 'who (ground truth)', 'shared loci', 'LR (fbi-expanded/Caucasian)'],
    result.candidates.map((c: DnaCandidateView) => [
      c.rank,
      c.subjectId.slice(0, 8),
      truth.get(c.subjectId) ?? '?',
      c.sharedLoci,
      c.lr === null ? '-' : c.lr.toExponential(2),
    ]),
  );
  if (result.candidates.length === 0) demo.line('  (no candidates)');
}

/** DNA: a simulated national database, real NIST genotypes when present, and four kinds of probe. */
export async function runDnaDemo(demo: DemoContext) {
  demo.heading('DNA: CODIS-style direct match');
  const table = shippedFrequencyTable('fbi-expanded', 'Caucasian');
  const sampler = alleleSampler(table);
  const rng = createRng(SEED);
  const people = Array.from({ length: SIMULATED }, (_, i) => ({ id: `SIM-${i}`, ...simulateProfile(sampler, rng) }));
  demo.line(`  simulating ${SIMULATED} offender profiles from ${table.name} (Moretti et al. 2016), seed ${SEED}`);
  const simulated = await demo.post('/v1/dna/imports', { category: 'offender', profiles: people });
  const imported = await demo.follow('enrolling simulated profiles', simulated.jobId);
  const truth = new Map<string, string>(
    imported.result.subjects.map((s: { externalId: string; subjectId: string }) => [s.subjectId, s.externalId]),
  );

  const nistFile = sharedPath('dna/genotypes/nist1036-genotypes.csv');
  let real: Array<{ id: string; profile: StrProfile }> = [];
  if (nistFile) {
    real = readNistGenotypes(readFileSync(nistFile, 'utf8')).slice(0, 300);
    const job = await demo.post('/v1/dna/imports', {
      category: 'offender',
      profiles: real.map((r) => ({ id: `NIST-${r.id}`, loci: r.profile.loci })),
    });
    const done = await demo.follow('enrolling NIST 1036 genotypes', job.jobId);
    for (const s of done.result.subjects) truth.set(s.subjectId, s.externalId);
    demo.line(`  enrolled ${real.length} real NIST 1036 genotypes (Steffen et al. 2017) from ../shared/data`);
  } else {
    demo.line('  ../shared/data/dna/genotypes/nist1036-genotypes.csv not found: real genotypes skipped');
  }

  await searchAndPrint(demo, 'Crime-scene profile of SIM-1234 (full, 23 loci)', people[1234], 'high', truth);
  await searchAndPrint(demo, 'Degraded sample of SIM-2222 (first 9 loci only)', partial(people[2222], 9), 'high', truth, 8);
  await searchAndPrint(demo, 'Two-person mixture of SIM-100 and SIM-200', mixture(people[100], people[200]), 'moderate', truth);
  if (real.length > 0) {
    const probe = real[42];
    await searchAndPrint(demo, `Real partial: NIST ${probe.id}, 10 loci`, partial(probe.profile, 10), 'high', truth, 8);
  }
}
