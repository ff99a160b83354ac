import path from 'node:path';
import { EventLog, type EventRow } from '@recsys/core/logs/event-log';
import { isCorruptFile, quarantineFile } from '@recsys/core/logs/quarantine';
import { logFiles } from '@recsys/core/logs/read';
import Database from 'better-sqlite3';
import type { AppendResult, EventStore, RestoredState, StoredRating, UserRead } from './event-store.ts';

/** The compacted fold-in state beside the event logs: one row per (user, movie), and how far each log is applied. */
export const SNAPSHOT_FILE = 'fold-in-state.sqlite';

const SNAPSHOT_DDL = `
CREATE TABLE IF NOT EXISTS snapshot.user_ratings (
  user_id INTEGER NOT NULL,
  movie_id INTEGER NOT NULL,
  rating REAL NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (user_id, movie_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS snapshot.user_ratings_by_seq ON user_ratings (user_id, seq);
CREATE TABLE IF NOT EXISTS snapshot.applied (
  file TEXT PRIMARY KEY,
  last_rowid INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshot.event_ids (
  event_id TEXT PRIMARY KEY
) WITHOUT ROWID;
`;

type Rated = Pick<EventRow, 'user_id' | 'movie_id' | 'rating' | 'event_id'>;
type TailRow = Rated & { rowid: number };

/** Tail rows applied per transaction at start-up: memory stays flat however long the tail. */
const TAIL_BATCH = 10_000;

/**
 * The embedded event store: this process's event log (one SQLite file per process, the retraining batch) plus a
 * snapshot that folds every log into the newest rating per (user, movie) and remembers each log's applied rowid.
 * A restart applies only the tail written after the snapshot's positions, so its cost is bounded by the snapshot,
 * not by history. A log file SQLite calls corrupt is quarantined and reported, as retraining does.
 * The snapshot is ATTACHed to the log's connection: an append writes the log and the snapshot in one transaction,
 * so a failure in either stores nothing and the 503 that follows is true (a retry stores the events once).
 */
export class SqliteEventStore implements EventStore {
  readonly log: EventLog;
  readonly #upsert: (rows: readonly Rated[], file: string, lastRowid: number) => void;
  readonly #write: (rows: EventRow[]) => void;
  readonly #ratingsOf: Database.Statement<[number, number], StoredRating>;
  readonly #known: Database.Statement<[string], { found: number }>;
  #seq: number;

  readonly #dir: string;

  private constructor(log: EventLog, dir: string) {
    this.log = log;
    this.#dir = dir;
    const db = log.connection;
    this.#seq =
      db.prepare<[], { seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM snapshot.user_ratings').get()?.seq ?? 0;
    const upsert = db.prepare(
      `INSERT INTO snapshot.user_ratings (user_id, movie_id, rating, seq) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, movie_id) DO UPDATE SET rating = excluded.rating, seq = excluded.seq`,
    );
    const position = db.prepare(
      `INSERT INTO snapshot.applied (file, last_rowid) VALUES (?, ?)
       ON CONFLICT (file) DO UPDATE SET last_rowid = MAX(last_rowid, excluded.last_rowid)`,
    );
    const remember = db.prepare('INSERT OR IGNORE INTO snapshot.event_ids (event_id) VALUES (?)');
    this.#known = db.prepare<[string], { found: number }>(
      'SELECT 1 AS found FROM snapshot.event_ids WHERE event_id = ?',
    );
    this.#upsert = db.transaction((rows: readonly Rated[], file: string, lastRowid: number) => {
      for (const row of rows) {
        upsert.run(row.user_id, row.movie_id, row.rating, ++this.#seq);
        if (row.event_id) remember.run(row.event_id);
      }
      position.run(file, lastRowid);
    });
    // The log is the main database, so at COMMIT its rows are written first: a crash between the two files leaves
    // the log ahead of the snapshot, which the next start applies as a tail (never a snapshot the log lacks).
    const logName = path.basename(log.file);
    this.#write = db.transaction((rows: EventRow[]) => this.#upsert(rows, logName, log.append(rows)));
    this.#ratingsOf = db.prepare<[number, number], StoredRating>(
      'SELECT movie_id, rating FROM (SELECT movie_id, rating, seq FROM snapshot.user_ratings WHERE user_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
    );
  }

  /** Opens the snapshot in `dir` and starts this process's log `logFile`; `restore()` then applies the tails. */
  static open(dir: string, logFile: string): SqliteEventStore {
    const log = new EventLog(logFile);
    try {
      const db = log.connection;
      db.prepare('ATTACH DATABASE ? AS snapshot').run(path.join(dir, SNAPSHOT_FILE));
      db.pragma('snapshot.journal_mode = WAL');
      db.pragma('snapshot.synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SNAPSHOT_DDL);
      return new SqliteEventStore(log, dir);
    } catch (err) {
      log.close();
      throw err;
    }
  }

  /** Rows whose event id was stored before (or came earlier in the batch) are left out: a retry changes nothing. */
  async append(rows: EventRow[]): Promise<AppendResult> {
    const batch = new Set<string>();
    const stored = rows.filter((row) => {
      if (!row.event_id) return true;
      if (batch.has(row.event_id) || this.#known.get(row.event_id)) return false;
      batch.add(row.event_id);
      return true;
    });
    if (stored.length > 0) this.#write(stored);
    return { stored, duplicates: rows.length - stored.length };
  }

  async ratingsOf(userId: number, limit: number): Promise<UserRead> {
    return { ratings: this.#ratingsOf.all(userId, limit), position: 0 };
  }

  async close(): Promise<void> {
    this.log.close();
  }

  /**
   * Applies every other log's rows written after the snapshot's position for it (normally none: a clean stop
   * leaves none), yielding to the event loop between batches so /health keeps answering meanwhile.
   */
  async restore(): Promise<RestoredState> {
    const dir = this.#dir;
    const positions = this.log.connection.prepare<[], { file: string; last_rowid: number }>(
      'SELECT file, last_rowid FROM snapshot.applied',
    );
    const applied = new Map(positions.all().map((r) => [r.file, r.last_rowid]));
    let tailEvents = 0;
    const quarantined: RestoredState['quarantined'] = [];
    for (const file of logFiles(dir, 'events')) {
      if (file === this.log.file) continue;
      try {
        tailEvents += await this.#applyTail(file, applied.get(path.basename(file)) ?? 0);
      } catch (err) {
        if (!isCorruptFile(err)) throw new Error(`cannot read the event log ${file}: ${(err as Error).message}`);
        quarantined.push({ file: quarantineFile(file), error: (err as Error).message });
      }
    }
    const users =
      this.log.connection
        .prepare<[], { n: number }>('SELECT COUNT(DISTINCT user_id) AS n FROM snapshot.user_ratings')
        .get()?.n ?? 0;
    return { summary: `${tailEvents} events from the log tail; ${users} users`, tailEvents, quarantined };
  }

  async #applyTail(file: string, after: number): Promise<number> {
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 2000');
      // A file whose creation was cut short has no table yet: nothing to apply.
      if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get()) return 0;
      // Logs written before events carried ids have no event_id column.
      const ids = db
        .prepare<[], { name: string }>('PRAGMA table_info(events)')
        .all()
        .some((c) => c.name === 'event_id');
      const select = db.prepare<[number, number], TailRow>(
        `SELECT rowid, user_id, movie_id, rating${ids ? ', event_id' : ''} FROM events WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      );
      let applied = 0;
      for (let from = after; ; ) {
        const batch = select.all(from, TAIL_BATCH);
        if (batch.length === 0) return applied;
        from = batch[batch.length - 1].rowid;
        this.#upsert(batch, path.basename(file), from);
        applied += batch.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      db.close();
    }
  }
}
