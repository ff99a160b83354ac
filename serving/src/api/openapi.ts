import * as s from '@recsys/core/api/schemas';
import { z } from 'zod';

interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  description: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: z.ZodObject;
  ok: { status: number; schema?: z.ZodType; contentType?: string };
  errors: number[];
  /** Needs `Authorization: Bearer <API key>` (writes). */
  keyed?: boolean;
  /** A request a person can copy: a JSON body, or the path with its query. */
  example?: { body?: unknown; path?: string };
}

const COMMON_ERRORS = [400, 413, 415, 503];

/** Every endpoint, in the order the docs page lists them. */
export const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/recommend',
    summary: 'Top-K movies for a user',
    description:
      'A user the model was fit with gets a personalised list; a new user who posted interactions is folded in online from their likes; anyone else gets popular movies with is_fallback true and the reason.',
    body: s.recommendRequest,
    example: { body: { user_id: 42, k: 5, genres: ['Comedy'], year_min: 1990 } },
    ok: { status: 200, schema: s.recommendResponse },
    errors: COMMON_ERRORS,
  },
  {
    method: 'post',
    path: '/similar',
    summary: 'Movies similar to one or more seed movies',
    description: 'A seed the model has not seen is a 404 that names it and explains why.',
    body: s.similarRequest,
    example: { body: { movie_ids: [50, 172], k: 5 } },
    ok: { status: 200, schema: s.similarResponse },
    errors: [...COMMON_ERRORS, 404],
  },
  {
    method: 'post',
    path: '/interactions',
    summary: 'Record ratings (one or a batch)',
    description:
      'Needs an API key (Authorization: Bearer <key>). Stored in the event log (the next retraining batch) and used for fold-in at once. Movies the model has not seen are kept and listed as learnable at the next retrain. Timestamps must lie between the first interaction of the data and now + 5 min; a batch over the per-key or per-user rate is refused whole with 429 and Retry-After.',
    body: s.interactionsRequest,
    keyed: true,
    example: {
      body: [
        { user_id: 100_001, movie_id: 50, rating: 5 },
        { user_id: 100_001, movie_id: 172, rating: 4.5 },
      ],
    },
    ok: { status: 201, schema: s.interactionsResponse },
    errors: [...COMMON_ERRORS, 401, 429],
  },
  {
    method: 'get',
    path: '/popular',
    summary: 'Most popular movies, optionally of one genre',
    description: 'window=all ranks by all-time positives in the fit data; trending by the most recent ones.',
    query: s.popularQuery,
    example: { path: '/popular?genre=Horror&window=trending&limit=5' },
    ok: { status: 200, schema: s.popularResponse },
    errors: [400, 503],
  },
  {
    method: 'get',
    path: '/movies',
    summary: 'Search movies by title',
    description: 'Case-insensitive substring match, most popular first.',
    query: s.moviesQuery,
    example: { path: '/movies?q=star%20wars' },
    ok: { status: 200, schema: s.moviesResponse },
    errors: [400, 503],
  },
  {
    method: 'get',
    path: '/movies/{id}',
    summary: 'One movie',
    description: 'in_model tells whether the model can rank the movie yet.',
    params: s.movieParams,
    example: { path: '/movies/50' },
    ok: { status: 200, schema: s.movieResponse },
    errors: [400, 404, 503],
  },
  {
    method: 'get',
    path: '/genres',
    summary: 'Genre names the filters accept',
    description: 'Any other name in a genre filter is a 400.',
    ok: { status: 200, schema: s.genresResponse },
    errors: [503],
  },
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness, and the model being served',
    description: 'Always 200 while the process runs; ready tells whether a verified bundle is loaded.',
    ok: { status: 200, schema: s.healthResponse },
    errors: [],
  },
  {
    method: 'get',
    path: '/ready',
    summary: 'Readiness',
    description: '200 once a bundle is verified and loaded, 503 before.',
    ok: { status: 200, schema: s.healthResponse },
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    description: 'Request durations by route, recommendations by endpoint and fallback, the model, dropped log rows.',
    ok: { status: 200, contentType: 'text/plain' },
    errors: [],
  },
];

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: malformed JSON, wrong types, unknown fields, out-of-range values, unknown genres',
  401: 'No API key, an invalid one, or none configured on the server (writes disabled)',
  429: 'Over the per-key or per-user rate; Retry-After says when to retry',
  404: 'The movie or endpoint does not exist for this model',
  413: 'The body exceeds the size limit',
  415: 'The body is not application/json',
  503: 'No model is loaded yet, or the event log cannot be written',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function parameters(shape: z.ZodObject | undefined, where: 'query' | 'path') {
  if (!shape) return [];
  return Object.entries(shape.shape).map(([name, field]) => {
    const schema = jsonSchema(field as z.ZodType, 'input');
    const description = schema.description;
    delete schema.description;
    return {
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema,
    };
  });
}

/** The OpenAPI 3.1 document, generated from the same zod schemas the server validates with. */
export function openApiDocument(info: { version: string } = { version: '0.1.0' }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = {
      [op.ok.status]: {
        description: op.summary,
        content: op.ok.schema
          ? { 'application/json': { schema: jsonSchema(op.ok.schema, 'output') } }
          : { [op.ok.contentType ?? 'text/plain']: { schema: { type: 'string' } } },
      },
    };
    for (const status of op.errors) {
      responses[status] = {
        description: ERROR_TEXT[status],
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      summary: op.summary,
      description: op.description,
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      parameters: [...parameters(op.query, 'query'), ...parameters(op.params, 'path')],
      ...(op.keyed ? { security: [{ apiKey: [] }] } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'recsys serving API',
      version: info.version,
      description:
        'Movie recommendations from the Production model. Every response names the model version; every error is {error: {code, message, request_id, details?}}.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Error: jsonSchema(s.errorResponse, 'output') },
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key of the server' } },
    },
  };
}
