import { z } from 'zod';

/**
 * The REST contract: every request and response body, strict (unknown fields are a 400), snake_case.
 * `/openapi.json` is generated from these, so the docs cannot drift from what the server checks.
 */
export const MAX_K = 100;
export const MAX_SEEDS = 50;
export const MAX_BATCH = 1000;

const movieId = z
  .int()
  .min(1)
  .max(2 ** 31 - 1)
  .describe('MovieLens movie id');
const userId = z
  .int()
  .min(1)
  .max(2 ** 31 - 1)
  .describe('MovieLens user id, or any new positive id');
const k = z.int().min(1).max(MAX_K).default(10).describe(`How many movies to return (1..${MAX_K})`);
const genres = z
  .array(z.string().min(1).max(64))
  .max(32)
  .describe('Keep movies with at least one of these genres (names from GET /genres)');
const year = z.int().min(1000).max(9999);

const itemFilter = {
  genres: genres.optional(),
  year_min: year.optional().describe('Earliest release year, inclusive'),
  year_max: year.optional().describe('Latest release year, inclusive'),
};

const yearOrder = (body: { year_min?: number; year_max?: number }) =>
  body.year_min === undefined || body.year_max === undefined || body.year_min <= body.year_max;
const yearOrderError = { error: 'year_min must not be greater than year_max', path: ['year_min'] };

export const recommendRequest = z
  .strictObject({
    user_id: userId,
    k,
    exclude_seen: z.boolean().default(true).describe('Leave out movies the user already rated'),
    ...itemFilter,
  })
  .refine(yearOrder, yearOrderError);

export const similarRequest = z
  .strictObject({
    movie_ids: z.array(movieId).min(1).max(MAX_SEEDS).describe('Seed movies; results are similar to all of them'),
    k,
    ...itemFilter,
  })
  .refine(yearOrder, yearOrderError);

const epochSeconds = z
  .int()
  .min(0)
  .max(2 ** 42)
  .describe('Unix time in seconds');
export const interaction = z.strictObject({
  user_id: userId,
  movie_id: movieId,
  rating: z.number().min(0.5).max(5).multipleOf(0.5).describe('0.5..5 in half stars; 4 or more counts as liked'),
  timestamp: z
    .union([epochSeconds, z.iso.datetime()])
    .optional()
    .describe('When it happened (Unix seconds or ISO-8601); defaults to the time it was received'),
  event_id: z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, { message: 'expected 1 to 128 printable ASCII characters, no spaces' })
    .optional()
    .describe(
      'Idempotency key, scoped to the API key: an event whose id this key stored before changes nothing (retry with the same ids); another key may use the same id. Defaults to <API key id>:<X-Request-Id>#<index in the batch>',
    ),
});
export type Interaction = z.output<typeof interaction>;
export const interactionsRequest = z.union([interaction, z.array(interaction).min(1).max(MAX_BATCH)]);

/** Query strings carry text: integers are checked as digits, then converted. */
const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^[0-9]{1,6}$/, { error: 'expected a whole number' })
    .transform(Number)
    .pipe(z.int().min(min).max(max))
    .prefault(String(fallback));

export const popularQuery = z.strictObject({
  genre: z.string().min(1).max(64).optional().describe('Only movies of this genre'),
  window: z.enum(['all', 'trending']).default('all').describe('All-time popularity, or the most recent interactions'),
  limit: queryInt(1, MAX_K, 10).describe(`1..${MAX_K}`),
});

export const moviesQuery = z.strictObject({
  q: z.string().max(200).default('').describe('Case-insensitive title substring'),
  genre: z.string().min(1).max(64).optional(),
  limit: queryInt(1, MAX_K, 20).describe(`1..${MAX_K}`),
});

export const movieParams = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9]{1,10}$/, { error: 'expected a positive whole number' })
    .transform(Number)
    .pipe(movieId),
});

// Responses.
export const modelRef = z.strictObject({
  name: z.string(),
  version: z.string(),
  type: z.string(),
});

export const movie = z.strictObject({
  movie_id: z.int(),
  title: z.string().describe('As the dataset spells it, e.g. "Godfather, The (1972)"'),
  display_title: z
    .string()
    .describe('As people read it: leading article first, no year, e.g. "The Godfather" (the year is its own field)'),
  year: z.int().nullable(),
  genres: z.array(z.string()),
});
export const scoredMovie = movie.extend({ score: z.number() });
export const recommendedMovie = scoredMovie.extend({
  because_you_liked: movie
    .nullable()
    .describe(
      "The movie this user liked that the model finds most similar to this one (the model's own item-to-item similarity, as POST /similar ranks); null on the popular fallback or when no liked movie is similar",
    ),
});

export const recommendationSource = z.enum(['personalised', 'fold_in', 'popular']);
export const recommendResponse = z.strictObject({
  request_id: z.string(),
  user_id: z.int(),
  model: modelRef,
  source: recommendationSource.describe(
    'personalised: a user the model was fit with; fold_in: a new user scored from their posted likes; popular: fallback',
  ),
  is_fallback: z.boolean(),
  reason: z.string().nullable().describe('Why the fallback was used; null when personalised'),
  recommendations: z.array(recommendedMovie),
});

export const similarResponse = z.strictObject({
  request_id: z.string(),
  model: modelRef,
  seeds: z.array(movie),
  recommendations: z.array(scoredMovie),
});

export const interactionsResponse = z.strictObject({
  request_id: z.string(),
  model: modelRef,
  accepted: z.int().describe('Events stored by this request'),
  duplicates: z.int().describe('Events whose event_id was stored before: nothing changed for them'),
  users: z.array(z.int()).describe('Users whose recommendations now include these interactions'),
  unseen_movie_ids: z
    .array(z.int())
    .describe('Movies the model has not seen: stored, and learnable at the next retrain'),
});

export const popularResponse = z.strictObject({
  request_id: z.string(),
  model: modelRef,
  window: z.enum(['all', 'trending']),
  genre: z.string().nullable(),
  movies: z.array(scoredMovie),
});

export const moviesResponse = z.strictObject({
  request_id: z.string(),
  model: modelRef,
  movies: z.array(movie),
});

export const movieResponse = z.strictObject({
  request_id: z.string(),
  model: modelRef,
  movie: movie.extend({
    in_model: z.boolean().describe('False for a movie the model cannot rank yet (no interactions at fit time)'),
  }),
});

export const genresResponse = z.strictObject({
  request_id: z.string(),
  model: modelRef,
  genres: z.array(z.string()),
});

export const healthResponse = z.strictObject({
  status: z.enum(['ok']),
  ready: z.boolean().describe('True once a bundle is verified and loaded'),
  model: modelRef.extend({ created_at: z.string(), loaded_at: z.string() }).nullable(),
});

export const errorResponse = z.strictObject({
  error: z.strictObject({
    code: z.string().describe('Stable machine-readable code, e.g. invalid_request, unknown_movie'),
    message: z.string().describe('What was wrong, what was expected, what to do'),
    request_id: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.output<typeof errorResponse>;
