import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EventRow } from './event-log.ts';
import { isLogFile, type LogKind } from './files.ts';
import { isCorruptFile, quarantineFile } from './quarantine.ts';
import type { RequestLogRow } from './request-log.ts';

export interface LogQuery {
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Move a corrupt file into `quarantine/` and report it, instead of listing it as a problem on every read. */
  quarantine?: boolean;
}

export interface FileProblem {
  file: string;
  error: string;
}

export interface LogRead<Row> {
  rows: Row[];
  files: string[];
  problems: FileProblem[];
  /** Corrupt files moved aside (with `quarantine: true`), each with where it went and why. */
  quarantined: FileProblem[];
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
    'SELECT * FROM requests WHERE timestamp >= ? AND timestamp < ? ORDER BY timestamp',
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
    'SELECT * FROM events WHERE received_at >= ? AND received_at < ? ORDER BY received_at, rowid',
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
 * One time-range query over every file. A file that cannot be read (being created, corrupt) is listed in
 * `problems` instead of failing the whole read.
 */
function readEach<Stored, Row>(
  files: string[],
  sql: string,
  query: LogQuery,
  decode: (row: Stored) => Row,
): LogRead<Row> {
  const rows: Row[] = [];
  const problems: FileProblem[] = [];
  const quarantined: FileProblem[] = [];
  for (const file of files) {
    try {
      const stored = withDatabase(
        file,
        (db) => db.prepare(sql).all(query.since ?? 0, query.until ?? Number.MAX_SAFE_INTEGER) as Stored[],
      );
      for (const row of stored) rows.push(decode(row));
    } catch (err) {
      if (query.quarantine && isCorruptFile(err))
        quarantined.push({ file: quarantineFile(file), error: (err as Error).message });
      else problems.push({ file, error: (err as Error).message });
    }
  }
  return { rows, files, problems, quarantined };
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
