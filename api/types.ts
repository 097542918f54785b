import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';

import { type AuditEntry, appendAuditIn } from '../store/audit.js';
import type { Queryable } from '../store/database.js';
import type { JobActor } from '../workers/jobs.js';

export type IdmApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** An audit row for this request: who (agency, key), from where (IP) and which request. */
export function auditRequest(
  tx: Queryable,
  request: FastifyRequest,
  entry: Omit<AuditEntry, 'agencyId' | 'keyId' | 'source' | 'requestId'>,
) {
  return appendAuditIn(tx, {
    ...entry,
    agencyId: request.actor?.agencyId ?? null,
    keyId: request.actor?.keyId ?? null,
    source: request.ip,
    requestId: request.id,
  });
}

export function jobActor(request: FastifyRequest): JobActor {
  return { agencyId: request.actor?.agencyId ?? '', keyId: request.actor?.keyId ?? null, requestId: request.id };
}
