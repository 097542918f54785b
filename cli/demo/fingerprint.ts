import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { encodePng } from '../../engine/fingerprint/image.js';
import { synthesizeFinger, synthesizeImpressions } from '../../engine/fingerprint/synth/index.js';
import type { FingerprintSearchResult } from '../../workers/handlers/search.js';
import { type DemoContext, sharedPath } from './context.js';

const SYNTHETIC_FINGERS = 40;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

interface EnrolledTemplate {
  position: number;
  slap?: { position: number };
  sequence?: { verdict: string; score: number };
}

async function enrolSample(demo: DemoContext, label: string, data: Uint8Array, extra: Record<string, unknown> = {}) {
  const subject = await demo.post('/v1/subjects', { category: 'arrestee', externalId: label });
  const sample = await demo.post(`/v1/subjects/${subject.id}/samples?wait=120`, { modality: 'fingerprint', data: b64(data), ...extra });
  return { id: subject.id as string, templates: sample.result.templates as EnrolledTemplate[] };
}

async function enrol(demo: DemoContext, label: string, data: Uint8Array, extra: Record<string, unknown> = {}) {
  return (await enrolSample(demo, label, data, extra)).id;
}

async function search(demo: DemoContext, data: Uint8Array, extra: Record<string, unknown>): Promise<FingerprintSearchResult> {
  return (await demo.post('/v1/searches?wait=120', { modality: 'fingerprint', data: b64(data), ...extra })).result;
}

/** Fingerprints: a gallery of synthetic fingers plus real FVC2002 and ANSI/NIST prints when present. */
export async function runFingerprintDemo(demo: DemoContext) {
  demo.heading('Fingerprint identification');
  const names = new Map<string, string>();
  const synthetic = Array.from({ length: SYNTHETIC_FINGERS }, (_, f) => synthesizeImpressions(synthesizeFinger(5000 + f), 2, f));
  for (const [f, impressions] of synthetic.entries()) {
    names.set(await enrol(demo, `SYN-${f}`, await encodePng(impressions[0].image), { position: 1 }), `SYN-${f}`);
  }
  demo.line(`  enrolled ${SYNTHETIC_FINGERS} synthetic fingers (SFinGe-style generator, seeds 5000+)`);

  const fvc = sharedPath('fingerprint/fvc2002/DB1_B');
  if (fvc) {
    for (let finger = 101; finger <= 110; finger++) {
      names.set(await enrol(demo, `FVC-DB1-${finger}`, readFileSync(join(fvc, `${finger}_1.tif`)), { position: 1 }), `FVC-DB1-${finger}`);
    }
    demo.line('  enrolled impression 1 of the 10 real FVC2002 DB1_B fingers');
    const rows: Array<Array<string | number>> = [];
    let correct = 0;
    for (let finger = 101; finger <= 110; finger++) {
      const result = await search(demo, readFileSync(join(fvc, `${finger}_5.tif`)), { position: 1, limit: 3 });
      const top = result.candidates[0];
      if (names.get(top?.subjectId) === `FVC-DB1-${finger}`) correct += 1;
      rows.push([`${finger}_5.tif`, names.get(top?.subjectId) ?? '-', top?.score.toFixed(1) ?? '-', top?.fmr?.toExponential(1) ?? '-', names.get(result.candidates[1]?.subjectId) ?? '-']);
    }
    demo.line(`  impression 5 of each real finger searched against ${SYNTHETIC_FINGERS + 10} fingers:`);
    demo.table(['probe', 'rank 1', 'score', 'FMR', 'rank 2'], rows);
    demo.line(`  rank-1 identification: ${correct}/10`);
  } else {
    const result = await search(demo, await encodePng(synthetic[7][1].image), { position: 1, limit: 3 });
    demo.line('  ../shared/data/fingerprint/fvc2002 not found: searching a second impression of SYN-7 instead');
    demo.table(
      ['rank', 'candidate', 'score', 'FMR'],
      result.candidates.map((c) => [c.rank, names.get(c.subjectId) ?? '?', c.score.toFixed(1), c.fmr?.toExponential(1) ?? '-']),
    );
  }

  const latentFile = sharedPath('fingerprint/ansi-nist/type-13-14-latent-match.an2');
  if (latentFile) {
    const transaction = readFileSync(latentFile);
    names.set(await enrol(demo, 'NIST exemplar (Type-14)', transaction), 'NIST exemplar (Type-14)');
    const result = await search(demo, transaction, { mode: 'latent', limit: 50 });
    const mate = result.candidates.find((c) => names.get(c.subjectId) === 'NIST exemplar (Type-14)');
    demo.line(`\n  NIST latent (Type-13, ${result.probes[0]?.minutiae} minutiae) searched in latent mode, positions unknown:`);
    demo.table(
      ['rank', 'candidate', 'score', 'FMR'],
      result.candidates.slice(0, 5).map((c) => [c.rank, names.get(c.subjectId) ?? '?', c.score.toFixed(1), c.fmr?.toExponential(1) ?? '-']),
    );
    demo.line(`  its mated exemplar: ${mate ? `rank ${mate.rank} (score ${mate.score.toFixed(1)})` : 'not in the first 50'}`);
  }
  await runTenprintCardDemo(demo);
}

/** The NIST inked tenprint card: rolled prints and slaps enrolled at once, the slaps' sequence check, a tenprint search. */
async function runTenprintCardDemo(demo: DemoContext) {
  const card = sharedPath('fingerprint/ansi-nist/type-14-tpcard-nqm.an2');
  const sameCard = sharedPath('fingerprint/ansi-nist/type-4-tpcard.an2');
  if (!card || !sameCard) return;
  const enrolled = await enrolSample(demo, 'NIST tenprint card', readFileSync(card));
  const tips = enrolled.templates.filter((t) => t.slap);
  demo.line(`\n  NIST tenprint card (Type-14): ${enrolled.templates.length - tips.length} rolled prints and ${tips.length} fingertips cut from its slaps enrolled`);
  demo.table(
    ['finger', 'from slap', 'sequence check', 'score vs rolled'],
    tips.map((t) => [t.position, t.slap?.position ?? '-', t.sequence?.verdict ?? '-', t.sequence?.score.toFixed(1) ?? '-']),
  );
  const result = await search(demo, readFileSync(sameCard), { mode: 'tenprint', limit: 3 });
  const top = result.candidates[0];
  demo.line(
    `  the same card as Type-4 records, searched as a tenprint (${result.probes.length} fingers, each once): rank 1 ${top?.subjectId === enrolled.id ? 'the card' : 'another subject'}, log10 LR ${top?.log10Lr.toFixed(1) ?? '-'}`,
  );
}
