/**
 * Tenprint 1:N: each probe finger searches the gallery entries of its own position, the per-finger
 * scores are turned into log10 likelihood ratios (comparisonLogLr) and summed per subject, which is the
 * fused likelihood ratio under independence of fingers (the usual product rule of multi-instance
 * fusion). A subject that a finger's candidate list missed is not assumed absent: the best-fused
 * subjects are completed by comparing their missing fingers exactly, so every returned subject's
 * fusion uses real scores for every finger it has enrolled at a probed position.
 */
import { IdmError } from '../../errors.js';
import {
  compareTemplates,
  comparisonLogLr,
  indexProbe,
  prepareTemplate,
  scoreToLogLr,
} from '../match/index.js';
import type { FingerprintTemplate } from '../types.js';
import type { GallerySnapshot } from './gallery.js';
import { identifyParameters as P } from './parameters.js';
import { galleryTemplate, searchSlots, snapshotViews } from './search.js';
import { sharedStringAt } from './shared-strings.js';

export interface TenprintProbe {
  position: number;
  template: FingerprintTemplate;
}

export interface TenprintOptions {
  /** Subjects returned (default 20). */
  limit?: number;
  /** Code-stage candidates per finger passed to the full matcher. */
  candidatesToRerank?: number;
}

export interface FingerEvidence {
  position: number;
  /** Gallery entry compared (absent when the subject has no finger at this position). */
  id?: string;
  score: number;
  log10Lr: number;
}

export interface SubjectCandidate {
  subjectId: string;
  /** Sum of the fingers' log10 likelihood ratios. */
  log10Lr: number;
  rank: number;
  fingers: FingerEvidence[];
}

/** Slots of each subject at each position, per snapshot (built on first tenprint search). */
const subjectSlots = new WeakMap<GallerySnapshot, Map<number, number[]>>();

function slotsOfSubject(s: GallerySnapshot, subject: number): number[] {
  let map = subjectSlots.get(s);
  if (!map) {
    map = new Map();
    const { subjects, alive } = snapshotViews(s);
    for (let slot = 0; slot < s.count; slot++) {
      if (!alive[slot]) continue;
      const list = map.get(subjects[slot]);
      if (list) list.push(slot);
      else map.set(subjects[slot], [slot]);
    }
    subjectSlots.set(s, map);
  }
  return (map.get(subject) ?? []).filter((slot) => snapshotViews(s).alive[slot] === 1);
}

export function searchTenprint(
  snapshot: GallerySnapshot,
  probes: TenprintProbe[],
  options: TenprintOptions = {},
): SubjectCandidate[] {
  if (probes.length === 0) throw new IdmError('IDM_VALIDATION', 'a tenprint search needs at least one finger');
  const seen = new Set<number>();
  for (const p of probes) {
    if (!Number.isInteger(p.position) || p.position < 1 || p.position > 10)
      throw new IdmError('IDM_VALIDATION', `tenprint finger positions must be 1-10, got ${p.position}`);
    if (seen.has(p.position)) throw new IdmError('IDM_VALIDATION', `finger position ${p.position} given twice`);
    seen.add(p.position);
  }
  const limit = options.limit ?? P.fingerLimit;
  const views = snapshotViews(snapshot);
  const prepared = probes.map((p) => ({ position: p.position, template: prepareTemplate(p.template) }));
  // evidence.get(subject).get(position) = [slot, score]
  const evidence = new Map<number, Map<number, [number, number]>>();
  for (const probe of prepared) {
    const list = searchSlots(snapshot, probe.template, {
      mode: 'finger',
      positions: [probe.position],
      limit: P.tenprintPerFingerLimit,
      candidatesToRerank: options.candidatesToRerank,
    });
    for (const c of list) {
      const subject = views.subjects[c.slot];
      let perFinger = evidence.get(subject);
      if (!perFinger) {
        perFinger = new Map();
        evidence.set(subject, perFinger);
      }
      const previous = perFinger.get(probe.position);
      if (!previous || previous[1] < c.score)
        perFinger.set(probe.position, [c.slot, c.score]);
    }
  }
  // Provisional fusion: fingers not in a candidate list count as score 0 until completed.
  const provisional = [...evidence.entries()].map(([subject, perFinger]) => {
    let sum = 0;
    for (const probe of prepared) {
      const known = perFinger.get(probe.position);
      // A finger outside its candidate list counts as a minutiae-only score 0 until completed below.
      sum += known
        ? comparisonLogLr(probe.template, galleryTemplate(snapshot, known[0]), known[1])
        : scoreToLogLr(0);
    }
    return { subject, sum };
  });
  provisional.sort((a, b) => b.sum - a.sum || a.subject - b.subject);
  const completed = provisional.slice(0, Math.max(limit, P.tenprintCompletedSubjects));
  for (const probe of prepared) indexProbe(probe.template);
  const results: SubjectCandidate[] = completed.map(({ subject }) => {
    const perFinger = evidence.get(subject) as Map<number, [number, number]>;
    const slots = slotsOfSubject(snapshot, subject);
    const fingers: FingerEvidence[] = prepared.map((probe) => {
      const known = perFinger.get(probe.position);
      if (known)
        return {
          position: probe.position,
          id: sharedStringAt(snapshot.ids, known[0]),
          score: known[1],
          log10Lr: comparisonLogLr(probe.template, galleryTemplate(snapshot, known[0]), known[1]),
        };
      let best = -1;
      let bestScore = 0;
      for (const slot of slots) {
        if (views.positions[slot] !== probe.position && views.positions[slot] !== 0) continue;
        const score = compareTemplates(probe.template, galleryTemplate(snapshot, slot));
        if (best < 0 || score > bestScore) {
          best = slot;
          bestScore = score;
        }
      }
      return {
        position: probe.position,
        id: best >= 0 ? sharedStringAt(snapshot.ids, best) : undefined,
        score: bestScore,
        log10Lr:
          best >= 0
            ? comparisonLogLr(probe.template, galleryTemplate(snapshot, best), bestScore)
            : scoreToLogLr(0),
      };
    });
    return {
      subjectId: sharedStringAt(snapshot.subjectIds, subject),
      log10Lr: fingers.reduce((sum, f) => sum + f.log10Lr, 0),
      rank: 0,
      fingers,
    };
  });
  results.sort((a, b) => b.log10Lr - a.log10Lr || (a.subjectId < b.subjectId ? -1 : 1));
  return results.slice(0, limit).map((r, i) => ({ ...r, rank: i + 1 }));
}
