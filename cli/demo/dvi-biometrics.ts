import { readFileSync } from 'node:fs';

import type { Identification } from '../../engine/dvi/solve.js';
import { encodePng } from '../../engine/fingerprint/image.js';
import { synthesizeFinger, synthesizeImpressions } from '../../engine/fingerprint/synth/index.js';
import { type DemoContext, sharedPath } from './context.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

interface LinkedPerson {
  victim: string;
  missing: string;
  /** PM and AM captures of the same finger. */
  prints: [Uint8Array, Uint8Array];
  /** PM and AM photos of the same face, when the shared data has them. */
  photos?: [Uint8Array, Uint8Array];
  source: string;
}

/** Two captures of one finger: FVC2002 impressions 1 and 3 when present, else the generator's. */
async function fingerPair(index: number): Promise<{ prints: [Uint8Array, Uint8Array]; source: string }> {
  const fvc = sharedPath(`fingerprint/fvc2002/DB1_B/${101 + index}_1.tif`);
  if (fvc) {
    return { prints: [readFileSync(fvc), readFileSync(fvc.replace('_1.tif', '_3.tif'))], source: `FVC2002 DB1_B ${101 + index}` };
  }
  const [pm, am] = synthesizeImpressions(synthesizeFinger(7000 + index), 2, index);
  return { prints: [await encodePng(pm.image), await encodePng(am.image)], source: `synthetic finger ${7000 + index}` };
}

function facePair(index: number): [Uint8Array, Uint8Array] | undefined {
  const name = ['sheldon', 'penny', 'raj'][index];
  const pm = name && sharedPath(`face/characters/${name}/${name}1.png`);
  const am = name && sharedPath(`face/characters/${name}/${name}3.png`);
  return pm && am ? [readFileSync(pm), readFileSync(am)] : undefined;
}

async function enrolSubject(demo: DemoContext, category: string, print: Uint8Array, photo?: Uint8Array): Promise<string> {
  const subject = await demo.post('/v1/subjects', { category });
  await demo.post(`/v1/subjects/${subject.id}/samples?wait=120`, { modality: 'fingerprint', data: b64(print), position: 2 });
  if (photo) await demo.post(`/v1/subjects/${subject.id}/samples?wait=120`, { modality: 'face', image: b64(photo) });
  return subject.id;
}

/**
 * The bodies DNA left unidentified get their fingerprints (and photos) enrolled as PM subjects, the
 * missing persons they are get AM prints and photos; the subjects are linked to the case, which is
 * solved again: the engines' calibrated LRs now carry those identifications.
 */
export async function linkBiometricEvidence(
  demo: DemoContext,
  caseId: string,
  truth: Record<string, string | null>,
  identified: Identification[],
): Promise<Identification[]> {
  const open = Object.entries(truth)
    .filter(([victim, missing]) => missing && !identified.some((i) => i.victim === victim && i.conclusive))
    .slice(0, 3);
  if (open.length === 0) return identified;
  const people: LinkedPerson[] = [];
  for (const [index, [victim, missing]] of open.entries()) {
    people.push({ victim, missing: missing!, ...(await fingerPair(index)), photos: facePair(index) });
  }
  const link = [];
  for (const person of people) {
    link.push({ side: 'pm', person: person.victim, subjectId: await enrolSubject(demo, 'pm-victim', person.prints[0], person.photos?.[0]) });
    link.push({ side: 'am', person: person.missing, subjectId: await enrolSubject(demo, 'am-reference', person.prints[1], person.photos?.[1]) });
  }
  await demo.post(`/v1/dvi/cases/${caseId}/subjects`, { link });
  demo.line(
    `\n  Not conclusive on DNA: ${people.map((p) => p.victim).join(', ')}. Their PM prints${people.some((p) => p.photos) ? ' and photos' : ''} and their missing persons' AM records`,
  );
  demo.line(`  enrolled and linked to the case (${people.map((p) => p.source).join(', ')}); solving again:`);
  const job = await demo.post(`/v1/dvi/cases/${caseId}/solve`, {});
  const solved = await demo.follow('solving with biometrics', job.jobId);
  const identifications: Identification[] = solved.result.identifications;
  const fmt = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
  demo.table(
    ['victim', 'identified as', 'log10 LR DNA', 'fingerprint', 'face', 'combined', 'conclusive', 'driven by', 'truth'],
    people.map((p) => {
      const i = identifications.find((x) => x.victim === p.victim);
      if (!i) return [p.victim, 'none', '', '', '', '', '', '', p.missing];
      return [
        p.victim,
        i.missing,
        fmt(i.log10LR.dna),
        fmt(i.log10LR.fingerprint),
        fmt(i.log10LR.face),
        i.combinedLog10LR.toFixed(1),
        i.conclusive ? 'yes' : 'no',
        i.drivers.join(', '),
        i.missing === p.missing ? 'correct' : `WRONG (${p.missing})`,
      ];
    }),
  );
  return identifications;
}
