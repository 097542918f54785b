/**
 * Every tuning constant of fingerprint 1:N identification, in one place. Values were chosen on the
 * synthetic galleries of bench/fingerprint-identify.ts (see bench/results/fingerprint-identify.md).
 */
export const identifyParameters = {
  /** Gallery entries reserved by a new gallery; the arrays double when full. */
  initialCapacity: 1024,
  /** Bytes reserved per entry for packed prepared templates at first (grows by doubling). */
  initialTemplateBytesPerEntry: 4096,
  // --- identification code (code.ts): fine edge-shape cells hashed into codeBits bits
  /** Bits per code (a multiple of 32). */
  codeBits: 4096,
  /** Edge-length cells: codeLengthBins of codeLengthBinPx each (longer edges are not coded). */
  codeLengthBins: 32,
  codeLengthBinPx: 8,
  /** Cells of each of the two relative angles. */
  codeAngleBins: 16,

  /**
   * Candidates the binary-code stage hands to the full matcher (single finger). Re-ranking a non-mate
   * costs ~0.1 ms; on 100k synthetic minutiae sets rank-1 went 77.5% / 85% / 87.5% / 92.5% with
   * 200 / 500 / 1,000 / 2,000 candidates (generator fingers: 100% from 200 on).
   */
  fingerCandidates: 1000,
  /**
   * Latent probes carry few minutiae and a partial code, so the code stage ranks them less sharply:
   * the full matcher sees more candidates.
   */
  latentCandidates: 2000,
  /** Candidate list lengths returned by default (the issue asks for 20-50 for latents). */
  fingerLimit: 20,
  latentLimit: 50,
  /** Tenprint: per-finger candidates kept before fusion, and subjects completed exactly after it. */
  tenprintPerFingerLimit: 100,
  tenprintCompletedSubjects: 50,
} as const;
