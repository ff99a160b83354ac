import type * as rest from '@recsys/core/api/schemas';
import type { z } from 'zod';

/** The REST bodies the site reads, typed from the API's own zod schemas (types only: no zod in the browser). */
export type Movie = z.output<typeof rest.movie>;
export type ModelRef = z.output<typeof rest.modelRef>;
export type RecommendResponse = z.output<typeof rest.recommendResponse>;
export type SimilarResponse = z.output<typeof rest.similarResponse>;
export type PopularResponse = z.output<typeof rest.popularResponse>;
export type MoviesResponse = z.output<typeof rest.moviesResponse>;
export type MovieResponse = z.output<typeof rest.movieResponse>;
export type GenresResponse = z.output<typeof rest.genresResponse>;
export type HealthResponse = z.output<typeof rest.healthResponse>;
export type InteractionsResponse = z.output<typeof rest.interactionsResponse>;
export type ErrorBody = z.output<typeof rest.errorResponse>;
export type PopularWindow = PopularResponse['window'];
