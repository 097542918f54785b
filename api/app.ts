import { randomUUID } from 'node:crypto';

import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';

import type { ServiceContext } from '../service/context.js';
import { authHook } from './auth.js';
import { problemOf, sendProblem, toProblem } from './problem.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerDnaStatisticsRoutes } from './routes/dna-statistics.js';
import { registerDviRoutes } from './routes/dvi.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerSampleRoutes } from './routes/samples.js';
import { registerSearchRoutes } from './routes/searches.js';
import { registerSubjectRoutes } from './routes/subjects.js';
import { ProblemSchema } from './schemas.js';
import type { IdmApp } from './types.js';

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Builds the HTTP API over a service context; listening is the caller's choice (tests use inject). */
export async function buildApp(ctx: ServiceContext, options: AppOptions = {}): Promise<IdmApp> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: ctx.config.maxBodyBytes,
    requestIdHeader: 'x-request-id',
    // Honour a caller's request id only when it is a sane token; otherwise mint one.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('actor', null);
  // Bodies are JSON or multipart; a text/plain body is an unsupported media type, not a string.
  app.removeContentTypeParser('text/plain');
  app.addSchema(ProblemSchema);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, problemOf('IDM_NOT_FOUND', `no route ${request.method} ${request.url}`)),
  );

  await app.register(helmet, { global: true });
  await app.register(rateLimit, {
    max: ctx.config.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per key when one is sent (agencies behind one gateway share an IP), else per address.
    keyGenerator: (request) => {
      const header = request.headers.authorization;
      return header ? header.slice(-24) : request.ip;
    },
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  await app.register(multipart, { limits: { fileSize: ctx.config.maxBodyBytes, files: 1, fields: 10 } });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'IDMatch',
        version: '0.1.0',
        description: 'Fingerprint, face and DNA matching with disaster victim identification, audit and access control.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.addHook('onRequest', authHook(ctx.db));

  registerHealthRoutes(app, ctx);
  registerMetricsRoutes(app, ctx);
  registerSubjectRoutes(app, ctx);
  registerSampleRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerDnaStatisticsRoutes(app, ctx);
  registerDviRoutes(app, ctx);
  await registerAdminRoutes(app, ctx);
  return app;
}
