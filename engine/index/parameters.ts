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
   * scalar code: at 1M x 512 its IVF4096,SQ8 needed 39 ms (20 ms of CPU) per query for the recall@10
   * (0.99) that ivf-i8 reaches in 1.7 ms.
   */
  approximateIndex: string;
  /**
   * IVF lists probed per query: probeFactor x sqrt(nlist) (ivf-i8 and FAISS IVF). Measured on
   * clustered 512-d embeddings after the exact re-rank: 64 of 1024 lists gave recall@10 0.991 at 100k,
   * 128 of 4096 gave 0.9905 at 1M with a single-query p50 of 1.7 ms on a loaded machine
   * (bench/results/index.md); half as many probes fell to 0.96-0.97.
   */
  probeFactor: number;
  /**
   * The factor for embeddings of at most `lowDimension` dimensions (face-api's 128-d faces). The same
   * data in 128-d needs twice the probes for the same recall: at 1M x 128, 128 of 4096 lists gave
   * recall@10 0.9525 and 256 gave 0.991 (p50 3.1 ms, loaded machine); at 100k x 128, 64 of 1024 gave
   * 0.9705 and 128 gave 0.993.
   */
  lowDimensionProbeFactor: number;
  lowDimension: number;
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
  probeFactor: 2,
  lowDimensionProbeFactor: 4,
  lowDimension: 256,
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
