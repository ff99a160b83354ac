import { movie as movieSchema } from '@recsys/core/api/schemas';
import { rowIndices } from '@recsys/core/csr';
import { naturalTitle } from '@recsys/core/movie-title';
import type { Ranking } from '@recsys/core/rank';
import { becauseYouLiked } from '@recsys/core/recommender/because';
import type { ItemFilter } from '@recsys/core/recommender/filters';
import type { Recommender, RecommendOptions } from '@recsys/core/recommender/recommender';
import type {
  ItemQuery,
  ModelHandle,
  ModelInfo,
  MovieInfo,
  PopularWindow,
  ScoredMovies,
  ShownMovie,
} from './handle.ts';

export interface RecommenderModelParts {
  info: ModelInfo;
  /** The model's own scoring path (core): personalised, fold-in and similar. */
  recommender: Recommender;
  /** What a user with nothing gets (the bundle's fallback scorer): popular or trending, genre-filtered. */
  coldStart: Recommender;
  /** Popularity over the same catalogue: `/popular?window=all` and the order of title search. */
  popular: Recommender;
  /** Recent popularity for `/popular?window=trending`; absent when the bundle has no trending table. */
  trending?: Recommender;
  /** MovieLens user id per user index of the fit data. */
  userIds: Uint32Array;
  /** Metadata per item index (aligned with the catalogue's movie ids). */
  items: readonly MovieInfo[];
}

/** The ModelHandle over core's Recommender: ids in, ids out; every ranking goes through core's facade. */
export class RecommenderModel implements ModelHandle {
  readonly info: ModelInfo;
  readonly genres: readonly string[];
  readonly popularWindows: readonly PopularWindow[];
  readonly foldsIn: boolean;
  readonly approximate: boolean;
  readonly #parts: RecommenderModelParts;
  readonly #userIndex = new Map<number, number>();
  readonly #itemIndex = new Map<number, number>();
  readonly #shown: ShownMovie[];
  /** Each movie's JSON, made on its first answer (a 200,000-movie catalogue would take seconds up front). */
  readonly #json: (string | undefined)[];
  /** Both title forms, lower-cased, so "the godfather" and "godfather, the" both find it. */
  readonly #searchText: string[];
  /** Item indices by all-time popularity (best first, ties by movie id): the order of search results. */
  readonly #byPopularity: Uint32Array;

  constructor(parts: RecommenderModelParts) {
    const { recommender, items, userIds } = parts;
    const movieIds = recommender.catalogue.movieIds;
    if (items.length !== movieIds.length) {
      throw new Error(
        `model: ${items.length} item metadata rows for ${movieIds.length} catalogue items; expected one per item`,
      );
    }
    this.#parts = parts;
    this.info = parts.info;
    this.genres = recommender.attributes?.genres ?? [];
    this.popularWindows = parts.trending ? ['all', 'trending'] : ['all'];
    for (let u = 0; u < userIds.length; u++) this.#userIndex.set(userIds[u], u);
    for (let i = 0; i < movieIds.length; i++) {
      if (items[i].movie_id !== movieIds[i]) {
        throw new Error(
          `model: item ${i} has metadata for movie ${items[i].movie_id} but catalogue movie ${movieIds[i]}`,
        );
      }
      this.#itemIndex.set(movieIds[i], i);
    }
    this.#shown = items.map((item) => ({ ...item, display_title: naturalTitle(item.title) }));
    this.#json = new Array(items.length);
    this.#searchText = this.#shown.map((m) => `${m.title}\n${m.display_title}`.toLowerCase());
    this.#byPopularity = parts.popular.recommendFromLiked(new Uint32Array(0), items.length, {}).items;
    this.foldsIn = canFoldIn(recommender, this.#byPopularity);
    this.approximate = recommender.approximate !== undefined;
  }

  knowsUser(userId: number): boolean {
    const user = this.#userIndex.get(userId);
    return user !== undefined && this.#parts.recommender.knowsUser(user);
  }

  knowsMovie(movieId: number): boolean {
    const item = this.#itemIndex.get(movieId);
    return item !== undefined && this.#parts.recommender.catalogue.inCatalogue[item] === 1;
  }

  recommendForUser(userId: number, k: number, query: ItemQuery): ScoredMovies {
    const user = this.#userIndex.get(userId);
    if (user === undefined) throw new RangeError(`model: user ${userId} is not in the fit data`);
    return this.#withoutAlsoSeen(query, k, (n) => this.#parts.recommender.recommend(user, n, options(query)));
  }

  recommendFromLiked(movieIds: readonly number[], k: number, query: ItemQuery): ScoredMovies {
    const liked = this.#items(movieIds);
    return this.#withoutAlsoSeen(query, k, (n) => this.#parts.recommender.recommendFromLiked(liked, n, options(query)));
  }

  similar(movieIds: readonly number[], k: number, query: ItemQuery): ScoredMovies {
    return this.#movies(this.#parts.recommender.similar(this.#items(movieIds), k, options(query)));
  }

  coldStart(k: number, query: ItemQuery): ScoredMovies {
    const none = new Uint32Array(0);
    return this.#withoutAlsoSeen(query, k, (n) => this.#parts.coldStart.recommendFromLiked(none, n, options(query)));
  }

  popular(k: number, window: PopularWindow, query: ItemQuery): ScoredMovies {
    const source = window === 'trending' ? this.#parts.trending : this.#parts.popular;
    if (!source) throw new RangeError(`model ${this.info.version} has no trending popularity table`);
    return this.#movies(source.recommendFromLiked(new Uint32Array(0), k, options(query)));
  }

  movie(movieId: number): ShownMovie | undefined {
    const item = this.#itemIndex.get(movieId);
    return item === undefined ? undefined : this.#shown[item];
  }

  movieJson(movieId: number): string | undefined {
    const item = this.#itemIndex.get(movieId);
    if (item === undefined) return undefined;
    // Parsed once with the contract's schema: a movie outside it fails its first answer (a 500), as respond() would.
    this.#json[item] ??= JSON.stringify(movieSchema.parse(this.#shown[item]));
    return this.#json[item];
  }

  searchMovies(text: string, genre: string | undefined, limit: number): ShownMovie[] {
    const needle = text.trim().toLowerCase();
    const found: ShownMovie[] = [];
    for (let r = 0; r < this.#byPopularity.length && found.length < limit; r++) {
      const item = this.#byPopularity[r];
      const movie = this.#shown[item];
      if (needle && !this.#searchText[item].includes(needle)) continue;
      if (genre && !movie.genres.includes(genre)) continue;
      found.push(movie);
    }
    return found;
  }

  fitLikes(userId: number): number[] {
    const user = this.#userIndex.get(userId);
    if (user === undefined || !this.#parts.recommender.knowsUser(user)) return [];
    const { seen, movieIds } = this.#parts.recommender.catalogue;
    return Array.from(rowIndices(seen, user), (item) => movieIds[item]);
  }

  becauseYouLiked(userId: number, postedLikes: readonly number[], ranked: Uint32Array): (number | null)[] {
    const { recommender } = this.#parts;
    const user = this.#userIndex.get(userId);
    const fit = user !== undefined && recommender.knowsUser(user) ? rowIndices(recommender.catalogue.seen, user) : [];
    const posted = this.#items(postedLikes.filter((id) => this.knowsMovie(id)));
    const liked = Uint32Array.from([...fit, ...posted]);
    const because = becauseYouLiked(recommender.scorer, liked, this.#items(Array.from(ranked)));
    const movieIds = recommender.catalogue.movieIds;
    return Array.from(because, (at) => (at < 0 ? null : movieIds[liked[at]]));
  }

  #items(movieIds: readonly number[]): Uint32Array {
    const items = new Uint32Array(movieIds.length);
    movieIds.forEach((id, i) => {
      const item = this.#itemIndex.get(id);
      if (item === undefined) throw new RangeError(`model: movie ${id} is not in the catalogue`);
      items[i] = item;
    });
    return items;
  }

  /**
   * Core's ranking with the movies rated since the fit left out: ask core for k more than that many, drop them,
   * keep k. Order and scores stay core's, so with nothing extra to drop this is exactly core's answer.
   */
  #withoutAlsoSeen(query: ItemQuery, k: number, rank: (n: number) => Ranking): ScoredMovies {
    const extra = query.excludeSeen === false ? [] : (query.alsoSeen ?? []);
    const ranked = this.#movies(rank(k + extra.length));
    if (extra.length === 0) return ranked;
    const drop = new Set(extra);
    const movieIds: number[] = [];
    const scores: number[] = [];
    for (let r = 0; r < ranked.movieIds.length && movieIds.length < k; r++) {
      if (drop.has(ranked.movieIds[r])) continue;
      movieIds.push(ranked.movieIds[r]);
      scores.push(ranked.scores[r]);
    }
    return { movieIds: Uint32Array.from(movieIds), scores: Float32Array.from(scores) };
  }

  #movies(ranking: Ranking): ScoredMovies {
    const movieIds = new Uint32Array(ranking.items.length);
    const catalogue = this.#parts.recommender.catalogue.movieIds;
    for (let r = 0; r < movieIds.length; r++) movieIds[r] = catalogue[ranking.items[r]];
    return { movieIds, scores: ranking.scores };
  }
}

/** A factor model exported without fold-in parameters cannot score new users: find out once, at load. */
function canFoldIn(recommender: Recommender, byPopularity: Uint32Array): boolean {
  if (byPopularity.length === 0) return false;
  try {
    recommender.scorer.scoreFromLiked(byPopularity.subarray(0, 1), new Float32Array(recommender.items));
    return true;
  } catch {
    return false;
  }
}

function options(query: ItemQuery): RecommendOptions {
  const filter: ItemFilter = {};
  if (query.genres?.length) filter.genres = query.genres;
  if (query.yearMin !== undefined) filter.yearFrom = query.yearMin;
  if (query.yearMax !== undefined) filter.yearTo = query.yearMax;
  return { excludeSeen: query.excludeSeen, filter };
}
