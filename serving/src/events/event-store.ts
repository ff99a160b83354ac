import type { EventRow } from '@recsys/core/logs/event-log';

/** One user's rating of one movie as the fold-in state keeps it (the newest rating of the pair). */
export interface StoredRating {
  movie_id: number;
  rating: number;
}

/**
 * The event-log port: where posted interactions are stored (the next retraining batch and the source of truth of
 * the fold-in state) and where a replica reloads a user it evicted from memory. SQLite is the embedded default.
 */
export interface EventStore {
  /** Durable when it resolves: a 201 means the interactions are stored. */
  append(rows: EventRow[]): Promise<void>;
  /** The user's ratings, oldest first, the newest `limit` of them. */
  ratingsOf(userId: number, limit: number): Promise<StoredRating[]>;
  close(): Promise<void>;
}

/** What opening a store found: the state restored, and log files set aside as unreadable. */
export interface RestoredState {
  /** Events applied from the log tail (written after the last snapshot position). */
  tailEvents: number;
  users: number;
  quarantined: { file: string; error: string }[];
}
