import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EventRow } from './event-log.ts';
import { isLogFile } from './files.ts';
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

/** The request log files of a directory (every serving process's), oldest name first. */
export function requestLogFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => isLogFile('requests', name))
    .sort()
    .map((name) => path.join(dir, name));
}

export function eventLogFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => isLogFile('events', name))
    .sort()
    .map((name) => path.join(dir, name));
}

interface StoredRequest extends Omit<RequestLogRow, 'recommendations' | 'scores' | 'is_fallback'> {
  recommendations: string | null;
  scores: string | null;
  is_fallback: number | null;
}

/**
 * Request-log rows from every file of `dir` in the time range, ordered by timestamp. A file that cannot be read
 * (being created, corrupt) is listed in `problems` instead of failing the whole read.
 */
export function readRequestLogs(
  dir: string,
  query: LogQuery = {},
): { rows: RequestLogRow[]; files: string[]; problems: FileProblem[] } {
  const files = requestLogFiles(dir);
  const rows: RequestLogRow[] = [];
  const problems: FileProblem[] = [];
  for (const file of files) {
    try {
      const stored = withDatabase(
        file,
        (db) =>
          db
            .prepare('SELECT * FROM requests WHERE timestamp >= ? AND timestamp < ? ORDER BY timestamp')
            .all(query.since ?? 0, query.until ?? Number.MAX_SAFE_INTEGER) as StoredRequest[],
      );
      for (const row of stored) {
        rows.push({
          ...row,
          recommendations: row.recommendations ? (JSON.parse(row.recommendations) as number[]) : null,
          scores: row.scores ? (JSON.parse(row.scores) as number[]) : null,
          is_fallback: row.is_fallback === null ? null : row.is_fallback === 1,
        });
      }
    } catch (err) {
      problems.push({ file, error: (err as Error).message });
    }
  }
  rows.sort((a, b) => a.timestamp - b.timestamp);
  return { rows, files, problems };
}

/** Posted interactions from every event log of `dir`, in the order they were received. */
export function readEventLogs(
  dir: string,
  query: LogQuery = {},
): { rows: EventRow[]; files: string[]; problems: FileProblem[] } {
  const files = eventLogFiles(dir);
  const rows: EventRow[] = [];
  const problems: FileProblem[] = [];
  for (const file of files) {
    try {
      const stored = withDatabase(
        file,
        (db) =>
          db
            .prepare('SELECT * FROM events WHERE received_at >= ? AND received_at < ? ORDER BY received_at, rowid')
            .all(query.since ?? 0, query.until ?? Number.MAX_SAFE_INTEGER) as (Omit<EventRow, 'in_model'> & {
            in_model: number;
          })[],
      );
      for (const row of stored) rows.push({ ...row, in_model: row.in_model === 1 });
    } catch (err) {
      problems.push({ file, error: (err as Error).message });
    }
  }
  rows.sort((a, b) => a.received_at - b.received_at);
  return { rows, files, problems };
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
