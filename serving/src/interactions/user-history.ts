import type { EventRow } from '@recsys/core/logs/event-log';
import type { AppendResult, EventStore, StreamedEvent } from '../events/event-store.ts';

/** Ratings at or above this count as liked (PROTOCOL.md's positive threshold, R2). */
export const LIKED_RATING = 4;

/** One user's posted ratings as fold-in reads them: newest rating of a movie wins, oldest first. */
export class UserRatings {
  readonly #ratings: Map<number, number>;

  /** False when the store could not be read (the engine is down): only what the model knows is used. */
  readonly complete: boolean;

  constructor(ratings: Map<number, number> = new Map(), complete = true) {
    this.#ratings = ratings;
    this.complete = complete;
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
  /** Told when a user could not be read back (the store is unreachable): the answer goes on without their events. */
  onUnavailable?: (err: unknown) => void;
  /** Users known to have posted nothing, held apart so that reads of them neither hit the store nor evict posters. */
  maxEmptyUsers?: number;
  /** How long a request waits for a read-back before answering without the user's events (the read goes on). */
  readTimeoutMs?: number;
  /** After a failed read-back, reads answer at once without the store for this long, then try it again. */
  outageBackoffMs?: number;
  /** The clock of the outage backoff (tests drive it). */
  now?: () => number;
}

export const DEFAULT_FOLD_IN_USERS = 100_000;
// Every user of an ML-25M-sized model (162,541) in about 5 MB: a user who never posted costs no store read per request.
const DEFAULT_EMPTY_USERS = 250_000;
const DEFAULT_READ_TIMEOUT_MS = 1000;
const DEFAULT_OUTAGE_BACKOFF_MS = 5000;

/** A user held in memory: movie → newest rating (oldest first), and the stream position those include. */
interface Held {
  ratings: Map<number, number>;
  through: number;
}

/**
 * Interactions posted since the model was fit, per user: what online fold-in scores from. A bounded LRU cache
 * over the event store (the source of truth): memory stays flat however many users post, and an evicted user is
 * read back from the store on their next request. Over a shared store (several replicas) every change arrives
 * through the stream in id order, this replica's own writes included; over the embedded one, appends apply here
 * directly. Without a store (tests of the routes alone) it is the state.
 */
export class UserHistory {
  readonly #users = new Map<number, Held>();
  /** Users being read back, with the streamed events that arrived meanwhile (applied once the read is in). */
  readonly #loading = new Map<number, { read: Promise<Held | undefined>; arrived: StreamedEvent[] }>();
  /** Users read back with no events (least recently asked first); an event for one of them drops it. */
  readonly #empty = new Set<number>();
  /** Until then the store is taken as down: reads answer from memory at once instead of queueing behind it. */
  #downUntil = 0;
  /** Read-backs still pending past the read timeout: while any is, the store is taken as down too. */
  #overdue = 0;
  readonly #store: EventStore | undefined;
  readonly #streamed: boolean;
  readonly #maxUsers: number;
  readonly #maxPerUser: number;
  readonly #options: UserHistoryOptions;

  constructor(store?: EventStore, options: UserHistoryOptions = {}) {
    this.#store = store;
    this.#maxUsers = store ? (options.maxUsers ?? DEFAULT_FOLD_IN_USERS) : Number.POSITIVE_INFINITY;
    this.#maxPerUser = options.maxPerUser ?? 1000;
    this.#options = options;
    if (!(this.#maxUsers >= 1)) throw new Error(`the fold-in user cap must be at least 1, got ${options.maxUsers}`);
    this.#streamed = store?.follow !== undefined;
    store?.follow?.((events) => this.#applyStreamed(events));
  }

  /** Users held in memory now. */
  get users(): number {
    return this.#users.size;
  }

  /** True when the user is held in memory (not evicted, or read back since). */
  holds(userId: number): boolean {
    return this.#users.has(userId);
  }

  /**
   * The user's ratings: from memory, else read back from the store (and held again if they have any). While the
   * store is down or slow, the answer comes at once without the user's events (`complete: false`).
   */
  async of(userId: number): Promise<UserRatings> {
    const held = this.#users.get(userId);
    if (held) {
      this.#users.delete(userId);
      this.#users.set(userId, held);
      return new UserRatings(held.ratings);
    }
    if (!this.#store) return new UserRatings();
    if (this.#empty.delete(userId)) {
      this.#empty.add(userId);
      return new UserRatings();
    }
    let loading = this.#loading.get(userId);
    if (!loading) {
      if (this.#overdue > 0 || this.#now() < this.#downUntil) return new UserRatings(new Map(), false);
      const entry = { read: this.#readBack(this.#store, userId), arrived: [] as StreamedEvent[] };
      this.#loading.set(userId, entry);
      loading = entry;
      void entry.read.finally(() => this.#loading.delete(userId));
    }
    const read = await this.#within(loading.read);
    return read ? new UserRatings(read.ratings) : new UserRatings(new Map(), false);
  }

  /** Stores the rows (durable first), then updates the users held in memory; says what was stored. */
  async append(rows: EventRow[]): Promise<AppendResult> {
    if (!this.#store) {
      for (const row of rows) this.#apply(this.#users.get(row.user_id) ?? this.#hold(row.user_id, new Map(), 0), row);
      return { stored: rows, duplicates: 0 };
    }
    const result = await this.#store.append(rows);
    for (const row of result.stored) this.#empty.delete(row.user_id);
    // A shared store's follower applies every stored event, these included, before append resolves.
    if (!this.#streamed) {
      for (const row of result.stored) {
        const held = this.#users.get(row.user_id);
        if (held) this.#apply(held, row);
        else this.#loading.get(row.user_id)?.arrived.push({ id: 0, ...row });
      }
    }
    return result;
  }

  async #readBack(store: EventStore, userId: number): Promise<Held | undefined> {
    let read: Awaited<ReturnType<EventStore['ratingsOf']>>;
    try {
      read = await store.ratingsOf(userId, this.#maxPerUser);
    } catch (err) {
      this.#downUntil = this.#now() + (this.#options.outageBackoffMs ?? DEFAULT_OUTAGE_BACKOFF_MS);
      this.#options.onUnavailable?.(err);
      return undefined;
    }
    this.#options.onLoad?.();
    const held: Held = { ratings: new Map(read.ratings.map((r) => [r.movie_id, r.rating])), through: read.position };
    // Events stored after the read's snapshot (or appended here meanwhile) that the stream delivered during it.
    for (const event of this.#loading.get(userId)?.arrived ?? []) {
      if (event.id === 0 || event.id > held.through) this.#apply(held, event);
    }
    if (held.ratings.size > 0) return this.#hold(userId, held.ratings, held.through);
    this.#empty.add(userId);
    while (this.#empty.size > (this.#options.maxEmptyUsers ?? DEFAULT_EMPTY_USERS)) {
      this.#empty.delete(this.#empty.keys().next().value as number);
    }
    return held;
  }

  /** The read, or undefined once the read timeout passed (the read goes on, counted overdue until it settles). */
  #within(read: Promise<Held | undefined>): Promise<Held | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#overdue++;
        void read.finally(() => this.#overdue--);
        resolve(undefined);
      }, this.#options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS);
      void read.then((held) => {
        clearTimeout(timer);
        resolve(held);
      });
    });
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Events from the shared stream, in id order: each changes a held user once (none at or before their read). */
  #applyStreamed(events: StreamedEvent[]): void {
    for (const event of events) {
      this.#empty.delete(event.user_id);
      const held = this.#users.get(event.user_id);
      if (held) {
        if (event.id > held.through) this.#apply(held, event);
      } else this.#loading.get(event.user_id)?.arrived.push(event);
    }
  }

  #apply(held: Held, event: Pick<StreamedEvent, 'movie_id' | 'rating'> & { id?: number }): void {
    held.ratings.delete(event.movie_id);
    held.ratings.set(event.movie_id, event.rating);
    if (event.id !== undefined && event.id > held.through) held.through = event.id;
    if (held.ratings.size > this.#maxPerUser) held.ratings.delete(held.ratings.keys().next().value as number);
  }

  #hold(userId: number, ratings: Map<number, number>, through: number): Held {
    const held = { ratings, through };
    this.#users.delete(userId);
    this.#users.set(userId, held);
    while (this.#users.size > this.#maxUsers) {
      this.#users.delete(this.#users.keys().next().value as number);
      this.#options.onEvict?.();
    }
    return held;
  }
}
