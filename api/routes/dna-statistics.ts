import { Type } from 'typebox';

import type { MutationModel } from '../../engine/dvi/mutation.js';
import { shippedFrequencyTable } from '../../engine/dna/frequencies.js';
import { parseProfile } from '../../engine/dna/profile.js';
import { kinshipLr, parseRelationship, RELATIONSHIPS, randomMatchProbability } from '../../engine/dna/stats.js';
import type { ServiceContext } from '../../service/context.js';
import { DEFAULT_FREQUENCIES } from '../../workers/jobs.js';
import { actorOf } from '../auth.js';
import { DnaProfileSchema, problemResponses } from '../schemas.js';
import { auditRequest, type IdmApp } from '../types.js';

const FrequenciesSchema = Type.Optional(
  Type.Object({ database: Type.String({ maxLength: 64 }), population: Type.Optional(Type.String({ maxLength: 64 })) }),
);

const MutationSchema = Type.Optional(
  Type.Object(
    {
      model: Type.Union([Type.Literal('equal'), Type.Literal('proportional'), Type.Literal('stepwise'), Type.Literal('onestep')]),
      rate: Type.Number({ minimum: 0, maximum: 1 }),
      range: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    },
    { additionalProperties: false },
  ),
);

function mutationModel(mutation?: { model: string; rate: number; range?: number }): MutationModel | undefined {
  if (!mutation) return undefined;
  if (mutation.model === 'stepwise') return { kind: 'stepwise', rate: mutation.rate, range: mutation.range ?? 0.5 };
  return { kind: mutation.model as 'equal' | 'proportional' | 'onestep', rate: mutation.rate };
}

/**
 * Match statistics answered at once (a few loci of arithmetic): random match probability and the
 * kinship likelihood ratio between two profiles. Both are audited, like every search.
 */
export function registerDnaStatisticsRoutes(app: IdmApp, ctx: ServiceContext) {
  app.post(
    '/v1/dna/rmp',
    {
      config: { scope: ['search', 'dvi'] },
      schema: {
        tags: ['dna'],
        summary: 'Random match probability (NRC II 4.1 / 4.10) and single-source LR of a profile',
        body: Type.Object(
          {
            profile: DnaProfileSchema,
            frequencies: FrequenciesSchema,
            theta: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Unknown(), ...problemResponses },
      },
    },
    async (request) => {
      actorOf(request);
      const frequencies = request.body.frequencies ?? DEFAULT_FREQUENCIES;
      const table = shippedFrequencyTable(frequencies.database, frequencies.population);
      const result = randomMatchProbability(parseProfile(request.body.profile), table, request.body.theta ?? 0.01);
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, {
          action: 'dna.statistics',
          resourceType: 'statistic',
          resourceId: 'rmp',
          outcome: 'success',
          details: { frequencies: table.name, loci: result.loci.length },
        }),
      );
      return result;
    },
  );

  app.post(
    '/v1/dna/kinship',
    {
      config: { scope: ['search', 'dvi'] },
      schema: {
        tags: ['dna'],
        summary: 'Kinship LR of two profiles for a relationship against unrelated (parent-child with mutation)',
        body: Type.Object(
          {
            a: DnaProfileSchema,
            b: DnaProfileSchema,
            relationship: Type.Union(RELATIONSHIPS.map((r) => Type.Literal(r))),
            frequencies: FrequenciesSchema,
            theta: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
            mutation: MutationSchema,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Unknown(), ...problemResponses },
      },
    },
    async (request) => {
      actorOf(request);
      const frequencies = request.body.frequencies ?? DEFAULT_FREQUENCIES;
      const table = shippedFrequencyTable(frequencies.database, frequencies.population);
      const result = kinshipLr(parseProfile(request.body.a), parseProfile(request.body.b), {
        relationship: parseRelationship(request.body.relationship),
        frequencies: table,
        theta: request.body.theta,
        mutation: mutationModel(request.body.mutation),
      });
      await ctx.db.transaction((tx) =>
        auditRequest(tx, request, {
          action: 'dna.statistics',
          resourceType: 'statistic',
          resourceId: 'kinship',
          outcome: 'success',
          details: { frequencies: table.name, relationship: result.relationship, log10Lr: result.log10Lr },
        }),
      );
      return result;
    },
  );
}
