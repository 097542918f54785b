/**
 * Fingerprint 1:N identification: public surface.
 *
 * FingerprintGallery holds enrolled fingers in SharedArrayBuffers; snapshot() gives plain data a worker
 * thread can search without copies; searchSnapshot() runs one finger or latent through the binary-code
 * candidate stage and the full matcher; searchTenprint() fuses the fingers of a tenprint per subject.
 * Every constant is in parameters.ts.
 */
export { CODE_WORDS, identificationCode } from './code.js';
export { type FingerMeta, FingerprintGallery, type GallerySnapshot } from './gallery.js';
export { identifyParameters } from './parameters.js';
export { SharedStrings, type SharedStringsSnapshot, sharedStringAt } from './shared-strings.js';
export {
  type Candidate,
  codeCandidates,
  galleryTemplate,
  latentCandidateCount,
  mergeCandidates,
  rerank,
  type SearchMode,
  type SearchOptions,
  searchPrepared,
  searchSnapshot,
} from './search.js';
export {
  type FingerEvidence,
  type SubjectCandidate,
  searchTenprint,
  type TenprintOptions,
  type TenprintProbe,
} from './tenprint.js';
