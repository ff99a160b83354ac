import type { EventRow } from '@recsys/core/logs/event-log';

/** One user's rating of one movie as the fold-in state keeps it (the newest rating of the pair). */
export interface StoredRating {
  movie_id: number;
  rating: number;
}

/** A user's ratings as the store held them, and the stream position they include (0 for a store no one else writes). */
export interface UserRead {
  ratings: StoredRating[];
  position: number;
}

/** One stored event as a follower of a shared store receives it, with its 64-bit id (a position in the stream). */
export interface StreamedEvent {
  id: number;
  user_id: number;
  movie_id: number;
  rating: number;
}

/** What an append did: the rows stored now, and how many had an event id stored before (a retry: nothing changes). */
export interface AppendResult {
  stored: EventRow[];
  duplicates: number;
}

/**
 * The event-log port: where posted interactions are stored (the next retraining batch and the source of truth of
 * the fold-in state) and where a replica reloads a user it evicted from memory. SQLite is the embedded default for
 * one process; PostgreSQL is the stream several replicas share.
 */
export interface EventStore {
  /** Durable when it resolves: a 201 means the interactions are stored. Events are keyed by `event_id`. */
  append(rows: EventRow[]): Promise<AppendResult>;
  /** The user's ratings, oldest first, the newest `limit` of them. */
  ratingsOf(userId: number, limit: number): Promise<UserRead>;
  /** What start-up needs before /ready (SQLite: the logs' tails; a stream: the engine and its position). */
  restore(): Promise<RestoredState>;
  /**
   * Only on a store other replicas append to: every stored event reaches `apply` once, in id order (this replica's
   * own too), and `append` resolves once its rows were applied here, so the replica that took them answers with them.
   */
  follow?(apply: (events: StreamedEvent[]) => void): void;
  close(): Promise<void>;
}

/** What opening a store found: the state restored, and log files set aside as unreadable. */
export interface RestoredState {
  /** One line for the start-up log: what was loaded. */
  summary: string;
  /** Events applied from log tails (written after the last snapshot position); a stream replays none. */
  tailEvents: number;
  quarantined: { file: string; error: string }[];
}
