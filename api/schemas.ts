import { Type } from 'typebox';

import { SUBJECT_CATEGORIES } from '../store/subjects.js';

/** Schemas used by more than one route; each route keeps its own request schema beside it. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'stable machine-readable code, e.g. IDM_BAD_ALLELE' }),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const CategorySchema = Type.Union(
  SUBJECT_CATEGORIES.map((c) => Type.Literal(c)),
  { description: 'subject category' },
);

export const LociSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 40 }),
  Type.Union([
    Type.Array(Type.Union([Type.String({ maxLength: 16 }), Type.Number()]), { maxItems: 16 }),
    Type.String({ maxLength: 64 }),
  ]),
  { description: 'locus name -> alleles, e.g. {"D3S1358": ["15","16"], "TH01": ["9.3"]}' },
);

export const DnaProfileSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 200 })),
    loci: LociSchema,
    heights: Type.Optional(Type.Record(Type.String(), Type.Array(Type.Number()))),
  },
  { additionalProperties: false },
);

export const WaitQuerySchema = Type.Object({
  wait: Type.Optional(
    Type.Number({ minimum: 0, maximum: 120, description: 'seconds to wait for the result before answering 202' }),
  ),
});

export const JobAcceptedSchema = Type.Object({
  jobId: Type.String(),
  state: Type.String(),
  links: Type.Object({ job: Type.String(), events: Type.String() }),
});

export function jobLinks(jobId: string) {
  return { job: `/v1/jobs/${jobId}`, events: `/v1/jobs/${jobId}/events` };
}

export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  503: ProblemSchema,
};
