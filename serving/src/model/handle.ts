/**
 * What a route needs from a loaded model, in MovieLens ids (never item indices). The real one wraps core's
 * Recommender over a verified bundle (`recommender-model.ts`); tests may add a tiny one beside it.
 */
export interface MovieInfo {
  movie_id: number;
  title: string;
  year: number | null;
  genres: string[];
}

/** A movie as the API shows it: the bundle's metadata and its title as people read it ("The Godfather"). */
export interface ShownMovie extends MovieInfo {
  display_title: string;
}

export interface ModelInfo {
  name: string;
  version: string;
  type: string;
  created_at: string;
  loaded_at: string;
  /** Epoch seconds of the first interaction the model's data holds: posted events may not be older (null: unknown). */
  data_start: number | null;
}

/** Optional narrowing of any ranked list (R15). */
export interface ItemQuery {
  genres?: readonly string[];
  yearMin?: number;
  yearMax?: number;
  /** Drop what the user already has (or the seeds); default true. */
  excludeSeen?: boolean;
  /** Movies to leave out as well when excluding seen ones: what the user rated since the model was fit. */
  alsoSeen?: readonly number[];
}

/** Movie ids best first with their scores, aligned. */
export interface ScoredMovies {
  movieIds: Uint32Array;
  scores: Float32Array;
}

export type PopularWindow = 'all' | 'trending';

export interface ModelHandle {
  readonly info: ModelInfo;
  /** Genre names the filters accept. */
  readonly genres: readonly string[];
  /** Popularity windows this bundle has tables for. */
  readonly popularWindows: readonly PopularWindow[];
  /** True when the model can score a user it has not seen from their likes (online fold-in). */
  readonly foldsIn: boolean;
  /** True when /recommend and /similar are answered from the bundle's usearch indexes rather than a full scan. */
  readonly approximate?: boolean;
  /** True for a user the model was fit with: the personalised path applies. */
  knowsUser(userId: number): boolean;
  /** True for a movie the model can rank and use as a seed (it is in the fit catalogue). */
  knowsMovie(movieId: number): boolean;
  recommendForUser(userId: number, k: number, query: ItemQuery): ScoredMovies;
  /** Fold-in: a user the model has not seen, from movies they liked (all must satisfy `knowsMovie`). */
  recommendFromLiked(movieIds: readonly number[], k: number, query: ItemQuery): ScoredMovies;
  similar(movieIds: readonly number[], k: number, query: ItemQuery): ScoredMovies;
  /** The cold-start fallback for a user with nothing to go on (the bundle's fallback: popular or trending). */
  coldStart(k: number, query: ItemQuery): ScoredMovies;
  popular(k: number, window: PopularWindow, query: ItemQuery): ScoredMovies;
  movie(movieId: number): ShownMovie | undefined;
  /** `movie(movieId)` as JSON text in the API contract's key order, serialised once per model; undefined when unknown. */
  movieJson(movieId: number): string | undefined;
  /** Title search (case-insensitive substring of either title form), most popular first; all movies when `text` is empty. */
  searchMovies(text: string, genre: string | undefined, limit: number): ShownMovie[];
  /** Movies the user liked in the fit data; none for a user the model was not fit with. */
  fitLikes(userId: number): number[];
  /**
   * "Because you liked": for each ranked movie, the movie the user liked (in the fit data, or among `postedLikes`)
   * that the model finds most similar to it by its own item-to-item similarity, or null (core's becauseYouLiked).
   * Liked movies the model cannot rank are ignored.
   */
  becauseYouLiked(userId: number, postedLikes: readonly number[], ranked: Uint32Array): (number | null)[];
}
