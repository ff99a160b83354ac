import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The Production pointer: `<store>/<model>/PRODUCTION` holds the version string serving follows (`--follow`).
 * The registry writes it after its own transaction commits, by rename, so a reader sees the old or the new
 * version and never a torn one.
 */
export const PRODUCTION_POINTER = 'PRODUCTION';
/** Every version the pointer ever named, one a line, oldest first: where serving finds an earlier Production. */
export const PRODUCTION_HISTORY = 'PRODUCTION.history';

export function productionPointerPath(store: string, modelName: string): string {
  return path.join(store, modelName, PRODUCTION_POINTER);
}

/** The version Production points at, or null when nothing has been promoted yet. */
export function readProductionPointer(store: string, modelName: string): string | null {
  try {
    const version = readFileSync(productionPointerPath(store, modelName), 'utf8').trim();
    return version.length > 0 ? version : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function writeProductionPointer(store: string, modelName: string, version: string): void {
  const target = productionPointerPath(store, modelName);
  mkdirSync(path.dirname(target), { recursive: true });
  // The history first, synced: a crash between the two leaves a history line ahead of the pointer (harmless: the
  // line names a version that exists), never a Production the history does not hold.
  if (readProductionHistory(store, modelName)[0] !== version) {
    writeSynced(path.join(store, modelName, PRODUCTION_HISTORY), `${version}\n`, 'a');
  }
  const temp = `${target}.tmp-${process.pid}`;
  writeSynced(temp, `${version}\n`, 'w');
  renameSync(temp, target);
}

function writeSynced(file: string, text: string, flags: 'a' | 'w'): void {
  const fd = openSync(file, flags);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The versions that were Production, newest first (the current one included). Only whole lines count: an append
 * cut short by a crash has no newline, and a torn version name must never be taken for one to open.
 */
export function readProductionHistory(store: string, modelName: string): string[] {
  try {
    const text = readFileSync(path.join(store, modelName, PRODUCTION_HISTORY), 'utf8');
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .reverse();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
