import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';

/** Where an unreadable log file is moved, beside the good ones: kept for a person to look at, read by nobody. */
export const QUARANTINE_DIR = 'quarantine';

/** True for SQLite's "this file is damaged or not a database" (not for a busy or half-created file). */
export function isCorruptFile(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** Moves `file` (and its -wal/-shm) into `<its dir>/quarantine/`; returns where it went. */
export function quarantineFile(file: string): string {
  const dir = path.join(path.dirname(file), QUARANTINE_DIR);
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, path.basename(file));
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}
