import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';

import { linkedSubjectIds, parseDviCaseJson, toDviCaseJson } from '../../engine/dvi/caseJson.js';
import { parseFamiliasFile } from '../../engine/dvi/familias.js';
import { buildIdentificationReport, renderReportHtml } from '../../engine/dvi/report.js';
import type { DviSolution } from '../../engine/dvi/solve.js';
import type { SubjectLinks } from '../../engine/dvi/types.js';
import { type Actor, availableTransitions, type IdentificationStatus, transition } from '../../engine/dvi/workflow.js';
import { IdmError } from '../../engine/errors.js';
import type { ServiceContext } from '../../service/context.js';
import {
  getDviCase,
  getIdentification,
  insertDviCase,
  listIdentifications,
  putIdentification,
  type StoredCase,
  updateCaseDocument,
} from '../../store/dvi-cases.js';
import { getSubjectsByIds } from '../../store/subjects.js';
import { liveTemplatesOfSubjects } from '../../store/templates.js';
import { actorOf } from '../auth.js';
import { waitForJob } from '../job-view.js';
import { JobAcceptedSchema, jobLinks, problemResponses, WaitQuerySchema } from '../schemas.js';
import { auditRequest, type IdmApp, jobActor } from '../types.js';

const CaseParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const STATUSES = ['candidate', 'proposed', 'confirmed', 'released', 'rejected'] as const;

const CreateCaseSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    case: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'a case in the IDMatch JSON case format' })),
    familias: Type.Optional(Type.String({ description: 'the text of a Familias 3 .fam file with a DVI section' })),
  },
  { additionalProperties: false },
);

const ItemsSchema = Type.Object(
  {
    pm: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 10_000 })),
    am: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 10_000 })),
    scores: Type.Optional(
      Type.Array(
        Type.Object({ modality: Type.String(), victim: Type.String(), missing: Type.String(), score: Type.Number() }),
        { maxItems: 1_000_000 },
      ),
    ),
  },
  { additionalProperties: false },
);

const SubjectLinkSchema = Type.Object(
  {
    side: Type.Union([Type.Literal('pm'), Type.Literal('am')], { description: 'pm: a victim of the case; am: a missing person' }),
    person: Type.String({ minLength: 1, maxLength: 200, description: 'the victim or missing-person id in the case' }),
    subjectId: Type.String({ minLength: 1, maxLength: 100, description: 'an enrolled subject holding fingerprints or face photos' }),
  },
  { additionalProperties: false },
);

const SubjectLinksBody = Type.Object(
  {
    link: Type.Optional(Type.Array(SubjectLinkSchema, { maxItems: 10_000 })),
    unlink: Type.Optional(Type.Array(SubjectLinkSchema, { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);

type SubjectLink = Static<typeof SubjectLinkSchema>;

/** The case's links with some added and some removed (removing an absent link is not an error). */
function changedLinks(current: SubjectLinks | undefined, link: SubjectLink[], unlink: SubjectLink[]): SubjectLinks {
  const next: SubjectLinks = { pm: { ...current?.pm }, am: { ...current?.am } };
  for (const l of link) next[l.side][l.person] = [...new Set([...(next[l.side][l.person] ?? []), l.subjectId])];
  for (const l of unlink) {
    const kept = (next[l.side][l.person] ?? []).filter((id) => id !== l.subjectId);
    if (kept.length > 0) next[l.side][l.person] = kept;
    else delete next[l.side][l.person];
  }
  return next;
}

/** The case document from either input format, normalised to our JSON case format. */
function caseDocument(body: { case?: Record<string, unknown>; familias?: string }, name: string) {
  if ((body.case === undefined) === (body.familias === undefined)) {
    throw new IdmError('IDM_VALIDATION', 'send exactly one of "case" (JSON case) or "familias" (.fam text)');
  }
  if (body.case) return toDviCaseJson(parseDviCaseJson(body.case, name));
  const imported = parseFamiliasFile(body.familias ?? '', `${name}.fam`);
  if (imported.kind !== 'dvi') {
    throw new IdmError('IDM_BAD_CASE', 'the Familias file has no DVI section (it is a kinship case)');
  }
  return toDviCaseJson(imported.dvi);
}

function workflowActor(request: FastifyRequest): Actor {
  const actor = actorOf(request);
  const scopes: string[] = actor.scopes.includes('admin') ? [...actor.scopes, 'dvi:confirm'] : actor.scopes;
  return { id: `${actor.agencyId}/${actor.keyId}`, scopes };
}

export function registerDviRoutes(app: IdmApp, ctx: ServiceContext) {
  async function ownedCase(request: FastifyRequest, id: string): Promise<StoredCase> {
    const actor = actorOf(request);
    const stored = await getDviCase(ctx.db, id);
    if (!stored || (stored.agencyId !== actor.agencyId && !actor.scopes.includes('admin'))) {
      throw new IdmError('IDM_NOT_FOUND', `no DVI case ${id}`);
    }
    return stored;
  }

  /**
   * Validates a changed case as it would be solved, stores it in normal form (which drops its old
   * solution) and audits the change, in one transaction.
   */
  async function saveCaseChange(
    request: FastifyRequest,
    stored: StoredCase,
    document: Record<string, unknown>,
    action: string,
    details: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const normalised = toDviCaseJson(parseDviCaseJson(document, stored.id));
    await ctx.db.transaction(async (tx) => {
      await updateCaseDocument(tx, stored.id, normalised);
      await auditRequest(tx, request, { action, resourceType: 'case', resourceId: stored.id, outcome: 'success', details });
    });
    return normalised;
  }

  function solvedCase(stored: StoredCase): DviSolution {
    if (!stored.solution) throw new IdmError('IDM_CONFLICT', `case ${stored.id} has not been solved since it last changed`);
    return stored.solution as unknown as DviSolution;
  }

  app.post(
    '/v1/dvi/cases',
    {
      config: { scope: 'dvi' },
      schema: {
        tags: ['dvi'],
        summary: 'Create a DVI case from our JSON case format or a Familias .fam file',
        body: CreateCaseSchema,
        response: { 201: Type.Unknown(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const document = caseDocument(request.body, request.body.name);
      const stored = await ctx.db.transaction(async (tx) => {
        const created = await insertDviCase(tx, actor.agencyId, request.body.name, document);
        await auditRequest(tx, request, {
          action: 'dvi.case.create',
          resourceType: 'case',
          resourceId: created.id,
          outcome: 'success',
          details: { name: created.name, victims: (document.pm as unknown[]).length, families: (document.am as unknown[]).length },
        });
        return created;
      });
      return reply.code(201).send({
        id: stored.id,
        name: stored.name,
        status: stored.status,
        victims: (document.pm as unknown[]).length,
        families: (document.am as unknown[]).length,
      });
    },
  );

  app.get(
    '/v1/dvi/cases/:id',
    {
      config: { scope: 'dvi' },
      schema: { tags: ['dvi'], summary: 'A case: its items, solution summary and identifications', params: CaseParams, response: { 200: Type.Unknown(), ...problemResponses } },
    },
    async (request) => {
      const stored = await ownedCase(request, request.params.id);
      const identifications = await listIdentifications(ctx.db, stored.id);
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, { action: 'dvi.case.view', resourceType: 'case', resourceId: stored.id, outcome: 'success' }),
      );
      const solution = stored.solution as unknown as DviSolution | null;
      return {
        id: stored.id,
        name: stored.name,
        status: stored.status,
        createdAt: stored.createdAt,
        solvedAt: stored.solvedAt,
        case: stored.document,
        solution: solution && {
          identifications: solution.identifications,
          undisputed: solution.undisputed,
          assignmentsTotal: solution.assignmentsTotal,
          assumptions: solution.assumptions,
        },
        identifications,
      };
    },
  );

  app.post(
    '/v1/dvi/cases/:id/items',
    {
      config: { scope: 'dvi' },
      schema: {
        tags: ['dvi'],
        summary: 'Add PM items (victims), AM items (reference families) or modality scores to a case',
        params: CaseParams,
        body: ItemsSchema,
        response: { 200: Type.Unknown(), ...problemResponses },
      },
    },
    async (request) => {
      const stored = await ownedCase(request, request.params.id);
      const document = { ...stored.document } as Record<string, unknown[]>;
      for (const key of ['pm', 'am', 'scores'] as const) {
        const added = request.body[key];
        if (added) document[key] = [...((document[key] as unknown[]) ?? []), ...added];
      }
      const normalised = await saveCaseChange(request, stored, document, 'dvi.case.items', {
        pm: request.body.pm?.length ?? 0,
        am: request.body.am?.length ?? 0,
        scores: request.body.scores?.length ?? 0,
      });
      return { id: stored.id, status: 'open', victims: (normalised.pm as unknown[]).length, families: (normalised.am as unknown[]).length };
    },
  );

  app.post(
    '/v1/dvi/cases/:id/subjects',
    {
      config: { scope: 'dvi' },
      schema: {
        tags: ['dvi'],
        summary: 'Link enrolled subjects (their fingerprints and face photos) to victims and missing persons of a case',
        description:
          'At solve time the fingerprint and face templates of linked subjects are compared, PM against AM, and their ' +
          'calibrated likelihood ratios combined with the DNA LR. A subject restricted to another agency cannot be linked.',
        params: CaseParams,
        body: SubjectLinksBody,
        response: { 200: Type.Unknown(), ...problemResponses },
      },
    },
    async (request) => {
      const stored = await ownedCase(request, request.params.id);
      const actor = actorOf(request);
      const link = request.body.link ?? [];
      const unlink = request.body.unlink ?? [];
      const subjects = await getSubjectsByIds(ctx.db, [...new Set(link.map((l) => l.subjectId))]);
      for (const { subjectId } of link) {
        const subject = subjects.get(subjectId);
        const visible = subject && (subject.agencyId === actor.agencyId || subject.restriction === 'none' || actor.scopes.includes('admin'));
        if (!visible) throw new IdmError('IDM_NOT_FOUND', `no subject ${subjectId}`);
      }
      const links = changedLinks(stored.document.subjects as SubjectLinks | undefined, link, unlink);
      // Unknown victims or missing persons are refused by the case's own validation.
      await saveCaseChange(request, stored, { ...stored.document, subjects: links }, 'dvi.case.subjects', { link, unlink });
      const templates = await liveTemplatesOfSubjects(ctx.db, linkedSubjectIds(links), ['fingerprint', 'face']);
      const count = (id: string, modality: string) => templates.filter((t) => t.subjectId === id && t.modality === modality).length;
      const describe = (side: Record<string, string[]>) =>
        Object.fromEntries(
          Object.entries(side).map(([person, ids]) => [
            person,
            ids.map((subjectId) => ({ subjectId, fingerprints: count(subjectId, 'fingerprint'), faces: count(subjectId, 'face') })),
          ]),
        );
      return { id: stored.id, status: 'open', subjects: { pm: describe(links.pm), am: describe(links.am) } };
    },
  );

  app.post(
    '/v1/dvi/cases/:id/solve',
    {
      config: { scope: 'dvi' },
      schema: {
        tags: ['dvi'],
        summary: 'Solve the case (pairwise LRs, undisputed and joint identification) as a job with progress',
        params: CaseParams,
        querystring: WaitQuerySchema,
        body: Type.Optional(
          Type.Object(
            {
              threshold: Type.Optional(Type.Number({ exclusiveMinimum: 1 })),
              ignoreSex: Type.Optional(Type.Boolean()),
              limit: Type.Optional(Type.Number({ minimum: 0 })),
              maxAssignments: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 200: Type.Unknown(), 202: JobAcceptedSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const stored = await ownedCase(request, request.params.id);
      const jobId = ctx.newJobId('dvi');
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, { action: 'dvi.solve.request', resourceType: 'case', resourceId: stored.id, outcome: 'queued', details: { jobId } }),
      );
      await ctx.enqueue('dvi', { actor: jobActor(request), caseId: stored.id, options: request.body ?? {} }, { attempts: 2 }, jobId);
      const job = await ctx.queues.dvi.getJob(jobId);
      const finished = job ? await waitForJob(ctx, job, request.query.wait ?? 0) : null;
      if (finished) return reply.code(200).send({ jobId, state: finished.state, result: finished.result });
      return reply.code(202).send({ jobId, state: 'waiting', links: jobLinks(jobId) });
    },
  );

  app.get(
    '/v1/dvi/cases/:id/candidates',
    {
      config: { scope: 'dvi' },
      schema: {
        tags: ['dvi'],
        summary: 'Candidate missing persons per victim, by combined LR, with posterior pairing probabilities',
        params: CaseParams,
        querystring: Type.Object({ victim: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Unknown(), ...problemResponses },
      },
    },
    async (request) => {
      const stored = await ownedCase(request, request.params.id);
      const solution = solvedCase(stored);
      const posterior = new Map(solution.posteriors.map((p) => [`${p.victim}\u0000${p.missing}`, p.probability]));
      const victims = request.query.victim ? [request.query.victim] : solution.victims.map((v) => v.id);
      const limit = request.query.limit ?? 10;
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, { action: 'dvi.candidates.view', resourceType: 'case', resourceId: stored.id, outcome: 'success', details: { victims } }),
      );
      return {
        caseId: stored.id,
        victims: victims.map((victim) => ({
          victim,
          candidates: solution.pairwise
            .filter((p) => p.victim === victim && p.excluded === null)
            .sort((a, b) => (b.combinedLog10LR ?? -Infinity) - (a.combinedLog10LR ?? -Infinity))
            .slice(0, limit)
            .map((p) => ({ ...p, posterior: posterior.get(`${victim}\u0000${p.missing}`) ?? null })),
        })),
      };
    },
  );

  app.post(
    '/v1/dvi/cases/:id/identifications/transition',
    {
      config: { scope: 'dvi' },
      schema: {
        tags: ['dvi'],
        summary: 'Move an identification through candidate → proposed → confirmed (dvi:confirm) → released',
        params: CaseParams,
        body: Type.Object(
          {
            victim: Type.String(),
            missing: Type.String(),
            to: Type.Union(STATUSES.map((s) => Type.Literal(s))),
            reason: Type.String({ minLength: 1, maxLength: 2000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Unknown(), ...problemResponses },
      },
    },
    async (request) => {
      const stored = await ownedCase(request, request.params.id);
      const { victim, missing, to, reason } = request.body;
      const current = await getIdentification(ctx.db, stored.id, victim, missing);
      if (!current) throw new IdmError('IDM_NOT_FOUND', `no identification ${victim} = ${missing} in case ${stored.id}`);
      const actor = workflowActor(request);
      const next = transition(current, to as IdentificationStatus, actor, reason);
      await ctx.db.transaction(async (tx) => {
        await putIdentification(tx, next);
        await auditRequest(tx, request, {
          action: 'dvi.identification.transition',
          resourceType: 'case',
          resourceId: stored.id,
          outcome: 'success',
          details: { victim, missing, from: current.status, to, reason, by: actor.id },
        });
      });
      return { ...next, available: availableTransitions(next, actor) };
    },
  );

  app.get(
    '/v1/dvi/cases/:id/reports/:victim',
    {
      config: { scope: 'dvi' },
      schema: {
        tags: ['dvi'],
        summary: 'Identification report of a victim: evidence per modality, LRs, assumptions, status, sign-off (JSON or HTML)',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), victim: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('html')])) }),
        response: { 200: Type.Unknown(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const stored = await ownedCase(request, request.params.id);
      const solution = solvedCase(stored);
      const identification = solution.identifications.find((i) => i.victim === request.params.victim);
      const record = identification
        ? ((await getIdentification(ctx.db, stored.id, identification.victim, identification.missing)) ?? undefined)
        : undefined;
      const report = buildIdentificationReport(solution, request.params.victim, record);
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, {
          action: 'dvi.report.export',
          resourceType: 'case',
          resourceId: stored.id,
          outcome: 'success',
          details: { victim: request.params.victim, format: request.query.format ?? 'json' },
        }),
      );
      if (request.query.format === 'html') return reply.type('text/html; charset=utf-8').send(renderReportHtml(report));
      return reply.send(report);
    },
  );
}
