/**
 * Every tuning constant of the fingerprint matcher, in one place (SourceAFIS's `Parameters` idea).
 *
 * Distances are pixels at `referencePpi`: templates are rescaled on preparation, so a constant means the
 * same physical length whatever the capture resolution. Angles are radians. Values were chosen on the
 * FVC2002 DB1-4_B ISO templates and the synthetic tests; the tolerances are deliberately round and
 * generous rather than fitted to those 320 prints. Changing any of them moves scores: regenerate the
 * shipped calibration (calibration-table.ts) afterwards.
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

  // --- edge compatibility (root finding and pairing-graph expansion)
  /** Absolute tolerance on edge length, px. */
  maxDistanceError: 10,
  /** Extra length tolerance proportional to the edge length: elastic distortion accumulates with distance. */
  distanceErrorRatio: 0.08,
  /** Tolerance on each of the two relative angles of an edge (reference angle, neighbour angle). */
  maxAngleError: (13 * Math.PI) / 180,

  // --- edge hash (root finding): coarser buckets make a smaller table but more entries per lookup.
  hashLengthBin: 12,
  hashAngleBins: 20,

  // --- roots
  /** Only edges to this many nearest neighbours vote for roots: they are the least distorted, and fewer votes are faster. */
  rootNeighborCount: 6,
  /** How many best-voted minutia pairs are tried as roots of a pairing graph. */
  rootCount: 6,
  /** Edges shorter than this do not vote for roots: their direction is too uncertain. */
  minRootEdgeLength: 20,

  // --- graph score (ranks the pairing graphs of the different roots)
  /** Support edges counted per pair at most: beyond this a pair is simply "well supported". */
  supportCap: 4,
  /** Score of a paired minutia with at least one confirming edge. */
  pairBase: 1,
  /** Score per confirming edge. */
  supportWeight: 0.5,
  /** Bonus when the paired minutiae have the same type (ending/bifurcation). */
  typeMatchWeight: 0.25,

  // --- consolidation (affine fit to a graph's pairs, then a global one-to-one assignment)
  /**
   * A pairing graph with fewer pairs is not consolidated (its comparison scores 0). Below 4 pairs a graph
   * is nearly always chance; consolidating it cost a fifth of the comparison time for no accuracy.
   */
  minGraphPairs: 4,
  /**
   * A pairing graph with a lower graph score is not consolidated either. Graph scores are normalised by
   * the templates' sizes; 2 is about four well-supported pairs between two 40-minutia templates. On
   * FVC2002 DB1-4_B (ISO templates and our own extractor's) no error rate moved up to 2 (they did from 3),
   * and it skips most impostor consolidations, a third of the comparison time.
   */
  minGraphScore: 2,
  /** How many of the best pairing graphs (by graph score) are consolidated; the best result wins. */
  consolidatedPairings: 2,
  /** Fewer pairs than this get a rigid fit: an affine fit to few points can warp anything onto anything. */
  minAffinePairs: 5,
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
   * Share of a consolidated pair's weight that depends on the pairing graph's confirming edges (up to
   * supportCap): 0 ignores them, 1 gives unconfirmed pairs nothing. Consolidation's loose rounds let an
   * impostor collect chance pairs that no neighbour edge ties together; weighting by support cut the
   * mean EER on FVC2002 DB1-4_B ISO templates from 1.67% to 1.49% (fvc) and 2.13% to 1.78% (fvc-large),
   * on a flat optimum (0.2 to 0.6 within 0.05 points).
   */
  graphSupportShare: 0.4,

  // --- final score
  /** Margin around a template's minutiae bounding box counted as common area, px. */
  overlapMargin: 10,
  /** Common-area minutiae counts below this are raised to it, so that a sliver of overlap cannot score as a full match. */
  minOverlapCount: 12,
} as const;

export type MatchParameters = typeof matchParameters;
