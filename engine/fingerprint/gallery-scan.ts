/**
 * Exhaustive 1:N over a set of prepared templates: the matcher against every template of the allowed
 * finger positions, the best candidates kept. This is exact (it is the reference a two-stage index
 * must come close to) and fast enough for galleries of tens of thousands of fingers per thread.
 */
import { compareTemplates, indexProbe, type PreparedTemplate, prepareTemplate, scoreToFmr, scoreToLogLr } from './match/index.js';
import type { FingerprintTemplate } from './types.js';

export interface ScanEntry {
  id: string;
  position: number;
  prepared: PreparedTemplate;
}

export interface ScanHit {
  id: string;
  position: number;
  score: number;
  fmr: number;
  log10Lr: number;
}

export function prepareScanEntries(entries: Array<{ id: string; position: number; template: FingerprintTemplate }>): ScanEntry[] {
  return entries.map((e) => ({ id: e.id, position: e.position, prepared: prepareTemplate(e.template) }));
}

/**
 * The `limit` best templates for a probe. A probe of known position (1-10) is compared only with
 * templates of that position or of unknown position; a latent (position 0) with every template.
 */
export function scanGallery(entries: readonly ScanEntry[], probe: FingerprintTemplate, position: number, limit: number): ScanHit[] {
  const prepared = prepareTemplate(probe);
  indexProbe(prepared);
  const best: Array<{ index: number; score: number }> = [];
  let floor = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (position > 0 && entry.position > 0 && entry.position !== position) continue;
    const score = compareTemplates(prepared, entry.prepared);
    if (score <= floor && best.length >= limit) continue;
    best.push({ index: i, score });
    if (best.length > limit * 2) {
      best.sort((a, b) => b.score - a.score);
      best.length = limit;
      floor = best[limit - 1].score;
    }
  }
  best.sort((a, b) => b.score - a.score);
  return best.slice(0, limit).map(({ index, score }) => ({
    id: entries[index].id,
    position: entries[index].position,
    score,
    fmr: scoreToFmr(score),
    log10Lr: scoreToLogLr(score),
  }));
}
