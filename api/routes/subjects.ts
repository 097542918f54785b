import { Type } from 'typebox';

import { IdmError } from '../../engine/errors.js';
import type { ServiceContext } from '../../service/context.js';
import type { ApiKeyIdentity } from '../../store/api-keys.js';
import { listSamples } from '../../store/samples.js';
import { deleteSubject, getSubject, insertSubject, type Subject } from '../../store/subjects.js';
import { countTemplates } from '../../store/templates.js';
import { actorOf } from '../auth.js';
import { CategorySchema, problemResponses } from '../schemas.js';
import { auditRequest, type IdmApp } from '../types.js';

const SubjectSchema = Type.Object({
  id: Type.String(),
  agencyId: Type.String(),
  externalId: Type.Union([Type.String(), Type.Null()]),
  category: Type.String(),
  restriction: Type.String(),
  retainUntil: Type.Union([Type.String(), Type.Null()]),
  consent: Type.Boolean(),
  createdAt: Type.String(),
});

const CreateSubjectSchema = Type.Object(
  {
    category: CategorySchema,
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    restriction: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('agency')])),
    retainUntil: Type.Optional(Type.String({ format: 'date-time' })),
    consent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** A subject restricted to its agency does not exist for other agencies (admins see everything). */
export async function visibleSubject(ctx: ServiceContext, id: string, actor: ApiKeyIdentity): Promise<Subject> {
  const subject = await getSubject(ctx.db, id);
  const visible =
    subject &&
    (subject.agencyId === actor.agencyId || subject.restriction === 'none' || actor.scopes.includes('admin'));
  if (!subject || !visible) throw new IdmError('IDM_NOT_FOUND', `no subject ${id}`);
  return subject;
}

export function ownedSubject(subject: Subject, actor: ApiKeyIdentity): Subject {
  if (subject.agencyId !== actor.agencyId && !actor.scopes.includes('admin')) {
    throw new IdmError('IDM_FORBIDDEN_AGENCY', `subject ${subject.id} belongs to agency ${subject.agencyId}`);
  }
  return subject;
}

export function registerSubjectRoutes(app: IdmApp, ctx: ServiceContext) {
  app.post(
    '/v1/subjects',
    {
      config: { scope: 'enrol' },
      schema: {
        tags: ['subjects'],
        summary: 'Create a subject owned by the caller’s agency',
        body: CreateSubjectSchema,
        response: { 201: SubjectSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const subject = await ctx.db.transaction(async (tx) => {
        const created = await insertSubject(tx, { ...request.body, agencyId: actor.agencyId });
        await auditRequest(tx, request, {
          action: 'subject.create',
          resourceType: 'subject',
          resourceId: created.id,
          outcome: 'success',
          details: { category: created.category, externalId: created.externalId },
        });
        return created;
      });
      return reply.code(201).send(subject);
    },
  );

  app.get(
    '/v1/subjects/:id',
    {
      config: { scope: ['search', 'enrol', 'dvi'] },
      schema: {
        tags: ['subjects'],
        summary: 'Read a subject with its samples (audited as a view)',
        params: IdParams,
        response: {
          200: Type.Intersect([
            SubjectSchema,
            Type.Object({
              templates: Type.Integer(),
              samples: Type.Array(
                Type.Object({
                  id: Type.String(),
                  modality: Type.String(),
                  contentSha256: Type.String(),
                  mediaType: Type.String(),
                  createdAt: Type.String(),
                }),
              ),
            }),
          ]),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const subject = await visibleSubject(ctx, request.params.id, actorOf(request));
      const [samples, templates] = await Promise.all([
        listSamples(ctx.db, subject.id),
        countTemplates(ctx.db, subject.id),
      ]);
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, { action: 'subject.view', resourceType: 'subject', resourceId: subject.id, outcome: 'success' }),
      );
      return { ...subject, templates, samples };
    },
  );

  app.delete(
    '/v1/subjects/:id',
    {
      config: { scope: 'enrol' },
      schema: {
        tags: ['subjects'],
        summary: 'Delete a subject, its samples and its templates (from the store and every index)',
        params: IdParams,
        response: {
          200: Type.Object({ id: Type.String(), deleted: Type.Boolean(), templates: Type.Integer(), samples: Type.Integer() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const subject = ownedSubject(await visibleSubject(ctx, request.params.id, actor), actor);
      const removed = await ctx.db.transaction(async (tx) => {
        const counts = await deleteSubject(tx, subject.id);
        await auditRequest(tx, request, {
          action: 'subject.delete',
          resourceType: 'subject',
          resourceId: subject.id,
          outcome: 'success',
          details: counts,
        });
        return counts;
      });
      return { id: subject.id, deleted: true, ...removed };
    },
  );
}
