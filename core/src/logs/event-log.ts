import Database from 'better-sqlite3';

/** One posted interaction as stored: the next retraining batch (R19). Times in epoch milliseconds / seconds. */
export interface EventRow {
  /**
   * The idempotency key: a second event with the same id changes nothing. Scoped to the API key that sent it
   * (serving/src/interactions/event-ids.ts). Absent in logs written before events carried ids.
   */
  event_id?: string;
  request_id: string;
  received_at: number;
  user_id: number;
  movie_id: number;
  rating: number;
  /** When it happened, epoch seconds (MovieLens' unit). */
  timestamp: number;
  /** 0 when the model being served had not seen the movie: learnable only at the next retrain. */
  in_model: boolean;
  model_version: string;
}

export const EVENTS_DDL = `
CREATE TABLE IF NOT EXISTS events (
  event_id TEXT,
  request_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  movie_id INTEGER NOT NULL,
  rating REAL NOT NULL,
  timestamp INTEGER NOT NULL,
  in_model INTEGER NOT NULL,
  model_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (timestamp);
CREATE INDEX IF NOT EXISTS events_by_user ON events (user_id);
`;

/**
 * The event log. Unlike the request log it is written before the answer (one short transaction): a 201 means
 * the interactions are on disk for retraining. It is never pruned.
 */
export class EventLog {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #insert: (rows: EventRow[]) => number;

  constructor(file: string) {
    this.file = file;
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(EVENTS_DDL);
      // A file written before events carried ids gets the column (NULL for its old rows).
      const columns = db.prepare<[], { name: string }>('PRAGMA table_info(events)').all();
      if (!columns.some((c) => c.name === 'event_id')) db.exec('ALTER TABLE events ADD COLUMN event_id TEXT');
      const statement = db.prepare(
        `INSERT INTO events (event_id, request_id, received_at, user_id, movie_id, rating, timestamp, in_model, model_version)
         VALUES (@event_id, @request_id, @received_at, @user_id, @movie_id, @rating, @timestamp, @in_model, @model_version)`,
      );
      this.#insert = db.transaction((rows: EventRow[]) => {
        let last = 0;
        for (const row of rows)
          last = Number(
            statement.run({ ...row, event_id: row.event_id ?? null, in_model: row.in_model ? 1 : 0 }).lastInsertRowid,
          );
        return last;
      });
    } catch (err) {
      db.close();
      throw err;
    }
    this.#db = db;
  }

  /**
   * Stores the rows in one transaction; returns the rowid of the last one (the log's position after them). Called
   * inside a transaction of `connection`, it joins that one (a savepoint): nothing is stored if that one fails.
   */
  append(rows: EventRow[]): number {
    return this.#insert(rows);
  }

  /**
   * The log's connection, for a store that keeps its own tables in a database ATTACHed to it, so that one
   * transaction writes both (serving's fold-in snapshot).
   */
  get connection(): Database.Database {
    return this.#db;
  }

  close(): void {
    this.#db.close();
  }
}
