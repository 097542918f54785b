/**
 * Every tuning constant of fingerprint 1:N identification, in one place. Values were chosen on the
 * synthetic galleries of bench/fingerprint-identify.ts (see bench/results/fingerprint-identify.md).
 */
export const identifyParameters = {
  /** Gallery entries reserved by a new gallery; the arrays double when full. */
  initialCapacity: 1024,
  /** Bytes reserved per entry for packed prepared templates at first (grows by doubling). */
  initialTemplateBytesPerEntry: 4096,
  // --- identification code (code.ts): every minutia pair within codeRadiusPx as a shape cell
  /** Pairs closer than this are coded (px at the matcher's 500 ppi). */
  codeRadiusPx: 200,
  /** Pairs closer than this are not: two detections of one minutia, or a hooked ridge end. */
  codeMinPairPx: 5,
  /** Cells of the pair length (px) and of each of the two relative angles. */
  codeLengthBinPx: 10,
  codeAngleBins: 16,
  /** The code stage divides shared bits by the gallery code's set bits to this power (code.ts). */
  codeSizeExponent: 0.75,
  /**
   * The same for latent searches. A partial print shares bits with only a part of its mate's code, so
   * dividing by the mate's full size costs it more than it costs a whole-print probe: at 100k, 0.6 put
   * every generator latent crop's mate within the code's top 107 (0.75: 474, which grows to 7,555 at 1M
   * for the same crop), at a small cost on 30%-area minutiae-set latents (85% vs 88% in the top 2,000).
   */
  latentCodeSizeExponent: 0.6,

  /**
   * Candidates the binary-code stage hands to the full matcher (single finger). Re-ranking a non-mate
   * costs ~0.1 ms. With the k-NN edge code, rank-1 on 100k synthetic minutiae sets went 77.5% / 85% /
   * 87.5% / 92.5% with 200 / 500 / 1,000 / 2,000 candidates; with the pair code (code.ts) it is 100%
   * from 500 on. We keep 1,000: real prints rank their mates lower by code than these sets do (FVC2002
   * probes hidden among 10,000 sets: 92.5% in the code top 1%).
   */
  fingerCandidates: 1000,
  /**
   * Latent probes carry few minutiae and a partial code, so the code stage ranks them less sharply:
   * the full matcher sees more candidates, at least latentCandidates and latentCandidateShare of the
   * fingers searched. The share because a partial code's chance sharers grow with the gallery: at 1M
   * fingers one of 40 generator latent crops (31 minutiae, mate score 18.7 against 2.9 for the best
   * impostor) had its mate 4,671st by code, outside 2,000 candidates. Re-ranking is cheap (~0.035 ms
   * a candidate with early rejection): 5,000 at 1M add ~100 ms.
   */
  latentCandidates: 2000,
  latentCandidateShare: 0.005,
  /** Candidate list lengths returned by default (the issue asks for 20-50 for latents). */
  fingerLimit: 20,
  latentLimit: 50,
  /** Tenprint: per-finger candidates kept before fusion, and subjects completed exactly after it. */
  tenprintPerFingerLimit: 100,
  tenprintCompletedSubjects: 50,
} as const;
