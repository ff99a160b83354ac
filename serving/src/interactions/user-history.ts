/** Ratings at or above this count as liked (PROTOCOL.md's positive threshold, R2). */
export const LIKED_RATING = 4;

/**
 * Interactions posted since the model was fit, per user, in memory: what online fold-in scores from. Newest
 * rating of a movie wins; capped per user so a chatty client cannot grow memory without bound.
 */
export class UserHistory {
  readonly #ratings = new Map<number, Map<number, number>>();
  readonly #maxPerUser: number;

  constructor(maxPerUser = 1000) {
    this.#maxPerUser = maxPerUser;
  }

  add(userId: number, movieId: number, rating: number): void {
    let movies = this.#ratings.get(userId);
    if (!movies) {
      movies = new Map();
      this.#ratings.set(userId, movies);
    }
    movies.delete(movieId);
    movies.set(movieId, rating);
    if (movies.size > this.#maxPerUser) movies.delete(movies.keys().next().value as number);
  }

  has(userId: number): boolean {
    return this.#ratings.has(userId);
  }

  /** Movies the user liked, oldest first. */
  liked(userId: number): number[] {
    const liked: number[] = [];
    for (const [movieId, rating] of this.#ratings.get(userId) ?? []) if (rating >= LIKED_RATING) liked.push(movieId);
    return liked;
  }

  /** Every movie the user rated, liked or not (excluded from their recommendations). */
  rated(userId: number): number[] {
    return [...(this.#ratings.get(userId)?.keys() ?? [])];
  }

  get users(): number {
    return this.#ratings.size;
  }
}
