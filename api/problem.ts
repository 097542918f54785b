import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

import { IdmError, type ProblemCode, problemCatalogue } from '../engine/errors.js';

/** RFC 9457 problem details, with IDMatch's stable `code` beside the standard members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  instance?: string;
  requestId?: string;
  details?: unknown;
}

export function problemOf(code: ProblemCode, detail: string, details?: unknown): Omit<Problem, 'instance'> {
  const { status, title } = problemCatalogue[code];
  return { type: `urn:idmatch:problem:${code.toLowerCase()}`, title, status, code, detail, details };
}

const UNAVAILABLE_PATTERNS = [
  /ECONNREFUSED/,
  /Connection is closed/,
  /enableOfflineQueue/,
  /Connection terminated/,
  /timeout exceeded when trying to connect/,
  /ETIMEDOUT/,
  /the database system is (starting up|shutting down)/,
];

/** Maps anything thrown inside a request to the problem the caller should see. */
export function toProblem(error: unknown): Omit<Problem, 'instance'> {
  if (error instanceof IdmError) return problemOf(error.code, error.message, error.details);
  const fastifyError = error as FastifyError & { validation?: unknown };
  if (fastifyError.validation) return problemOf('IDM_VALIDATION', fastifyError.message);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
      return problemOf('IDM_BODY_TOO_LARGE', fastifyError.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return problemOf('IDM_UNSUPPORTED_MEDIA', fastifyError.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problemOf('IDM_BAD_JSON', fastifyError.message);
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return problemOf('IDM_BAD_JSON', `body is not valid JSON: ${fastifyError.message}`);
  }
  if (fastifyError.statusCode === 429) return problemOf('IDM_RATE_LIMITED', fastifyError.message);
  const message = error instanceof Error ? error.message : String(error);
  if (UNAVAILABLE_PATTERNS.some((pattern) => pattern.test(message))) {
    return problemOf('IDM_UNAVAILABLE', `a backing service is unavailable: ${message}`);
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return problemOf('IDM_VALIDATION', message);
  }
  return problemOf('IDM_INTERNAL', 'internal error; the request id identifies it in the server log');
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Omit<Problem, 'instance'>) {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ ...problem, instance: request.url, requestId: request.id });
}
