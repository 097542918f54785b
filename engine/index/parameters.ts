/**
 * Every tuning constant of the gallery index in one place, with the measurement behind it
 * (bench/results/index.md; `idmatch bench index` reproduces them).
 */
import type { StoreEncoding } from '../../native/faiss.js';

export interface IndexParameters {
  /**
   * Up to this many vectors a gallery answers every search with the exact scan: the int8 scan reads
   * about 0.5 KB per 512-d vector, so 200k vectors cost a few milliseconds on two cores; above it an
   * approximate index (plus exact re-rank) keeps the single-query p50 near 1-2 ms.
   */
  exactMaxVectors: number;
  /**
   * Scan encoding of the exact tier. int8 reads a quarter of the fp32 bytes and, after the exact fp32
   * re-rank of the best 2k + 32, returned the exact top 50 on every benchmark probe (recall 1.0 at
   * 100k x 512); fp16 halves the bytes with the same result.
   */
  scanEncoding: StoreEncoding;
  /**
   * The approximate tier: 'ivf-i8' (our inverted file over int8 codes, scanned by the AVX2/VNNI
   * kernels) or a FAISS index-factory string. Debian's FAISS computes every vector distance with
   * scalar code, so at 100k x 512 its IVF1024,SQ8 needed 1.4 ms per query where ivf-i8 needs 0.3 ms
   * at the same recall@10 (0.987), and its HNSW32 reached only 0.97 at 2.7 ms.
   */
  approximateIndex: string;
  /**
   * Fraction of the IVF lists probed per query (ivf-i8 and FAISS IVF). On clustered 512-d embeddings
   * 1/32 of the lists gave recall@10 0.96 and 1/16 about 0.98 after re-rank (bench/results/index.md).
   */
  probeFraction: number;
  /** HNSW efSearch, for a FAISS HNSW approximate tier. */
  efSearch: number;
  /** Candidates taken from the approximate index per search before the exact re-rank (at least 2k + 32). */
  approximateCandidates: number;
  /** Rebuild an HNSW approximate index once this fraction of its entries has been deleted (it cannot delete). */
  rebuildDeletedFraction: number;
  /** Changes read from the store per catch-up request. */
  catchUpBatch: number;
}

export const defaultIndexParameters: IndexParameters = {
  exactMaxVectors: 200_000,
  scanEncoding: 'i8',
  approximateIndex: 'ivf-i8',
  probeFraction: 1 / 16,
  efSearch: 256,
  approximateCandidates: 100,
  rebuildDeletedFraction: 0.2,
  catchUpBatch: 10_000,
};

export type GalleryMethod = 'exact' | 'approximate';

/** Which search a gallery of `size` vectors uses, given what the caller asks for. */
export function chooseMethod(
  size: number,
  parameters: IndexParameters,
  needs: { exact?: boolean } = {},
): GalleryMethod {
  if (needs.exact) return 'exact';
  return size > parameters.exactMaxVectors ? 'approximate' : 'exact';
}
