import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';

import { shippedFrequencyTable } from '../../engine/dna/frequencies.js';
import { parseProfile } from '../../engine/dna/profile.js';
import type { ServiceContext } from '../../service/context.js';
import { putBlob } from '../../store/samples.js';
import { DEFAULT_FREQUENCIES, type SearchRequest } from '../../workers/jobs.js';
import { actorOf } from '../auth.js';
import { checkFingerprintUpload } from '../fingerprint-upload.js';
import { base64Image, checkPhoto } from '../image-upload.js';
import { waitForJob } from '../job-view.js';
import { CategorySchema, DnaProfileSchema, JobAcceptedSchema, jobLinks, problemResponses, WaitQuerySchema } from '../schemas.js';
import { auditRequest, type IdmApp, jobActor } from '../types.js';

const DnaSearchSchema = Type.Object(
  {
    modality: Type.Literal('dna'),
    profile: DnaProfileSchema,
    stringency: Type.Optional(
      Type.Union([Type.Literal('high'), Type.Literal('moderate'), Type.Literal('low')], { description: 'default high' }),
    ),
    minSharedLoci: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
    maxMismatches: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    categories: Type.Optional(Type.Array(CategorySchema, { maxItems: 7 })),
    agencies: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
    frequencies: Type.Optional(
      Type.Object(
        { database: Type.String({ maxLength: 64 }), population: Type.Optional(Type.String({ maxLength: 64 })) },
        { description: 'shipped allele-frequency database for the likelihood ratios (default fbi-expanded/Caucasian)' },
      ),
    ),
    theta: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5, description: 'NRC II 4.10 theta (default 0.01)' })),
    familial: Type.Optional(
      Type.Object(
        {
          relationships: Type.Array(Type.Union([Type.Literal('parent-child'), Type.Literal('full-sibling')]), {
            minItems: 1,
            maxItems: 2,
          }),
          threshold: Type.Optional(Type.Number({ minimum: 0, description: 'minimum kinship index kept (default 1)' })),
          topK: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'candidates per relationship (default 50)' })),
        },
        { additionalProperties: false, description: 'rank the gallery by kinship index instead of matching' },
      ),
    ),
  },
  { additionalProperties: false },
);

const FaceSearchSchema = Type.Object(
  {
    modality: Type.Literal('face'),
    image: Type.String({ description: 'base64 probe photo; every face in it is searched' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'candidates per face (default 50)' })),
    threshold: Type.Optional(Type.Number({ minimum: -1, maximum: 1, description: 'identification mode: minimum similarity' })),
    fmr: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'identification mode: maximum false match rate' })),
    maxFaces: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    categories: Type.Optional(Type.Array(CategorySchema, { maxItems: 7 })),
    agencies: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

const FingerprintSearchSchema = Type.Object(
  {
    modality: Type.Literal('fingerprint'),
    data: Type.String({ description: 'base64 probe: image, ISO/ANSI minutiae record, or ANSI/NIST transaction' }),
    mode: Type.Optional(
      Type.Union([Type.Literal('finger'), Type.Literal('latent'), Type.Literal('tenprint')], {
        description: 'finger (default), latent (positions unknown, longer list) or tenprint (every finger, fused per subject)',
      }),
    ),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    ppi: Type.Optional(Type.Number({ minimum: 100, maximum: 2000 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    categories: Type.Optional(Type.Array(CategorySchema, { maxItems: 7 })),
    agencies: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

const ImportSchema = Type.Union([
  Type.Object(
    {
      category: CategorySchema,
      profiles: Type.Array(DnaProfileSchema, { minItems: 1, maxItems: 1_000_000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      category: CategorySchema,
      text: Type.String({ minLength: 1, description: 'a lab export: GeneMapper CSV/TSV, CODIS CMF XML or a JSON document' }),
      format: Type.Optional(
        Type.Union([Type.Literal('genemapper'), Type.Literal('cmf'), Type.Literal('json')], {
          description: 'default: detected from the content',
        }),
      ),
      fileName: Type.Optional(Type.String({ maxLength: 200, description: 'named in the per-row error report' })),
    },
    { additionalProperties: false },
  ),
]);

export function registerSearchRoutes(app: IdmApp, ctx: ServiceContext) {
  /** Queues a search and answers 202, or the result when it finishes within ?wait. */
  async function queueSearch(request: FastifyRequest, reply: FastifyReply, search: SearchRequest, details: Record<string, unknown>) {
    const jobId = ctx.newJobId('search');
    await ctx.enqueue('search', { actor: jobActor(request), request: search }, { attempts: 2 }, jobId);
    await ctx.db.transaction((tx) =>
      auditRequest(tx, request, { action: 'search.request', resourceType: 'job', resourceId: jobId, outcome: 'queued', details }),
    );
    const job = await ctx.queues.search.getJob(jobId);
    const finished = job ? await waitForJob(ctx, job, (request.query as { wait?: number }).wait ?? 0) : null;
    if (finished) return reply.code(200).send({ jobId, state: finished.state, result: finished.result });
    return reply.code(202).send({ jobId, state: 'waiting', links: jobLinks(jobId) });
  }

  async function searchFingerprints(
    body: Static<typeof FingerprintSearchSchema>,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const bytes = base64Image(body.data, 'data');
    checkFingerprintUpload(bytes);
    const probeSha256 = await putBlob(ctx.db, bytes);
    const { data: _data, ...options } = body;
    const mode = body.mode ?? 'finger';
    return queueSearch(request, reply, { ...options, mode, modality: 'fingerprint', probeSha256 }, { modality: 'fingerprint', mode, probe: probeSha256 });
  }

  async function searchFaces(body: Static<typeof FaceSearchSchema>, request: FastifyRequest, reply: FastifyReply) {
    const bytes = base64Image(body.image, 'image');
    await checkPhoto(bytes);
    // The probe is kept, content-addressed, like any sample: a search's probe is part of the record.
    const imageSha256 = await putBlob(ctx.db, bytes);
    const { image: _image, ...options } = body;
    return queueSearch(request, reply, { ...options, modality: 'face', imageSha256 }, { modality: 'face', probe: imageSha256 });
  }

  app.post(
    '/v1/searches',
    {
      config: { scope: 'search' },
      schema: {
        tags: ['searches'],
        summary: 'Search a gallery; answers 202 with a job id, or the result with ?wait=<seconds>',
        querystring: WaitQuerySchema,
        body: Type.Union([DnaSearchSchema, FaceSearchSchema, FingerprintSearchSchema]),
        response: { 200: Type.Unknown(), 202: JobAcceptedSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      actorOf(request);
      if (request.body.modality === 'face') return searchFaces(request.body, request, reply);
      if (request.body.modality === 'fingerprint') return searchFingerprints(request.body, request, reply);
      const body = request.body;
      // Validate the probe here so a bad allele is a 400 now, not a failed job later.
      const profile = parseProfile(body.profile);
      const frequencies = body.frequencies ?? DEFAULT_FREQUENCIES;
      shippedFrequencyTable(frequencies.database, frequencies.population);
      return queueSearch(
        request,
        reply,
        {
          modality: 'dna',
          profile,
          stringency: body.stringency ?? 'high',
          minSharedLoci: body.minSharedLoci,
          maxMismatches: body.maxMismatches,
          limit: body.limit,
          categories: body.categories,
          agencies: body.agencies,
          frequencies,
          theta: body.theta,
          familial: body.familial,
        },
        {
          modality: 'dna',
          mode: body.familial ? 'familial' : 'direct',
          stringency: body.stringency ?? 'high',
          loci: Object.keys(profile.loci).length,
        },
      );
    },
  );

  app.post(
    '/v1/dna/imports',
    {
      config: { scope: 'enrol' },
      bodyLimit: ctx.config.maxBodyBytes,
      schema: {
        tags: ['dna'],
        summary: 'Bulk-enrol DNA profiles as one job with progress (all records validated before any is written)',
        querystring: WaitQuerySchema,
        body: ImportSchema,
        response: { 200: Type.Unknown(), 202: JobAcceptedSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      actorOf(request);
      const body = request.body;
      const contentSha256 = await putBlob(ctx.db, new TextEncoder().encode('text' in body ? body.text : JSON.stringify(body.profiles)));
      const jobId = ctx.newJobId('import');
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, {
          action: 'import.request',
          resourceType: 'job',
          resourceId: jobId,
          outcome: 'queued',
          details: {
            modality: 'dna',
            records: 'profiles' in body ? body.profiles.length : null,
            format: 'text' in body ? (body.format ?? 'detect') : 'profiles',
            sha256: contentSha256,
          },
        }),
      );
      await ctx.enqueue(
        'import',
        {
          actor: jobActor(request),
          modality: 'dna',
          contentSha256,
          category: body.category,
          ...('text' in body ? { textFormat: body.format ?? 'detect', fileName: body.fileName } : {}),
        },
        { attempts: 5 },
        jobId,
      );
      const job = await ctx.queues.import.getJob(jobId);
      const finished = job ? await waitForJob(ctx, job, request.query.wait ?? 0) : null;
      if (finished) return reply.code(200).send({ jobId, state: finished.state, result: finished.result });
      return reply.code(202).send({ jobId, state: 'waiting', links: jobLinks(jobId) });
    },
  );
}
