import { readFileSync } from 'node:fs';

import { toDviCaseJson } from '../../engine/dvi/caseJson.js';
import type { Identification } from '../../engine/dvi/solve.js';
import { simulateIncident } from '../../engine/dvi/simulate.js';
import { type DemoContext, sharedPath } from './context.js';
import { linkBiometricEvidence } from './dvi-biometrics.js';

/** DVI: a simulated incident solved through the API, its workflow, and the published example when present. */
export async function runDviDemo(demo: DemoContext, confirmerKey: string) {
  demo.heading('Disaster victim identification');
  const incident = simulateIncident({ seed: 1, victims: 12, families: 6, loci: 15 });
  demo.line('  simulated incident: 12 bodies, 6 reference families (15 STR loci, stepwise mutation), seed 1');
  const created = await demo.post('/v1/dvi/cases', { name: 'demo incident', case: toDviCaseJson(incident.dvi) });
  const job = await demo.post(`/v1/dvi/cases/${created.id}/solve`, {});
  const solved = await demo.follow('solving the case', job.jobId);
  const dnaOnly: Identification[] = solved.result.identifications;
  demo.table(
    ['victim', 'identified as', 'method', 'log10 LR', 'posterior', 'conclusive', 'truth'],
    dnaOnly.map((i) => [
      i.victim,
      i.missing,
      i.method,
      i.combinedLog10LR.toFixed(1),
      i.posterior.toFixed(4),
      i.conclusive ? 'yes' : 'no',
      incident.truth[i.victim] === i.missing ? 'correct' : `WRONG (${incident.truth[i.victim] ?? 'unrelated'})`,
    ]),
  );
  const unidentified = Object.keys(incident.truth).filter((v) => !dnaOnly.some((i) => i.victim === v));
  demo.line(`  not identified: ${unidentified.join(', ') || 'none'} (truth: ${unidentified.map((v) => incident.truth[v] ?? 'unrelated').join(', ')})`);
  const identifications = await linkBiometricEvidence(demo, created.id, incident.truth, dnaOnly);

  const first = identifications[0];
  if (first) {
    const move = (key: string | null, to: string, reason: string) =>
      demo.postAs(key, `/v1/dvi/cases/${created.id}/identifications/transition`, { victim: first.victim, missing: first.missing, to, reason });
    await move(null, 'proposed', 'DNA kinship LR above threshold; reconciliation board review');
    await move(confirmerKey, 'confirmed', 'second reviewer: pedigree and LR checked');
    const report = await demo.get(`/v1/dvi/cases/${created.id}/reports/${first.victim}`);
    demo.line(
      `  workflow: ${first.victim} = ${first.missing} proposed by one key, confirmed by another (dvi:confirm); report status '${report.status}'`,
    );
  }

  const example = sharedPath('dna/dvi-cases/example2.json');
  if (!example) {
    demo.line('  ../shared/data/dna/dvi-cases/example2.json not found: published example skipped');
    return;
  }
  const document = JSON.parse(readFileSync(example, 'utf8'));
  const published = await demo.post('/v1/dvi/cases', { name: 'Vigeland & Egeland 2021, example 2', case: document });
  const started = await demo.post(`/v1/dvi/cases/${published.id}/solve`, {});
  const run = await demo.follow('solving the published example', started.jobId);
  const expected: Array<Record<string, string | number | null>> = document.expected.assignments;
  const rows: Array<Record<string, string | number | null>> = run.result.topAssignments;
  demo.line('\n  Published joint-DVI example (Vigeland & Egeland 2021): our log-likelihoods beside the published ones');
  demo.table(
    ['V1', 'V2', 'V3', 'loglik (ours)', 'loglik (published)', 'LR (ours)'],
    rows.slice(0, 6).map((row) => {
      const same = expected.find((e) => ['V1', 'V2', 'V3'].every((v) => e[v] === row[v]));
      return [String(row.V1), String(row.V2), String(row.V3), Number(row.loglik).toFixed(3), same ? Number(same.loglik).toFixed(3) : '?', Number(row.LR).toFixed(2)];
    }),
  );
}
