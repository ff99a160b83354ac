import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The Production pointer: `<store>/<model>/PRODUCTION` holds the version string serving follows (`--follow`).
 * The registry writes it after its own transaction commits, by rename, so a reader sees the old or the new
 * version and never a torn one.
 */
export const PRODUCTION_POINTER = 'PRODUCTION';

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
}
