/**
 * AM/PM fingerprints and faces compared with the fingerprint and face engines, turned into the
 * per-(victim, missing person) modality scores that `solveDvi` multiplies into the DNA LR.
 *
 * Each engine's own score-to-LR calibration is used by default (fingerprint: `comparisonLogLr`, the
 * shipped minutiae-only or ridge-flow calibration as the comparison was; face: `similarityToLogLr` on the default calibration); pass
 * `ScoreCalibration`s to `solveDvi` instead to calibrate against a lab's own genuine and impostor
 * distributions (then leave `log10LR` out). Evidence per modality:
 * - fingerprints: per finger position present on both sides, the best score over the impressions;
 *   distinct fingers are independent and their log LRs add. Templates without a position are compared
 *   all-against-all and only the single best pair counts (we do not know which fingers they are).
 * - faces: the best cosine similarity over the AM photos and PM embeddings (one face, one LR).
 */
import { cosineSimilarity, similarityToLogLr } from '../face/compare.js';
import {
  compareTemplates,
  comparisonLogLr,
  type PreparedTemplate,
  prepareTemplate,
} from '../fingerprint/match/index.js';
import type { FingerprintTemplate } from '../fingerprint/types.js';
import type { DviCase, ModalityScore } from './types.js';

export interface BiometricRecord {
  fingerprints?: FingerprintTemplate[];
  /** L2-normalised face embeddings (one per photo or PM image). */
  faceEmbeddings?: Array<Float32Array | number[]>;
}

interface Prepared {
  byPosition: Map<string, PreparedTemplate[]>;
  unpositioned: PreparedTemplate[];
  faces: Array<Float32Array | number[]>;
}

function prepare(record: BiometricRecord): Prepared {
  const byPosition = new Map<string, PreparedTemplate[]>();
  const unpositioned: PreparedTemplate[] = [];
  for (const t of record.fingerprints ?? []) {
    const prepared = prepareTemplate(t);
    // Position 0 is "unknown" in ANSI/NIST and ISO: such prints are compared against every finger.
    if (!t.position) unpositioned.push(prepared);
    else {
      const key = String(t.position);
      const list = byPosition.get(key) ?? [];
      list.push(prepared);
      byPosition.set(key, list);
    }
  }
  return { byPosition, unpositioned, faces: record.faceEmbeddings ?? [] };
}

/** The best-scoring pair between two lists and its score; null when a list is empty. */
function bestPair<T>(a: T[], b: T[], score: (x: T, y: T) => number): { x: T; y: T; score: number } | null {
  let top: { x: T; y: T; score: number } | null = null;
  for (const x of a) {
    for (const y of b) {
      const s = score(x, y);
      if (!top || s > top.score) top = { x, y, score: s };
    }
  }
  return top;
}

/** The best-scoring comparison between two lists of prints, with its log10 LR; null when a list is empty. */
function bestFinger(a: PreparedTemplate[], b: PreparedTemplate[]): { score: number; log10Lr: number } | null {
  const top = bestPair(a, b, compareTemplates);
  return top && { score: top.score, log10Lr: comparisonLogLr(top.x, top.y, top.score) };
}

/** Scores (with the engines' log10 LRs) of every victim against every missing person with AM data. */
export function biometricScores(
  pm: Readonly<Record<string, BiometricRecord>>,
  am: Readonly<Record<string, BiometricRecord>>,
): ModalityScore[] {
  const scores: ModalityScore[] = [];
  const amPrepared = Object.entries(am).map(([id, r]) => [id, prepare(r)] as const);
  for (const [victim, record] of Object.entries(pm)) {
    const p = prepare(record);
    for (const [missing, a] of amPrepared) {
      let fingerLog10 = 0;
      let fingerScore: number | null = null;
      for (const [position, list] of p.byPosition) {
        const other = a.byPosition.get(position);
        if (!other) continue;
        const finger = bestFinger(list, other)!;
        fingerLog10 += finger.log10Lr;
        fingerScore = Math.max(fingerScore ?? 0, finger.score);
      }
      if (fingerScore === null) {
        const all = (x: Prepared) => [...x.unpositioned, ...[...x.byPosition.values()].flat()];
        const finger = bestFinger(all(p), all(a));
        if (finger !== null) {
          fingerScore = finger.score;
          fingerLog10 = finger.log10Lr;
        }
      }
      if (fingerScore !== null) {
        scores.push({ modality: 'fingerprint', victim, missing, score: fingerScore, log10LR: fingerLog10 });
      }
      const face = bestPair(p.faces, a.faces, cosineSimilarity)?.score ?? null;
      if (face !== null) {
        scores.push({ modality: 'face', victim, missing, score: face, log10LR: similarityToLogLr(face) });
      }
    }
  }
  return scores;
}

/**
 * The case with computed modality scores added. A score the case already holds for the same modality
 * and pair (entered by an examiner, or calibrated by a lab) is kept instead.
 */
export function withModalityScores(dviCase: DviCase, computed: readonly ModalityScore[]): DviCase {
  const key = (s: ModalityScore) => `${s.modality}\u0000${s.victim}\u0000${s.missing}`;
  const given = new Set((dviCase.scores ?? []).map(key));
  return { ...dviCase, scores: [...(dviCase.scores ?? []), ...computed.filter((s) => !given.has(key(s)))] };
}

/** The case with the engines' scores of its AM/PM records added (see `withModalityScores`). */
export function withBiometricScores(
  dviCase: DviCase,
  pm: Readonly<Record<string, BiometricRecord>>,
  am: Readonly<Record<string, BiometricRecord>>,
): DviCase {
  return withModalityScores(dviCase, biometricScores(pm, am));
}
