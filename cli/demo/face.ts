import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { FaceSearchResult } from '../../workers/handlers/search.js';
import { type DemoContext, sharedPath } from './context.js';

const base64 = (file: string) => readFileSync(file).toString('base64');

async function enrolPhotos(demo: DemoContext, label: string, photos: string[]): Promise<string> {
  const subject = await demo.post('/v1/subjects', { category: 'arrestee', externalId: label });
  for (const photo of photos) await demo.post(`/v1/subjects/${subject.id}/samples?wait=120`, { modality: 'face', image: base64(photo) });
  return subject.id;
}

async function searchPhoto(demo: DemoContext, photo: string, extra: Record<string, unknown> = {}): Promise<FaceSearchResult> {
  const response = await demo.post('/v1/searches?wait=120', { modality: 'face', image: base64(photo), limit: 5, ...extra });
  return response.result;
}

/** Faces: a mugshot gallery of real people (shared data) or of the photos npm ships, then searches. */
export async function runFaceDemo(demo: DemoContext) {
  demo.heading('Face search');
  const characters = sharedPath('face/characters');
  if (!characters) {
    const demoDir = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
    demo.line('  ../shared/data/face not found: using the photos face-api ships (MIT) instead');
    const names = new Map<string, string>();
    for (const file of ['sample1.jpg', 'sample2.jpg', 'sample3.jpg']) names.set(await enrolPhotos(demo, file, [join(demoDir, file)]), file);
    const result = await searchPhoto(demo, join(demoDir, 'sample1.jpg'));
    demo.line(`  group photo sample1.jpg: ${result.faces.length} faces found, each searched against ${result.gallerySize} enrolled faces`);
    demo.table(
      ['face', 'best candidate', 'similarity', 'FMR'],
      result.faces.map((f, i) => [i + 1, names.get(f.candidates[0]?.subjectId) ?? '-', f.candidates[0]?.score.toFixed(3) ?? '-', f.candidates[0]?.fmr.toExponential(1) ?? '-']),
    );
    return;
  }
  const people = readdirSync(characters).sort();
  const names = new Map<string, string>();
  for (const person of people) {
    const photos = [1, 2, 3, 4].map((i) => join(characters, person, `${person}${i}.png`));
    names.set(await enrolPhotos(demo, person, photos), person);
  }
  demo.line(`  enrolled ${people.length} people x 4 photos (real face crops from ../shared/data/face/characters)`);
  const rows: Array<Array<string | number>> = [];
  let correct = 0;
  for (const person of people) {
    const result = await searchPhoto(demo, join(characters, person, `${person}5.png`));
    const top = result.faces[0]?.candidates ?? [];
    const who = names.get(top[0]?.subjectId ?? '') ?? '-';
    if (who === person) correct += 1;
    rows.push([`${person}5.png`, who, top[0]?.score.toFixed(3) ?? '-', names.get(top[1]?.subjectId ?? '') ?? '-', top[1]?.score.toFixed(3) ?? '-']);
  }
  demo.line('  unseen fifth photo of each person searched against the gallery (subject fusion over 4 photos):');
  demo.table(['probe', 'rank 1', 'similarity', 'rank 2', 'similarity'], rows);
  demo.line(`  rank-1 identification: ${correct}/${people.length}`);
  const group = sharedPath('face/group-photos/bbt1.jpg');
  if (group) {
    const result = await searchPhoto(demo, group, { fmr: 0.01 });
    demo.line(`\n  group photo bbt1.jpg, identification mode at FMR 1%: ${result.faces.length} faces`);
    demo.table(
      ['face', 'box', 'identified as', 'similarity'],
      result.faces.map((f, i) => [
        i + 1,
        `${Math.round(f.box.x)},${Math.round(f.box.y)} ${Math.round(f.box.width)}x${Math.round(f.box.height)}`,
        names.get(f.candidates[0]?.subjectId ?? '') ?? '(no candidate above threshold)',
        f.candidates[0]?.score.toFixed(3) ?? '-',
      ]),
    );
  }
}
