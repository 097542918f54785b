import { Type } from 'typebox';

import type { ServiceContext } from '../../service/context.js';
import { queryAudit, verifyAuditChain } from '../../store/audit.js';
import { problemResponses } from '../schemas.js';
import { auditRequest, type IdmApp } from '../types.js';

const AuditQuerySchema = Type.Object({
  action: Type.Optional(Type.String({ maxLength: 100 })),
  agencyId: Type.Optional(Type.String({ maxLength: 64 })),
  resourceType: Type.Optional(Type.String({ maxLength: 50 })),
  resourceId: Type.Optional(Type.String({ maxLength: 100 })),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  afterSeq: Type.Optional(Type.Integer({ minimum: 0, description: 'paging cursor: the last seq of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export function registerAuditRoutes(app: IdmApp, ctx: ServiceContext) {
  app.get(
    '/v1/audit',
    {
      config: { scope: 'audit' },
      schema: {
        tags: ['audit'],
        summary: 'Audit rows, filtered and paged by sequence number',
        querystring: AuditQuerySchema,
        response: {
          200: Type.Object({ items: Type.Array(Type.Unknown()), nextAfterSeq: Type.Union([Type.Integer(), Type.Null()]) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const items = await queryAudit(ctx.db, { ...request.query, limit });
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, {
          action: 'audit.view',
          resourceType: 'audit',
          outcome: 'success',
          details: { filters: request.query, rows: items.length },
        }),
      );
      return { items, nextAfterSeq: items.length === limit ? items[items.length - 1].seq : null };
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      config: { scope: 'audit' },
      schema: {
        tags: ['audit'],
        summary: 'Walk the hash chain and report the first broken link',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            checked: Type.Integer(),
            lastSeq: Type.Integer(),
            firstBroken: Type.Optional(Type.Object({ seq: Type.Integer(), reason: Type.String() })),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const result = await verifyAuditChain(ctx.db);
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, {
          action: 'audit.verify',
          resourceType: 'audit',
          outcome: result.ok ? 'success' : 'failure',
          details: { ...result },
        }),
      );
      return result;
    },
  );
}
