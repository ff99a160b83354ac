import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EventRow } from './event-log.ts';
import { isLogFile, type LogKind } from './files.ts';
import { isCorruptFile } from './quarantine.ts';
import type { RequestLogRow } from './request-log.ts';

export interface LogQuery {
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

export interface FileProblem {
  file: string;
  error: string;
}

export interface LogRead<Row> {
  rows: Row[];
  files: string[];
  problems: FileProblem[];
  /**
   * Files SQLite calls corrupt: their rows up to the damage are in `rows`, the rest is skipped. They stay where
   * they are, since a live serving process may still append to them; serving quarantines its own at start-up.
   */
  damaged: (FileProblem & { rows_read: number })[];
}

/** The log files of one kind in a directory (every serving process's), oldest name first. */
export function logFiles(dir: string, kind: LogKind): string[] {
  return readdirSync(dir)
    .filter((name) => isLogFile(kind, name))
    .sort()
    .map((name) => path.join(dir, name));
}

interface StoredRequest extends Omit<RequestLogRow, 'recommendations' | 'scores' | 'is_fallback'> {
  recommendations: string | null;
  scores: string | null;
  is_fallback: number | null;
}

type StoredEvent = Omit<EventRow, 'in_model' | 'event_id'> & { in_model: number; event_id?: string | null };

/** Request-log rows from every file of `dir` in the time range, ordered by timestamp. */
export function readRequestLogs(dir: string, query: LogQuery = {}): LogRead<RequestLogRow> {
  const read = readEach(
    logFiles(dir, 'requests'),
    'SELECT * FROM requests WHERE timestamp >= ? AND timestamp < ?',
    query,
    (row: StoredRequest): RequestLogRow => ({
      ...row,
      recommendations: row.recommendations ? (JSON.parse(row.recommendations) as number[]) : null,
      scores: row.scores ? (JSON.parse(row.scores) as number[]) : null,
      is_fallback: row.is_fallback === null ? null : row.is_fallback === 1,
    }),
  );
  read.rows.sort((a, b) => a.timestamp - b.timestamp);
  return read;
}

/** Posted interactions from every event log of `dir`, in the order they were received. */
export function readEventLogs(dir: string, query: LogQuery = {}): LogRead<EventRow> {
  const read = readEach(
    logFiles(dir, 'events'),
    // Rowid order (no ORDER BY, so no sort that reads the whole file first): a damaged file yields the rows
    // before its damage, and the stable sort below keeps arrival order among equal times.
    'SELECT * FROM events WHERE received_at >= ? AND received_at < ?',
    query,
    ({ event_id, ...row }: StoredEvent): EventRow => ({
      ...row,
      ...(event_id ? { event_id } : {}),
      in_model: row.in_model === 1,
    }),
  );
  read.rows.sort((a, b) => a.received_at - b.received_at);
  return read;
}

/**
 * One time-range query over every file, row by row. A file that cannot be read (being created) is listed in
 * `problems`, a corrupt one in `damaged` with the rows read before the damage kept; neither fails the whole read.
 */
function readEach<Stored, Row>(
  files: string[],
  sql: string,
  query: LogQuery,
  decode: (row: Stored) => Row,
): LogRead<Row> {
  const rows: Row[] = [];
  const problems: FileProblem[] = [];
  const damaged: LogRead<Row>['damaged'] = [];
  for (const file of files) {
    const before = rows.length;
    try {
      withDatabase(file, (db) => {
        for (const row of db.prepare(sql).iterate(query.since ?? 0, query.until ?? Number.MAX_SAFE_INTEGER))
          rows.push(decode(row as Stored));
      });
    } catch (err) {
      const error = (err as Error).message;
      if (isCorruptFile(err)) damaged.push({ file, error, rows_read: rows.length - before });
      else {
        rows.length = before;
        problems.push({ file, error });
      }
    }
  }
  return { rows, files, problems, damaged };
}

function withDatabase<T>(file: string, use: (db: Database.Database) => T): T {
  // Read-write open (never creating): a WAL file may need its -shm created by the reader.
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    return use(db);
  } finally {
    db.close();
  }
}
