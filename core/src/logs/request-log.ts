import Database from 'better-sqlite3';
import { Batcher } from './batcher.ts';

/** One row per answered request (R20). Times are epoch milliseconds. */
export interface RequestLogRow {
  request_id: string;
  timestamp: number;
  /** The event time a simulator supplied (X-As-Of), else `timestamp`. */
  as_of: number;
  user_id: number | null;
  endpoint: string;
  model_version: string | null;
  recommendations: number[] | null;
  scores: number[] | null;
  latency_ms: number;
  is_fallback: boolean | null;
  status: number;
}

/** Where a serving process hands its rows: RequestLog (in-thread) or ThreadedRequestLog (a writer thread). */
export interface RequestLogSink {
  append(row: RequestLogRow): void;
  /** Writes or drops (and counts) every row handed so far, then releases the file. */
  close(): void | Promise<void>;
}

export const REQUESTS_DDL = `
CREATE TABLE IF NOT EXISTS requests (
  request_id TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  as_of INTEGER NOT NULL,
  user_id INTEGER,
  endpoint TEXT NOT NULL,
  model_version TEXT,
  recommendations TEXT,
  scores TEXT,
  latency_ms REAL NOT NULL,
  is_fallback INTEGER,
  status INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests (timestamp);
CREATE INDEX IF NOT EXISTS requests_by_as_of ON requests (as_of);
`;

export interface RequestLogOptions {
  file: string;
  /** Rows older than this are deleted at open and hourly; at least 7 days (R20). */
  retentionDays?: number;
  flushIntervalMs?: number;
  /** Flush early once this many rows wait. */
  batchSize?: number;
  /** Rows held in memory at most while writes fail or lag; beyond it new rows are dropped. */
  maxPending?: number;
  onWritten?: (rows: number) => void;
  onDropped?: (rows: number, err: unknown) => void;
}

const MIN_RETENTION_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * The request log in the calling thread: rows queue in memory and are written in one transaction per batch,
 * from a timer or setImmediate, never inside a request. Serving runs it on a writer thread (ThreadedRequestLog);
 * tools and tests that write a log file directly use it as it is. A log that cannot be opened or written drops
 * rows and says so through `onDropped`; requests never fail because of it.
 */
export class RequestLog implements RequestLogSink {
  readonly file: string;
  readonly #options: Required<Omit<RequestLogOptions, 'onWritten' | 'onDropped'>> &
    Pick<RequestLogOptions, 'onWritten' | 'onDropped'>;
  readonly #queue: Batcher<RequestLogRow>;
  #db: Database.Database | undefined;
  #insert: ((rows: RequestLogRow[]) => void) | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #openError: unknown;
  #closed = false;

  constructor(options: RequestLogOptions) {
    const retentionDays = Math.max(MIN_RETENTION_DAYS, options.retentionDays ?? MIN_RETENTION_DAYS);
    this.#options = { retentionDays, flushIntervalMs: 200, batchSize: 500, maxPending: 100_000, ...options };
    this.#options.retentionDays = retentionDays;
    this.file = options.file;
    try {
      this.#open();
    } catch (err) {
      this.#openError = err;
      process.stderr.write(
        `serving: request log ${this.file} cannot be opened (${(err as Error).message}); rows will be dropped\n`,
      );
    }
    this.#queue = new Batcher((rows) => this.#write(rows), {
      intervalMs: this.#options.flushIntervalMs,
      batchSize: this.#options.batchSize,
    });
    this.#pruneTimer = setInterval(() => this.prune(), 3_600_000);
    this.#pruneTimer.unref();
  }

  /** True when the file is open; a log that failed to open only counts drops. */
  get writable(): boolean {
    return this.#db !== undefined;
  }

  get pending(): number {
    return this.#queue.length;
  }

  append(row: RequestLogRow): void {
    if (this.#closed || this.#queue.length >= this.#options.maxPending) {
      this.#options.onDropped?.(1, new Error('request log is closed or its queue is full'));
      return;
    }
    this.#queue.push(row);
  }

  /** Writes every queued row now; on failure the batch is dropped and counted. */
  flush(): void {
    this.#queue.flush();
  }

  /** Deletes rows past the retention window; returns how many went. */
  prune(now = Date.now()): number {
    if (!this.#db) return 0;
    try {
      const cutoff = now - this.#options.retentionDays * DAY_MS;
      return this.#db.prepare('DELETE FROM requests WHERE timestamp < ?').run(cutoff).changes;
    } catch {
      return 0;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#queue.stop();
    clearInterval(this.#pruneTimer);
    this.flush();
    this.#closed = true;
    try {
      this.#db?.close();
    } catch {
      // Closing a broken handle cannot lose more than the drops already counted.
    }
    this.#db = undefined;
    this.#insert = undefined;
  }

  #write(batch: RequestLogRow[]): void {
    if (!this.#insert) {
      this.#options.onDropped?.(batch.length, this.#openError);
      return;
    }
    try {
      this.#insert(batch);
      this.#options.onWritten?.(batch.length);
    } catch (err) {
      this.#options.onDropped?.(batch.length, err);
    }
  }

  #open(): void {
    // Never wait on a lock, not even at open: a busy file drops rows instead of stalling the caller.
    const db = new Database(this.file, { timeout: 0 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(REQUESTS_DDL);
      const statement = db.prepare(
        `INSERT INTO requests (request_id, timestamp, as_of, user_id, endpoint, model_version, recommendations,
           scores, latency_ms, is_fallback, status)
         VALUES (@request_id, @timestamp, @as_of, @user_id, @endpoint, @model_version, @recommendations,
           @scores, @latency_ms, @is_fallback, @status)`,
      );
      this.#insert = db.transaction((rows: RequestLogRow[]) => {
        for (const row of rows) {
          statement.run({
            ...row,
            recommendations: row.recommendations ? JSON.stringify(row.recommendations) : null,
            scores: row.scores ? JSON.stringify(row.scores) : null,
            is_fallback: row.is_fallback === null ? null : row.is_fallback ? 1 : 0,
          });
        }
      });
      this.#db = db;
      this.prune();
    } catch (err) {
      db.close();
      throw err;
    }
  }
}
