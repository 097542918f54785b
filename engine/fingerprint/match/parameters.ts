/**
 * Every tuning constant of the fingerprint matcher, in one place (SourceAFIS's `Parameters` idea).
 *
 * Distances are pixels at `referencePpi`: templates are rescaled on preparation, so a constant means the
 * same physical length whatever the capture resolution. Angles are radians. Values were chosen on the
 * FVC2002 DB1-4_B ISO templates, our extractor's templates of the same images, and generated prints
 * (engine/fingerprint/synth); the tolerances are deliberately round and generous rather than fitted to
 * those 320 prints. FVC2002 error rates move by 0.1-0.3 points under a meaningless sub-pixel jitter of
 * the minutiae, so the comparisons that chose these values averaged each EER over the real templates and
 * three jittered copies. Changing any of them moves scores: regenerate the shipped calibration
 * (calibration-table.ts) afterwards.
 */
export const matchParameters = {
  /** Resolution every prepared template is rescaled to; the pixel constants below are at this resolution. */
  referencePpi: 500,

  // --- edge table (the local structure of each minutia)
  /** Each minutia keeps edges to at most this many nearest neighbours (SourceAFIS uses 9). */
  neighborCount: 9,
  /** Neighbours farther than this are not kept (about 12 mm): they add distortion, not information. */
  neighborRange: 240,
  /** Neighbours closer than this are skipped: such pairs are usually extractor noise (ridge breaks, spurs). */
  neighborMinDistance: 6,

  // --- edge compatibility (root finding, pairing graphs, local support)
  /** Absolute tolerance on edge length, px. */
  maxDistanceError: 10,
  /** Extra length tolerance proportional to the edge length: elastic distortion accumulates with distance. */
  distanceErrorRatio: 0.08,
  /**
   * Tolerance on each of the two relative angles of an edge (reference angle, neighbour angle). 15 degrees
   * was 0.1 point of mean EER better on FVC2002 and 16% slower (the edge hash's buckets fill up); 11 worse.
   */
  maxAngleError: (13 * Math.PI) / 180,

  // --- edge hash (root finding): coarser buckets make a smaller table but more entries per lookup.
  // Finer bins (8 px, 30-36 angle bins) and coarser ones (10 px, 24) measured no faster: the fewer
  // wasted entries were paid back by a table that no longer stays in the fastest cache.
  hashLengthBin: 12,
  hashAngleBins: 20,
  /** Root edges at least this long share the last length bin (keeps the table at 24 kB). */
  hashMaxLength: 144,

  // --- roots and pairing graphs
  /**
   * Edges to this many nearest neighbours are root edges: they vote for roots, and the pairing graphs
   * grow over the ones that agree. 5 was 1.3x faster but 0.2 points of mean EER worse on FVC2002 (DB4
   * images most), 7 no better.
   */
  rootNeighborCount: 6,
  /** How many best-voted minutia pairs are tried as roots of a pairing graph (4 and 10 gave the same accuracy). */
  rootCount: 5,
  /**
   * With orientation descriptors on both sides, the roots are the rootCount best of this many
   * best-voted pairs after weighting each vote by the pair's descriptor agreement.
   */
  rootPool: 20,
  /** Edges shorter than this do not vote for roots: their direction is too uncertain. */
  minRootEdgeLength: 20,

  // --- graph score (ranks the pairing graphs of the different roots) and local support
  /** Supporting edges counted per pair at most: beyond this a pair is simply "well supported". */
  supportCap: 4,
  /** Score of a paired minutia with at least one confirming edge. */
  pairBase: 1,
  /** Score per confirming edge. */
  supportWeight: 0.5,
  /** Bonus when the paired minutiae have the same type (ending/bifurcation). */
  typeMatchWeight: 0.25,

  // --- consolidation (affine fit to a graph's pairs, then a global one-to-one assignment)
  /**
   * A pairing graph with fewer pairs is not consolidated (its comparison scores 0). Graphs grow over root
   * edges only, so a genuine graph between two small templates (FVC2002 DB3's commercial ones hold
   * 13-49 minutiae) can have as few as 3 pairs; 4 cost DB3 0.6 points of EER.
   */
  minGraphPairs: 3,
  /**
   * A pairing graph with a lower graph score is not consolidated either. Graph scores are normalised by
   * the templates' sizes; 1.5 is about three well-supported pairs between two 35-minutia templates. It
   * skips about a third of impostor consolidations; 2 cost DB3 (ISO) 0.6 points of EER.
   */
  minGraphScore: 1.5,
  /**
   * How many of the best pairing graphs (by graph score) are consolidated; the best result wins. The
   * graph score ranks graphs only roughly: 1 lost 0.3 points of mean EER, 3 gained nothing measurable.
   */
  consolidatedPairings: 2,
  /** Fewer pairs than this get a rigid fit: an affine fit to few points can warp anything onto anything. */
  minAffinePairs: 5,
  /**
   * Strength of the pull of every affine fit towards the best rotation, as a length, px: the fit
   * minimises sum |A q - r|^2 + k * affinePrior^2 * |A - R|^2 over k pairs (ridge regression towards
   * rigid). Pairs spread across the print (spread well above affinePrior) fix the stretch and shear
   * themselves; a pairing graph's cluster of pairs from one region does not, and the shear it fitted,
   * extrapolated across the print, cost genuine comparisons their far pairs (FVC2002 DB4 images). On
   * FVC2002 12-20 px were 0.1 point of mean EER better than none (noise level), 28 and more worse: the ISO
   * templates come from anisotropically resampled images and need the affine freedom.
   */
  affinePrior: 15,
  /**
   * Band for the singular values of the fitted linear part. Wide because real captures (and templates
   * extracted from anisotropically resampled images, as the FVC ISO set is) stretch by up to ~35% in one
   * direction; a rigid-only fit lost half of the genuine pairs on such data.
   */
  minAffineScale: 0.7,
  maxAffineScale: 1.45,
  /** A mapped probe minutia pairs with a candidate minutia this close, px... */
  consolidationDistance: 10,
  /** ...and this close in direction. */
  consolidationAngle: (15 * Math.PI) / 180,
  /**
   * A consolidation whose loose first round estimates a lower score is abandoned (it scores 0). The
   * final score of a consolidation was a median 0.6 and a 99th percentile 1.1 times this estimate on
   * FVC2002, and scores below 1.3 * 1.1 are impostor-like (FMR above 1%); abandoning them after one
   * assignment round instead of three halved consolidation time and moved no error rate (1.6 neither,
   * but was only 5% faster).
   */
  consolidationFloor: 1.3,
  /** Assignment rounds; all but the last refit the transform to the pairs found (a short ICP). */
  consolidationRounds: 3,
  /** Tolerance multiplier of the first round, which recovers pairs the graph missed. */
  firstRoundLooseness: 1.6,
  /** A pair's weight is 1 - closenessSlope * (distance error + direction error), each scaled to 1 at its tolerance. */
  closenessSlope: 0.25,
  /**
   * Weight of a pair whose minutiae differ in type. 1 = types ignored: endings and bifurcations swap
   * under pressure and between extractors; 0.8 helped on one protocol and hurt on the other.
   */
  typeMismatchFactor: 1,
  /**
   * Share of an assigned pair's weight that depends on its local support (neighbour edges agreeing at
   * both ends, up to supportCap): 0 ignores it, 1 gives unsupported pairs nothing. Consolidation's loose
   * first round lets an impostor collect chance pairs that no neighbour edge ties together. 0.6 and a
   * cap of 6 were no better.
   */
  supportShare: 0.4,

  // --- orientation descriptors (descriptor.ts; templates with an orientation map only)
  /**
   * Circles the ridge orientation is sampled on around each minutia, px at referencePpi: Tico &
   * Kuosmanen's pattern (radii 27-81 px, 10-28 points, 76 samples).
   */
  descriptorCircles: [
    { radius: 27, points: 10 },
    { radius: 45, points: 16 },
    { radius: 63, points: 22 },
    { radius: 81, points: 28 },
  ],
  /** A pair is judged by its descriptors only when at least this share of the samples lies inside both prints. */
  descriptorMinValid: 0.3,
  /**
   * Descriptor similarity (0-1) at which a pair's weight falls to 0; it rises linearly to full weight at
   * 1. Genuine pairs of FVC2002 agree at a median 0.98 and a 10th percentile 0.96, chance pairs of
   * impostor comparisons at a median 0.91 and a 10th percentile 0.75: 0.8-0.9 were equally good, 0.5
   * (gentle) and 0.94 (harsh) worse.
   */
  descriptorFloor: 0.85,
  /**
   * minGraphPairs, minGraphScore, consolidationFloor and minOverlapCount when both templates carry
   * orientation descriptors. Those gates stop chance alignments early, at the price of the small graphs
   * and small overlaps of some genuine comparisons; weighting every pair (and the floor's estimate) by
   * its ridge-flow agreement stops chance alignments better, so the gates can open. On the FVC2002
   * images (mean EER fvc / large, each averaged over three sub-pixel jitters): descriptors alone 1.30% /
   * 1.85%, with these gates 1.17% / 1.46%, at about a fifth more time per comparison. Minutiae-only
   * comparisons keep the gates above: with nothing else to suppress chance alignments, a 1:N search over
   * a million fingers needs them.
   */
  flowGates: { minGraphPairs: 2, minGraphScore: 0.5, consolidationFloor: 1, minOverlapCount: 10 },

  // --- final score
  /** Margin around a template's minutiae bounding box counted as common area, px. */
  overlapMargin: 10,
  /** Common-area minutiae counts below this are raised to it, so that a sliver of overlap cannot score as a full match. */
  minOverlapCount: 12,
} as const;

export type MatchParameters = typeof matchParameters;
