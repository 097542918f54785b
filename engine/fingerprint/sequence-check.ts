/**
 * Sequence check of a tenprint card: each fingertip cut from a slap against the rolled prints of its
 * hand. Rolled prints are taken one finger at a time and can land in the wrong box (or be rolled twice
 * from one finger); the slaps, four fingers at once, cannot be out of order. So a slap tip that matches
 * its own position's rolled print confirms that box, and one that clearly matches another box's rolled
 * print better flags a sequence error, as AFIS operators check before a card is searched or enrolled.
 */
import type { FingerprintPrint } from './input.js';
import { compareTemplates, prepareTemplate, scoreToFmr } from './match/index.js';

/** A comparison at or below this false match rate counts as a match for the check. */
const MATCH_FMR = 1e-4;

export interface SequenceFinding {
  /** The finger position the slap tip was assigned. */
  position: number;
  /** The slap's position code (13, 14, 15, 11, 12). */
  slap: number;
  /** Score and FMR against the rolled print of the same position. */
  score: number;
  fmr: number;
  /** The best-scoring rolled print of another finger of the same hand, if any was compared. */
  bestOther?: { position: number; score: number; fmr: number };
  /**
   * confirmed: the tip matches its own rolled print, better than any other finger's; suspect: it
   * matches another finger's rolled print better (a rolled print in the wrong box); inconclusive:
   * neither (a poor tip or rolled print).
   */
  verdict: 'confirmed' | 'suspect' | 'inconclusive';
}

const hand = (position: number) => (position <= 5 ? 'right' : 'left');

/** Checks every slap tip that has a rolled print at its position; [] when there are none. */
export function checkSequence(prints: FingerprintPrint[]): SequenceFinding[] {
  const rolled = new Map<number, ReturnType<typeof prepareTemplate>>();
  for (const p of prints) {
    if (!p.slap && p.role === 'exemplar' && p.position >= 1 && p.position <= 10 && !rolled.has(p.position))
      rolled.set(p.position, prepareTemplate(p.template));
  }
  const findings: SequenceFinding[] = [];
  for (const tip of prints) {
    const own = rolled.get(tip.position);
    if (!tip.slap || !own) continue;
    const probe = prepareTemplate(tip.template);
    const score = compareTemplates(probe, own);
    let bestOther: SequenceFinding['bestOther'];
    for (const [position, template] of rolled) {
      if (position === tip.position || hand(position) !== hand(tip.position)) continue;
      const other = compareTemplates(probe, template);
      if (!bestOther || other > bestOther.score) bestOther = { position, score: other, fmr: scoreToFmr(other) };
    }
    const fmr = scoreToFmr(score);
    const beaten = bestOther !== undefined && bestOther.score > score;
    const verdict =
      beaten && (bestOther as NonNullable<typeof bestOther>).fmr <= MATCH_FMR
        ? 'suspect'
        : !beaten && fmr <= MATCH_FMR
          ? 'confirmed'
          : 'inconclusive';
    findings.push({ position: tip.position, slap: tip.slap.position, score, fmr, bestOther, verdict });
  }
  return findings;
}
