/**
 * Every tuning constant of the synthetic fingerprint generator (after SFinGe: Cappelli, Maio & Maltoni,
 * "Synthetic fingerprint-image generation", ICPR 2000, and Maltoni et al., Handbook of Fingerprint
 * Recognition, 2nd ed., chapter 6). Pixel values are at 500 ppi.
 */
export const synthParameters = {
  ppi: 500,
  /** Master fingerprint canvas, px. */
  masterWidth: 320,
  masterHeight: 416,
  /** Impression canvas, px (an FVC2002 DB1-sized plain impression is 388x374). */
  impressionWidth: 320,
  impressionHeight: 416,

  // --- finger class priors (natural frequencies: loops about 65%, whorls 30%, arches 5%; Handbook 5.1)
  classWeights: { leftLoop: 0.3, rightLoop: 0.3, whorl: 0.26, tentedArch: 0.07, arch: 0.07 },

  // --- finger shape: a superellipse, squarer toward the fingertip's base (SFinGe's 4-arc silhouette)
  shapeSemiAxisX: [0.38, 0.46] as const,
  shapeSemiAxisY: [0.42, 0.48] as const,

  // --- orientation model: Sherlock & Monro's zero-pole model plus low-frequency perturbation
  /** Amplitude (rad) of the smooth random perturbation added to the orientation field. */
  orientationNoiseRad: 0.12,
  /** Bins of the filter bank used to grow ridges (finer than the extractor's, for smooth curves). */
  orientationBins: 32,

  // --- ridge frequency map
  /** Mean ridge period range, px (0.43-0.52 mm at 500 ppi). */
  meanPeriodPx: [8.5, 10.5] as const,
  /** Relative amplitude of the smooth period variation across the finger. */
  periodVariation: 0.1,

  // --- ridge growth by iterative Gabor filtering
  growthIterations: 6,
  /** Ridges are grown this far beyond the silhouette so the pattern does not fade at its edge, px. */
  growthMarginPx: 12,
  /** Along-ridge smoothing while growing, px: wider than the extractor's, so ridges run long and minutiae stay sparse. */
  growthSigmaAlongPx: 5,
  /** Clipping gain after each iteration: responses are scaled so their RMS maps to this, then clipped to [-1, 1]. */
  growthGain: 2.2,

  // --- impressions
  maxRotationRad: (15 * Math.PI) / 180,
  maxTranslationPx: 24,
  /** Elastic distortion: this many Gaussian displacement bumps of this width and amplitude (px). */
  distortionBumps: 4,
  distortionSigmaPx: 70,
  distortionAmplitudePx: 4,
  /** Ridge/valley threshold shift from pressure (dry prints have thin ridges, wet ones thick). */
  maxPressureShift: 0.35,
  /** Contact area as a share of the finger's shape, by pressure (low to high). */
  contactShare: [0.72, 1.0] as const,
  backgroundGrey: [225, 250] as const,
  ridgeContrast: [150, 210] as const,
  noiseSigmaGrey: [6, 16] as const,
  /** Dry or smudged patches per impression (multiplicative contrast loss). */
  blotches: 3,
  /** True minutiae closer than this to the edge of the contact area are not visible and are not reported. */
  truthEdgeMarginPx: 4,

  // --- latent crops
  latentAreaShare: 0.35,
  latentContrast: 0.45,
  latentNoiseSigmaGrey: 22,
} as const;
