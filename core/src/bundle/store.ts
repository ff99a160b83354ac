import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { BundleError } from './errors.ts';
import { MANIFEST_FILE } from './manifest.ts';

/** Layout: `<store>/<model-name>/<version>/`; a writer builds `<store>/<model-name>/.tmp-<pid>@<host>@<version>/`. */
export const TMP_PREFIX = '.tmp-';
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A temp dir from another host cannot be checked for a live writer; past this age it is abandoned. */
const FOREIGN_TMP_MAX_AGE_MS = 24 * 3600 * 1000;

export function assertSafeName(kind: string, name: string): void {
  if (!SAFE_NAME.test(name) || name.length > 200) {
    throw new BundleError(
      `invalid ${kind} "${name}": expected letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
}

export function modelDir(store: string, modelName: string): string {
  assertSafeName('model name', modelName);
  return path.join(store, modelName);
}

/**
 * A new version name, `v<yyyymmdd>-<hhmmss>-<ms>-<6 hex>`: sorts by creation time (UTC) without reading the store
 * or taking a lock, and the random suffix keeps concurrent writers apart.
 */
export function newVersion(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-29T21:30:05.123Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${iso.slice(20, 23)}`;
  return `v${stamp}-${randomBytes(3).toString('hex')}`;
}

function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9-]/g, '_');
}

export function tmpDirName(version: string): string {
  return `${TMP_PREFIX}${process.pid}@${hostTag()}@${version}`;
}

/** Complete versions of a model, oldest first. Temp dirs and anything without a manifest are not versions. */
export function listVersions(store: string, modelName: string): string[] {
  const dir = modelDir(store, modelName);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(path.join(dir, e.name, MANIFEST_FILE)))
    .map((e) => e.name)
    .sort();
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp dirs left by killed writers: on this host those whose writer process is gone, from other hosts
 * those older than a day. Returns the names removed.
 */
export function cleanStaleTmpDirs(modelPath: string): string[] {
  if (!existsSync(modelPath)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(modelPath, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(TMP_PREFIX)) continue;
    const full = path.join(modelPath, entry.name);
    const [pidText, host] = entry.name.slice(TMP_PREFIX.length).split('@');
    const pid = Number(pidText);
    let stale: boolean;
    if (host === hostTag() && Number.isInteger(pid) && pid > 0) {
      stale = pid !== process.pid && !processAlive(pid);
    } else {
      stale = Date.now() - statSync(full).mtimeMs > FOREIGN_TMP_MAX_AGE_MS;
    }
    if (stale) {
      rmSync(full, { recursive: true, force: true });
      removed.push(entry.name);
    }
  }
  return removed;
}
