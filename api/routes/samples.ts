import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';

import { parseProfile } from '../../engine/dna/profile.js';
import { IdmError } from '../../engine/errors.js';
import type { ServiceContext } from '../../service/context.js';
import { findIdempotentResponse, saveIdempotentResponse } from '../../store/idempotency.js';
import { getBlob, getSample, insertSample } from '../../store/samples.js';
import { actorOf } from '../auth.js';
import { checkFingerprintUpload } from '../fingerprint-upload.js';
import { base64Image, checkPhoto } from '../image-upload.js';
import { waitForJob } from '../job-view.js';
import { DnaProfileSchema, jobLinks, problemResponses, WaitQuerySchema } from '../schemas.js';
import { auditRequest, type IdmApp, jobActor } from '../types.js';
import { ownedSubject, visibleSubject } from './subjects.js';

const CaptureSchema = Type.Optional(Type.Record(Type.String(), Type.Unknown()));

const SampleBodySchema = Type.Union([
  Type.Object(
    { modality: Type.Literal('dna'), profile: DnaProfileSchema, capture: CaptureSchema },
    { additionalProperties: false },
  ),
  Type.Object(
    { modality: Type.Literal('face'), image: Type.String({ description: 'base64 photo (JPEG, PNG, TIFF, WebP)' }), capture: CaptureSchema },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      modality: Type.Literal('fingerprint'),
      data: Type.String({
        description: 'base64 fingerprint image (PNG, JPEG, TIFF, BMP, WSQ), ISO 19794-2 / ANSI 378 record, or ANSI/NIST-ITL transaction (all its fingers)',
      }),
      position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'finger position of a single image' })),
      ppi: Type.Optional(Type.Number({ minimum: 100, maximum: 2000, description: 'resolution of an image that carries none' })),
      latent: Type.Optional(Type.Boolean()),
      capture: CaptureSchema,
    },
    { additionalProperties: false },
  ),
]);

type Modality = 'dna' | 'face' | 'fingerprint';

interface UploadedSample {
  modality: Modality;
  bytes: Uint8Array;
  mediaType: string;
  capture: Record<string, unknown>;
}

/** Reads a sample from a JSON body or from a multipart upload (fields: modality, capture, file). */
async function readSample(request: FastifyRequest): Promise<UploadedSample> {
  if (!request.isMultipart()) {
    const body = request.body as {
      modality: Modality;
      profile?: unknown;
      image?: string;
      data?: string;
      position?: number;
      ppi?: number;
      latent?: boolean;
      capture?: Record<string, unknown>;
    };
    if (body.modality === 'fingerprint') {
      const bytes = base64Image(body.data ?? '', 'data');
      const capture = { ...body.capture, position: body.position, ppi: body.ppi, latent: body.latent };
      return { modality: 'fingerprint', bytes, mediaType: checkFingerprintUpload(bytes), capture };
    }
    if (body.modality === 'face') {
      const bytes = base64Image(body.image ?? '', 'image');
      return { modality: 'face', bytes, mediaType: await checkPhoto(bytes), capture: body.capture ?? {} };
    }
    return {
      modality: body.modality,
      bytes: new TextEncoder().encode(JSON.stringify(body.profile)),
      mediaType: 'application/json',
      capture: body.capture ?? {},
    };
  }
  let modality: string | undefined;
  let capture: Record<string, unknown> = {};
  let file: { bytes: Uint8Array; mediaType: string; filename: string } | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (file) throw new IdmError('IDM_VALIDATION', 'send exactly one file per sample');
      file = { bytes: new Uint8Array(await part.toBuffer()), mediaType: part.mimetype, filename: part.filename };
    } else if (part.fieldname === 'modality') {
      modality = String(part.value);
    } else if (part.fieldname === 'capture') {
      try {
        capture = JSON.parse(String(part.value));
      } catch {
        throw new IdmError('IDM_BAD_JSON', 'the "capture" field must be a JSON object');
      }
    }
  }
  if (!file) throw new IdmError('IDM_VALIDATION', 'the multipart upload has no file part');
  if (modality !== 'dna' && modality !== 'face' && modality !== 'fingerprint') {
    throw new IdmError('IDM_VALIDATION', `modality must be 'dna', 'face' or 'fingerprint' (got '${modality ?? ''}')`);
  }
  const mediaType =
    modality === 'face' ? await checkPhoto(file.bytes) : modality === 'fingerprint' ? checkFingerprintUpload(file.bytes) : 'application/json';
  return { modality, bytes: file.bytes, mediaType, capture: { ...capture, filename: file.filename } };
}

/** Rejects a sample the engine cannot use before anything is stored. */
function validateSample(sample: UploadedSample): void {
  if (sample.modality !== 'dna') return; // images and records were checked when they were read
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder().decode(sample.bytes));
  } catch {
    throw new IdmError('IDM_BAD_JSON', 'a DNA sample must be a JSON profile document');
  }
  parseProfile(document);
}

export function registerSampleRoutes(app: IdmApp, ctx: ServiceContext) {
  app.post(
    '/v1/subjects/:id/samples',
    {
      config: { scope: 'enrol' },
      schema: {
        tags: ['samples'],
        summary: 'Add a sample to a subject and enrol it (JSON or multipart); Idempotency-Key makes retries safe',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        querystring: WaitQuerySchema,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
        // JSON bodies are validated by schema; multipart uploads are read and validated in the handler.
        body: {
          content: {
            'application/json': { schema: SampleBodySchema },
            'multipart/form-data': { schema: Type.Unknown() },
          },
        } as unknown as typeof SampleBodySchema,
        response: {
          201: Type.Object({ sampleId: Type.String(), jobId: Type.String(), state: Type.String(), result: Type.Unknown() }),
          202: Type.Object({ sampleId: Type.String(), jobId: Type.String(), state: Type.String(), links: Type.Unknown() }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const idempotencyKey = request.headers['idempotency-key'];
      if (idempotencyKey) {
        const earlier = await findIdempotentResponse(ctx.db, actor.agencyId, idempotencyKey);
        if (earlier) {
          const { jobId } = earlier.response as { jobId: string };
          // The earlier request may have stored its sample but lost its queue write: re-adding is a no-op otherwise.
          await ctx.enqueue('enrol', { actor: jobActor(request), sampleId: String(earlier.response.sampleId) }, {}, jobId);
          return reply
            .code(earlier.statusCode as 202)
            .header('idempotent-replay', 'true')
            .send(earlier.response as { sampleId: string; jobId: string; state: string; links: unknown });
        }
      }
      const subject = ownedSubject(await visibleSubject(ctx, request.params.id, actor), actor);
      const upload = await readSample(request);
      validateSample(upload);
      const jobId = ctx.newJobId('enrol');
      const sample = await ctx.db.transaction(async (tx) => {
        const stored = await insertSample(tx, { subjectId: subject.id, ...upload });
        const response = { sampleId: stored.id, jobId, state: 'waiting', links: jobLinks(jobId) };
        if (idempotencyKey) {
          await saveIdempotentResponse(tx, actor.agencyId, idempotencyKey, {
            route: request.routeOptions.url ?? '',
            statusCode: 202,
            response,
          });
        }
        await auditRequest(tx, request, {
          action: 'sample.enrol',
          resourceType: 'sample',
          resourceId: stored.id,
          outcome: 'queued',
          details: { subjectId: subject.id, modality: stored.modality, sha256: stored.contentSha256, jobId },
        });
        return stored;
      });
      await ctx.enqueue('enrol', { actor: jobActor(request), sampleId: sample.id }, {}, jobId);
      const job = await ctx.queues.enrol.getJob(jobId);
      const finished = job ? await waitForJob(ctx, job, request.query.wait ?? 0) : null;
      if (finished) return reply.code(201).send({ sampleId: sample.id, jobId, state: finished.state, result: finished.result });
      return reply.code(202).send({ sampleId: sample.id, jobId, state: 'waiting', links: jobLinks(jobId) });
    },
  );

  app.get(
    '/v1/samples/:id/content',
    {
      config: { scope: ['search', 'enrol', 'dvi'] },
      schema: {
        tags: ['samples'],
        summary: 'Export a sample’s raw bytes, verified against their SHA-256 (audited as an export)',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const sample = await getSample(ctx.db, request.params.id);
      if (!sample) throw new IdmError('IDM_NOT_FOUND', `no sample ${request.params.id}`);
      await visibleSubject(ctx, sample.subjectId, actor);
      const bytes = await getBlob(ctx.db, sample.contentSha256);
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, {
          action: 'sample.export',
          resourceType: 'sample',
          resourceId: sample.id,
          outcome: 'success',
          details: { sha256: sample.contentSha256, bytes: bytes.byteLength },
        }),
      );
      return reply.type(sample.mediaType).header('digest', `sha-256=${Buffer.from(sample.contentSha256, 'hex').toString('base64')}`).send(Buffer.from(bytes));
    },
  );
}
