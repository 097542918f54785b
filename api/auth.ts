import type { FastifyReply, FastifyRequest } from 'fastify';

import { IdmError } from '../engine/errors.js';
import { problemOf, sendProblem } from './problem.js';
import { type ApiKeyIdentity, findApiKey, type Scope } from '../store/api-keys.js';
import { appendAudit } from '../store/audit.js';
import type { Database } from '../store/database.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the auth hook on every route that declares a scope. */
    actor: ApiKeyIdentity | null;
  }
  interface FastifyContextConfig {
    /** The scope a key must hold for this route; routes without one are public. */
    scope?: Scope | Scope[];
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Checks the bearer key against the store and the route's scope; denials are audited. It answers the
 * problem itself rather than throwing, because plugins with their own error handler (the queue
 * dashboard) would otherwise turn a denial into a 500.
 */
export function authHook(db: Database) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      await authenticate(db, request);
    } catch (error) {
      if (!(error instanceof IdmError)) throw error;
      return sendProblem(request, reply, problemOf(error.code, error.message));
    }
  };
}

async function authenticate(db: Database, request: FastifyRequest) {
  {
    request.actor = null;
    const required = request.routeOptions.config?.scope;
    if (!required) return;
    const header = request.headers.authorization;
    const deny = async (code: 'IDM_UNAUTHENTICATED' | 'IDM_FORBIDDEN_SCOPE', message: string, agencyId?: string) => {
      await appendAudit(db, {
        agencyId: agencyId ?? null,
        action: 'auth.denied',
        resourceType: 'route',
        resourceId: `${request.method} ${request.routeOptions.url}`,
        outcome: 'denied',
        source: request.ip,
        requestId: request.id,
        details: { code },
      });
      throw new IdmError(code, message);
    };
    const match = header ? BEARER.exec(header) : null;
    if (!match) return deny('IDM_UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>"');
    const identity = await findApiKey(db, match[1]);
    if (!identity) return deny('IDM_UNAUTHENTICATED', 'the API key is unknown or revoked');
    const needed = Array.isArray(required) ? required : [required];
    if (!identity.scopes.includes('admin') && !needed.some((scope) => identity.scopes.includes(scope))) {
      return deny('IDM_FORBIDDEN_SCOPE', `this route needs the scope '${needed.join("' or '")}'`, identity.agencyId);
    }
    request.actor = identity;
  };
}

export function actorOf(request: FastifyRequest): ApiKeyIdentity {
  if (!request.actor) throw new IdmError('IDM_UNAUTHENTICATED', 'this route needs an API key');
  return request.actor;
}
