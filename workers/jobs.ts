import type { Modality } from '../store/samples.js';
import type { SubjectCategory } from '../store/subjects.js';

/**
 * The job kinds and their payloads: the contract between the API (which queues) and the workers
 * (which run). One BullMQ queue per kind, so that a slow import never delays a search.
 */
export const JOB_KINDS = ['enrol', 'search', 'import', 'dvi'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** Who asked: carried into the job so that the worker's audit rows and filters act for the caller. */
export interface JobActor {
  agencyId: string;
  keyId: string | null;
  requestId?: string;
}

export interface EnrolJob {
  actor: JobActor;
  sampleId: string;
}

export interface DnaSearchRequest {
  modality: 'dna';
  profile: { loci: Record<string, string[]> };
  stringency: 'high' | 'moderate' | 'low';
  minSharedLoci?: number;
  maxMismatches?: number;
  limit?: number;
  categories?: SubjectCategory[];
  agencies?: string[];
  /** Shipped allele-frequency database for the likelihood ratios. */
  frequencies: { database: string; population?: string };
  theta?: number;
  /** Present for a familial search: rank the gallery by kinship index instead of matching. */
  familial?: {
    relationships: Array<'parent-child' | 'full-sibling'>;
    threshold?: number;
    topK?: number;
  };
}

export const DEFAULT_FREQUENCIES = { database: 'fbi-expanded', population: 'Caucasian' } as const;

export interface FaceSearchRequest {
  modality: 'face';
  /** SHA-256 of the probe photo, stored in the store's blobs (a search's probe is evidence too). */
  imageSha256: string;
  /** Candidates per face (investigation mode); default 50. */
  limit?: number;
  /** Identification mode: keep only candidates at or above this similarity ... */
  threshold?: number;
  /** ... or at or below this false match rate (the calibration turns it into a similarity). */
  fmr?: number;
  /** Faces searched in a group photo; default 50. */
  maxFaces?: number;
  categories?: SubjectCategory[];
  agencies?: string[];
}

export interface FingerprintSearchRequest {
  modality: 'fingerprint';
  /** SHA-256 of the probe (an image, a minutiae record or an ANSI/NIST transaction) in the store's blobs. */
  probeSha256: string;
  /** finger: one print of known or unknown position; latent: a partial print, positions unknown; tenprint: every finger of the probe, fused per subject. */
  mode: 'finger' | 'latent' | 'tenprint';
  position?: number;
  ppi?: number;
  limit?: number;
  categories?: SubjectCategory[];
  agencies?: string[];
}

export type SearchRequest = DnaSearchRequest | FaceSearchRequest | FingerprintSearchRequest;

export interface SearchJob {
  actor: JobActor;
  request: SearchRequest;
}

export interface ImportJob {
  actor: JobActor;
  modality: Modality;
  /** SHA-256 of the stored import document (the blob holds the records). */
  contentSha256: string;
  category: SubjectCategory;
  /** Absent: the blob is a JSON array of profiles. Otherwise it is a lab export in this format. */
  textFormat?: 'genemapper' | 'cmf' | 'json' | 'detect';
  /** The uploaded file's name, for the per-row error report. */
  fileName?: string;
}

export interface DviSolveJob {
  actor: JobActor;
  caseId: string;
  options: DviSolveSettings;
}

/** The solve options a caller may set (the engine's SolveOptions without callbacks). */
export interface DviSolveSettings {
  threshold?: number;
  ignoreSex?: boolean;
  limit?: number;
  maxAssignments?: number;
}

export interface JobPayloads {
  enrol: EnrolJob;
  search: SearchJob;
  import: ImportJob;
  dvi: DviSolveJob;
}

/** Job ids carry their kind, so `GET /v1/jobs/:id` knows which queue to ask. */
export function jobKindOf(jobId: string): JobKind | null {
  const kind = jobId.split('-', 1)[0];
  return (JOB_KINDS as readonly string[]).includes(kind) ? (kind as JobKind) : null;
}
