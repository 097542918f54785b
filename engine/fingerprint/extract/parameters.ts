/**
 * Every tuning constant of the minutiae extractor, in one place (in the manner of SourceAFIS's Parameters).
 *
 * Lengths are in pixels at the reference resolution of 500 ppi; the pipeline scales them by
 * `ppi / 500` (see `scaled`) so a 569 ppi image sees the same physical distances. Ridge period at
 * 500 ppi is typically 8-11 px (0.4-0.5 mm, Maltoni et al., Handbook of Fingerprint Recognition, 2nd ed., 3.6).
 */
export const extractParameters = {
  /** Resolution the pixel constants below are expressed in. */
  referencePpi: 500,

  // --- limits (bad input)
  /** Smallest side accepted; smaller images cannot hold a single minutia with its context. */
  minSidePx: 32,
  /** Largest side accepted (a full slap at 1000 ppi is about 3200 px wide). */
  maxSidePx: 4096,

  // --- segmentation (segmentation.ts)
  /** Side of the square blocks of the block map that segmentation, orientation and frequency share. */
  blockSizePx: 8,
  /** Grey-level spread is measured over a block and this many blocks on each side (1: 3x3 blocks). */
  segmentationWindowBlocks: 1,
  /** A block is foreground when its grey-level standard deviation exceeds this share of the image's high (90th percentile) block spread... */
  segmentationRelativeThreshold: 0.3,
  /** ...and this absolute floor (grey levels): flat sensor noise never counts as ridges. */
  segmentationAbsoluteThreshold: 10,
  /** Blocks of orientation coherence below this are background unless their contrast is strong (smudges, text). */
  segmentationMinCoherence: 0.15,
  /** Closing/opening radius in blocks that removes pinholes and specks from the block mask. */
  segmentationMorphologyBlocks: 1,

  // --- orientation (orientation.ts)
  /** Blocks either side whose gradient tensors are averaged (Gaussian-weighted) into the block orientation. */
  orientationSmoothingRadiusBlocks: 2,
  /** Standard deviation in blocks of that Gaussian weighting. */
  orientationSmoothingSigmaBlocks: 1.3,
  /** The coarse scale blended in where the fine one is unclear (dry, smudged or scarred patches). */
  orientationCoarseRadiusBlocks: 4,
  orientationCoarseSigmaBlocks: 2.5,
  /** Fine-scale coherence below `Low` takes the coarse orientation, above `High` the fine one, linear between. */
  orientationBlendCoherenceLow: 0.2,
  orientationBlendCoherenceHigh: 0.6,
  /** Number of orientation bins the enhancement filters are precomputed for (180 deg / 16 = 11.25 deg). */
  orientationBins: 16,

  // --- ridge frequency (frequency.ts), after Hong, Wan & Jain (1998), section 2.4
  /** Frequency is estimated on blocks of this many block-map blocks (2 x 8 px = 16 px). */
  frequencyBlockFactor: 2,
  /** Length of the oriented window across the ridges (the x-signature), px. */
  frequencyWindowAcrossPx: 32,
  /** Width of that window along the ridges, px. */
  frequencyWindowAlongPx: 14,
  /** Plausible ridge periods at 500 ppi, px (Hong et al. use 3..25 for 500 ppi; we are tighter). */
  minRidgePeriodPx: 5,
  maxRidgePeriodPx: 15,
  /** Normalised autocorrelation a signature must reach for its period to be trusted. */
  frequencyMinCorrelation: 0.15,
  /** Period used when no block of the image yields a trustworthy estimate. */
  defaultRidgePeriodPx: 9,
  /** Period quantisation step of the enhancement filter bank, px. */
  periodBinStepPx: 0.5,

  // --- contextual enhancement (enhancement.ts): an oriented Gabor filter split in two 1-D passes
  /** Gaussian standard deviation along the ridge, px (Hong et al. use sigma = 4 for both axes). */
  enhancementSigmaAlongPx: 4,
  /** Gaussian standard deviation across the ridge as a share of the local period (sigma 4 for period ~9). */
  enhancementSigmaAcrossPeriods: 0.42,
  /** The same where the input is sharp (see `sharpDetailRatio`). The wide envelope spans the neighbouring
   * ridges, so it fills a ridge's gap from its neighbours' rhythm: right for blurred, faint stretches
   * (the reference bridges them on the optical DB1), wrong for the real breaks of a dry capacitive print
   * and the forks of a wet one (the reference ends and splits ridges there on DB3). This one compares a
   * ridge with its two adjacent valleys only. On FVC2002 DB3 it raised agreement with the reference from
   * 63.4% to 69.6% (recall; precision 82.2% -> 81.5%); DB1, DB2, DB4 have almost no sharp blocks and kept
   * theirs. 0.25 gave 67.8% / 82.6%, 0.20 70.1% / 79.1%. Everywhere (0.25 on all blocks) it costs DB1 4
   * points of precision. */
  enhancementSharpSigmaAcrossPeriods: 0.22,
  /** A block is sharp when the mean |pixel - mean of its 4 neighbours| over its 3x3-block window exceeds
   * this share of the window's grey-level spread. FVC2002 block medians: DB1 0.15, DB2 0.13, DB3 0.34,
   * DB4 0.19 (90th percentiles 0.21, 0.18, 0.45, 0.26). */
  sharpDetailRatio: 0.3,
  /** Filter half-length in standard deviations; taps beyond carry under 2% weight. */
  enhancementRadiusSigmas: 2.0,

  // --- binarisation (binarisation.ts)
  /** Ridge islands smaller than this (px at 500 ppi) are noise (dots, dust) and become valley. 0 turns the
   * pass off: the fragment rule drops such dots' minutiae anyway, and on FVC2002 DB1/DB3 the pass cost
   * 1.5 ms per image for no gain (recall +0.3, precision -0.4 to -1.0 points). */
  minRidgeIslandPx: 0,
  /** Valley holes inside ridges smaller than this (px at 500 ppi) are noise (pores) and become ridge. */
  minValleyHolePx: 24,

  /** Skeleton branches from a line end to a junction shorter than this are cut before minutiae detection. */
  spurPruneLengthPx: 6,

  // --- minutiae (minutiae.ts)
  /** Distance along the skeleton at which a minutia's direction is read, px. (6 px agreed best with the
   * reference alone; averaged with the orientation field, 8 px agrees as well and gave the lower FVC EERs.) */
  directionTraceLengthPx: 8,
  /** Weight of the smoothed ridge orientation in a minutia's direction (the rest is the traced direction);
   * on FVC2002 DB1/DB3/DB4 (40 images each) 0.5 raised agreement with the reference by 0.1-0.5 points both ways. */
  directionFieldWeight: 0.5,
  /** ...used only when the traced direction lies within this angle of the orientation field. */
  directionMaxFieldDeviationRad: (45 * Math.PI) / 180,
  /** A ridge ending is moved from the skeleton's end to where its binary ridge stops, at most this far. */
  endingTipMaxPx: 6,
  /** Minutiae closer than this to the segmentation boundary are dropped: the ridge ends at the crop, not in the
   * skin... */
  borderMarginPx: 14,
  /** ...unless the ridges there are clear (the clarity rule below, which asks more of them near the edge):
   * then down to this. */
  borderMarginClearPx: 12,

  // --- false-minutia removal (filtering.ts)
  /** A ridge from an ending to a bifurcation shorter than this is a spur: both go. (14 px removed about one
   * genuine minutia in five it took on FVC2002 DB1; 10 px gains 1.5-2 points of recall on DB1/DB2/DB4.) */
  spurLengthPx: 10,
  /** A ridge between two endings shorter than this is a fragment (dot, dash): both go. */
  fragmentLengthPx: 12,
  /** Two bifurcations joined by a ridge shorter than this form a bridge or a lake: both go. */
  bridgeLengthPx: 12,
  /** ...and whose connecting ridge runs at least this far from the local ridge orientation (across the valley). */
  bridgeMinAngleRad: (30 * Math.PI) / 180,
  /** Two bifurcations joined by two ridges both shorter than this enclose a lake (often a pore row or a
   * split ridge): both go. */
  lakeLengthPx: 30,
  /** Two endings closer than this whose directions face each other are a broken ridge: both go. */
  gapDistancePx: 16,
  /** Two endings with opposite directions closer than this are a ridge that shifts sideways through a
   * break (about one ridge period), whatever the line between them: both go. */
  overlapGapPx: 6,
  /** How far from anti-parallel the directions of a broken ridge's two ends may be. */
  gapAngleToleranceRad: (32 * Math.PI) / 180,
  /** Without a clarity measure (the synthetic generator's clean masters), minutiae in blocks whose
   * orientation coherence is below this are unreliable and dropped. With one, no fixed floor applies: the
   * clarity rule below asks more of the ridges the lower the coherence, which also covers the unclear
   * patches this floor was for. Minutiae gather around cores and deltas, where ridge curvature, not noise,
   * lowers the block coherence; there the floor removed good minutiae: on FVC2002 DB3, 74% of the
   * reference minutiae in blocks under coherence 0.3 were missed (DB1 51%). Without it, recall rose on all
   * four databases for 0.4-1.0 points of precision (DB3 69.6/81.5% -> 70.4/81.0%, DB1 83.3/83.4 ->
   * 83.8/83.0) and the FVC EERs fell (mean of the 4 databases, 3 jitters: 1.97/2.54 -> 1.68/2.33). */
  minMinutiaCoherence: 0.15,
  /** Minutiae whose ridge clarity (mean |enhanced| over input grey-level spread within `clarityRadiusPx`)
   * is below this are in speckle or dry blotches where the filter invented the ridges: dropped. */
  minMinutiaClarity: 0.26,
  clarityRadiusPx: 10,
  /** Within this distance of the boundary the clarity a minutia needs rises by `clarityPerBorderPx` per
   * pixel closer (at 12 px from the edge 0.44 instead of 0.26)... */
  clarityBorderMarginPx: 18,
  clarityPerBorderPx: 0.03,
  /** ...and below this orientation coherence by `clarityPerCoherence` per unit of coherence missing (at
   * coherence 0.15, 0.075 more; at 0, 0.15 more). Near the edge and where the flow is unclear the filter
   * invents ridges most; on FVC2002 (all four databases, about 26,000 candidates) our candidates 14-17 px from the edge
   * agreed with the reference in 38-54% of cases overall but 56-80% where clarity was at least 0.4; in every
   * band of coherence the share rose with clarity (from 12-19% under 0.25 to 48-75% at 0.35-0.45). */
  clarityCoherence: 0.3,
  clarityPerCoherence: 0.5,
  /** At most this many minutiae may sit within `clusterRadiusPx` of one another before the cluster is noise. */
  clusterMaxNeighbours: 4,
  clusterRadiusPx: 16,

  // --- quality (quality.ts), in the spirit of NFIQ 2 (ISO/IEC 29794-4) features
  /** Foreground area (px at 500 ppi) at which the area factor saturates: about 12 x 12 mm. */
  qualityFullAreaPx: 240 * 240,
  /** Coherence at which the orientation-certainty factor saturates. */
  qualityFullCoherence: 0.7,
  /** Minutiae count at which the minutiae-count factor saturates. */
  qualityFullMinutiae: 30,
} as const;

export type ExtractParameters = typeof extractParameters;

/** A 500 ppi pixel constant at the image's resolution. */
export function scaled(lengthPx: number, ppi: number): number {
  return (lengthPx * ppi) / extractParameters.referencePpi;
}
