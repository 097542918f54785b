/**
 * The one catalogue of IDMatch problem codes (in the manner of fastify's errors.js).
 *
 * Every failure that reaches a user — an HTTP problem response, a CLI exit, a failed job — carries one
 * of these stable codes. The HTTP status lives here too so that the API and the CLI agree on whether a
 * failure is the caller's fault (4xx) or ours (5xx). Add codes to the section of your modality.
 */
export const problemCatalogue = {
  // --- generic request problems
  IDM_VALIDATION: { status: 400, title: 'Request failed validation' },
  IDM_BAD_JSON: { status: 400, title: 'Body is not valid JSON' },
  IDM_BODY_TOO_LARGE: { status: 413, title: 'Body or upload too large' },
  IDM_UNSUPPORTED_MEDIA: { status: 415, title: 'Unsupported media type' },
  IDM_NOT_FOUND: { status: 404, title: 'Not found' },
  IDM_CONFLICT: { status: 409, title: 'Conflict' },
  IDM_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  // --- auth
  IDM_UNAUTHENTICATED: { status: 401, title: 'Missing or invalid API key' },
  IDM_FORBIDDEN_SCOPE: { status: 403, title: 'API key lacks the scope for this route' },
  IDM_FORBIDDEN_AGENCY: { status: 403, title: 'Record belongs to another agency' },
  // --- service state
  IDM_UNAVAILABLE: { status: 503, title: 'A backing service (Redis or the store) is unavailable' },
  IDM_JOB_FAILED: { status: 500, title: 'The job failed' },
  IDM_JOB_TIMEOUT: { status: 504, title: 'The job did not finish within the wait time' },
  IDM_INTERNAL: { status: 500, title: 'Internal error' },
  IDM_INTEGRITY: { status: 500, title: 'Stored data failed its integrity check' },
  // --- DNA
  IDM_UNKNOWN_LOCUS: { status: 400, title: 'Unknown STR locus' },
  IDM_BAD_ALLELE: { status: 400, title: 'Not a valid allele designation' },
  IDM_BAD_PROFILE: { status: 400, title: 'Malformed STR profile' },
  IDM_BAD_FREQUENCIES: { status: 400, title: 'Malformed or unknown allele-frequency database' },
  IDM_BAD_IMPORT: { status: 400, title: 'Import file is malformed' },
  // --- DVI / pedigrees
  IDM_BAD_PEDIGREE: { status: 400, title: 'Malformed pedigree' },
  IDM_PEDIGREE_LOOP: { status: 400, title: 'Pedigree has a loop this engine does not handle' },
  IDM_BAD_CASE: { status: 400, title: 'Malformed DVI case' },
  IDM_BAD_TRANSITION: { status: 409, title: 'Status transition not allowed' },
  IDM_BAD_MUTATION_MODEL: { status: 400, title: 'Mutation model is invalid for this locus' },
  // --- fingerprint formats and images
  IDM_BAD_IMAGE: { status: 400, title: 'Image cannot be decoded' },
  IDM_IMAGE_TOO_LARGE: { status: 413, title: 'Image dimensions exceed the limit' },
  IDM_WSQ_FORMAT: { status: 400, title: 'Malformed WSQ stream' },
  IDM_WSQ_HUFFMAN: { status: 400, title: 'Bad WSQ Huffman table or code' },
  IDM_NIST_FORMAT: { status: 400, title: 'Malformed ANSI/NIST-ITL transaction' },
  IDM_TEMPLATE_FORMAT: { status: 400, title: 'Malformed minutiae template' },
  IDM_SEGMENTATION: { status: 422, title: 'The fingers of a slap image cannot be separated' },
  // --- face
  IDM_NO_FACE: { status: 422, title: 'No usable face found' },
  IDM_MODEL: { status: 500, title: 'Model cannot be loaded or run' },
  // --- vector index
  IDM_INDEX: { status: 400, title: 'Vector index rejected the operation' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemCatalogue;

/** An error a caller can act on: a stable code, a precise message, optional structured details. */
export class IdmError extends Error {
  readonly code: ProblemCode;
  readonly details: unknown;

  constructor(code: ProblemCode, message: string, details?: unknown) {
    super(message);
    this.name = 'IdmError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return problemCatalogue[this.code].status;
  }
}

export function isIdmError(value: unknown): value is IdmError {
  return value instanceof IdmError;
}
