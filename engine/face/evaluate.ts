/**
 * Verification metrics from genuine (same person) and impostor (different people) similarity scores:
 * EER, AUC, TAR at a given FAR and a threshold table. Higher score = more similar. Ties count half in
 * the AUC (Mann-Whitney U statistic).
 */

export interface ThresholdRow {
  threshold: number;
  /** False accept (match) rate: impostor scores >= threshold. */
  far: number;
  /** True accept rate: genuine scores >= threshold. */
  tar: number;
  /** False reject rate = 1 - TAR. */
  frr: number;
}

export interface VerificationMetrics {
  genuine: number;
  impostor: number;
  eer: number;
  /** The threshold at which FAR and FRR are closest. */
  eerThreshold: number;
  auc: number;
  tarAtFar1e2: number;
  tarAtFar1e3: number;
  thresholds: ThresholdRow[];
}

function rateAtOrAbove(sortedAsc: Float64Array, t: number): number {
  // index of the first element >= t
  let lo = 0;
  let hi = sortedAsc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedAsc[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return sortedAsc.length ? (sortedAsc.length - lo) / sortedAsc.length : 0;
}

/** Area under the ROC curve = P(genuine > impostor) + P(tie) / 2. */
export function auc(genuine: number[], impostor: number[]): number {
  if (!genuine.length || !impostor.length) return Number.NaN;
  const all = [...genuine.map((s) => ({ s, g: 1 })), ...impostor.map((s) => ({ s, g: 0 }))].sort(
    (a, b) => a.s - b.s,
  );
  // rank-sum with average ranks for ties
  let rankSumGenuine = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].s === all[i].s) j++;
    const avgRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (all[k].g) rankSumGenuine += avgRank;
    i = j + 1;
  }
  const n1 = genuine.length;
  return (rankSumGenuine - (n1 * (n1 + 1)) / 2) / (n1 * impostor.length);
}

/** Highest TAR over thresholds t (accept score >= t) whose FAR does not exceed `far`. */
export function tarAtFar(genuine: number[], impostor: number[], far: number): number {
  const g = Float64Array.from(genuine).sort();
  const im = Float64Array.from(impostor).sort();
  let best = 0;
  for (const t of [...new Set([...g, ...im]), Number.POSITIVE_INFINITY]) {
    if (rateAtOrAbove(im, t) <= far) best = Math.max(best, rateAtOrAbove(g, t));
  }
  return best;
}

export function evaluateVerification(
  genuine: number[],
  impostor: number[],
  tableSize = 21,
): VerificationMetrics {
  const g = Float64Array.from(genuine).sort();
  const im = Float64Array.from(impostor).sort();
  const candidates = Float64Array.from(new Set([...g, ...im])).sort();
  let eer = 1;
  let eerThreshold = Number.NaN;
  let gap = Number.POSITIVE_INFINITY;
  for (const t of candidates) {
    const far = rateAtOrAbove(im, t);
    const frr = 1 - rateAtOrAbove(g, t);
    if (Math.abs(far - frr) < gap) {
      gap = Math.abs(far - frr);
      eer = (far + frr) / 2;
      eerThreshold = t;
    }
  }
  const lo = candidates.length ? candidates[0] : 0;
  const hi = candidates.length ? candidates[candidates.length - 1] : 1;
  const thresholds: ThresholdRow[] = [];
  for (let i = 0; i < tableSize; i++) {
    const threshold = lo + ((hi - lo) * i) / (tableSize - 1);
    const far = rateAtOrAbove(im, threshold);
    const tar = rateAtOrAbove(g, threshold);
    thresholds.push({ threshold, far, tar, frr: 1 - tar });
  }
  return {
    genuine: genuine.length,
    impostor: impostor.length,
    eer,
    eerThreshold,
    auc: auc(genuine, impostor),
    tarAtFar1e2: tarAtFar(genuine, impostor, 1e-2),
    tarAtFar1e3: tarAtFar(genuine, impostor, 1e-3),
    thresholds,
  };
}
