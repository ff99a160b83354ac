import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
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
  const temp = `${target}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, `${version}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
  const history = readProductionHistory(store, modelName);
  if (history[0] !== version) appendFileSync(path.join(store, modelName, PRODUCTION_HISTORY), `${version}\n`);
}

/** The versions that were Production, newest first (the current one included). */
export function readProductionHistory(store: string, modelName: string): string[] {
  try {
    return readFileSync(path.join(store, modelName, PRODUCTION_HISTORY), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .reverse();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
