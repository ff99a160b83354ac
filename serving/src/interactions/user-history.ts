import type { EventRow } from '@recsys/core/logs/event-log';
import type { EventStore } from '../events/event-store.ts';

/** Ratings at or above this count as liked (PROTOCOL.md's positive threshold, R2). */
export const LIKED_RATING = 4;

/** One user's posted ratings as fold-in reads them: newest rating of a movie wins, oldest first. */
export class UserRatings {
  readonly #ratings: Map<number, number>;

  constructor(ratings: Map<number, number> = new Map()) {
    this.#ratings = ratings;
  }

  /** True when the user posted anything since the model was fit. */
  get any(): boolean {
    return this.#ratings.size > 0;
  }

  /** Movies the user liked, oldest first. */
  liked(): number[] {
    const liked: number[] = [];
    for (const [movieId, rating] of this.#ratings) if (rating >= LIKED_RATING) liked.push(movieId);
    return liked;
  }

  /** Every movie the user rated, liked or not (excluded from their recommendations). */
  rated(): number[] {
    return [...this.#ratings.keys()];
  }
}

export interface UserHistoryOptions {
  /** Users held in memory at most; the least recently used is evicted and reloaded from the store when asked for. */
  maxUsers?: number;
  /** Ratings kept per user (the newest). */
  maxPerUser?: number;
  /** Told of every eviction (a metric). */
  onEvict?: () => void;
  /** Told of every user read back from the store (a metric). */
  onLoad?: () => void;
}

export const DEFAULT_FOLD_IN_USERS = 100_000;

/**
 * Interactions posted since the model was fit, per user: what online fold-in scores from. A bounded LRU cache
 * over the event store (the source of truth): memory stays flat however many users post, and an evicted user is
 * read back from the store on their next request. Without a store (tests of the routes alone) it is the state.
 */
export class UserHistory {
  readonly #users = new Map<number, Map<number, number>>();
  readonly #store: EventStore | undefined;
  readonly #maxUsers: number;
  readonly #maxPerUser: number;
  readonly #options: UserHistoryOptions;

  constructor(store?: EventStore, options: UserHistoryOptions = {}) {
    this.#store = store;
    this.#maxUsers = store ? (options.maxUsers ?? DEFAULT_FOLD_IN_USERS) : Number.POSITIVE_INFINITY;
    this.#maxPerUser = options.maxPerUser ?? 1000;
    this.#options = options;
    if (!(this.#maxUsers >= 1)) throw new Error(`the fold-in user cap must be at least 1, got ${options.maxUsers}`);
  }

  /** Users held in memory now. */
  get users(): number {
    return this.#users.size;
  }

  /** True when the user is held in memory (not evicted, or read back since). */
  holds(userId: number): boolean {
    return this.#users.has(userId);
  }

  /** The user's ratings: from memory, else read back from the store (and held again). */
  async of(userId: number): Promise<UserRatings> {
    let ratings = this.#users.get(userId);
    if (ratings) {
      this.#users.delete(userId);
    } else {
      ratings = new Map();
      if (this.#store) {
        for (const r of await this.#store.ratingsOf(userId, this.#maxPerUser)) ratings.set(r.movie_id, r.rating);
        this.#options.onLoad?.();
      }
      // A concurrent request may have held the user meanwhile; its copy has every newer rating.
      const held = this.#users.get(userId);
      if (held) {
        this.#users.delete(userId);
        ratings = held;
      }
    }
    this.#hold(userId, ratings);
    return new UserRatings(ratings);
  }

  /** Stores the rows (durable first), then updates the users held in memory. */
  async append(rows: EventRow[]): Promise<void> {
    await this.#store?.append(rows);
    for (const row of rows) {
      const movies = this.#users.get(row.user_id);
      // A user not in memory is read back whole from the store when next asked for.
      if (!movies) {
        if (!this.#store) this.#hold(row.user_id, new Map([[row.movie_id, row.rating]]));
        continue;
      }
      movies.delete(row.movie_id);
      movies.set(row.movie_id, row.rating);
      if (movies.size > this.#maxPerUser) movies.delete(movies.keys().next().value as number);
    }
  }

  #hold(userId: number, ratings: Map<number, number>): void {
    this.#users.set(userId, ratings);
    while (this.#users.size > this.#maxUsers) {
      this.#users.delete(this.#users.keys().next().value as number);
      this.#options.onEvict?.();
    }
  }
}
