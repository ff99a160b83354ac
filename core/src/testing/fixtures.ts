import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The MovieLens 100K directory when present (RECSYS_ML100K, or ../shared/data/ml-100k beside the repo or its worktree).
 * Its licence forbids committing it, so tests that need it ask here; under CI=true its absence is a failure,
 * never a silent skip.
 */
export function ml100kDir(): string | undefined {
  // A git worktree under wt/<name>/ sits one level deeper than the main checkout beside shared/.
  const candidates = process.env.RECSYS_ML100K
    ? [process.env.RECSYS_ML100K]
    : ['../shared/data/ml-100k', '../../shared/data/ml-100k'].map((dir) => path.resolve(repoRoot, dir));
  const found = candidates.find((dir) => existsSync(path.join(dir, 'u.data')));
  if (found) return found;
  if (process.env.CI === 'true') throw new Error(`MovieLens 100K not found at ${candidates[0]} (set RECSYS_ML100K)`);
  return undefined;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'recsys-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
