import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { readProductionPointer } from '@recsys/core/registry/pointer';
import type { ModelHandle } from './handle.ts';
import type { ModelSlot } from './slot.ts';

export interface FollowOptions {
  store: string;
  modelName: string;
  slot: ModelSlot;
  load: (store: string, modelName: string, version: string) => Promise<ModelHandle>;
  /** fs.watch can miss events (network volumes, editors that replace dirs): poll as well. */
  pollMs?: number;
  onSwap?: (from: string | undefined, to: string) => void;
  onError?: (version: string, err: unknown) => void;
  /** A version that failed to load is tried again after this long (it may have been repaired in place). */
  retryMs?: number;
  now?: () => number;
}

/** Serving differs from what the registry says is Production: since when, and what Production is (null: none). */
export interface Divergence {
  since: number;
  production: string | null;
  served: string | undefined;
  reason: string;
}

export interface Follower {
  /** Looks at the pointer now; resolves once any load it started has finished. */
  check(): Promise<void>;
  /** Null while the served version is Production's. */
  divergence(): Divergence | null;
  stop(): void;
}

export const RETRY_FAILED_MS = 30_000;

/**
 * Follows the store's Production pointer (`<store>/<model>/PRODUCTION`): when it names another version, that
 * bundle is loaded and verified in the background and swapped in with one assignment. A bundle that fails to
 * load is reported and tried again every `retryMs` (it may be repaired in place); the old model keeps serving, and
 * `divergence()` says since when serving has not been Production (a failed load, a pointer to nothing, a store
 * that vanished) so readiness and metrics can tell the truth.
 */
export function followProduction(options: FollowOptions): Follower {
  const { store, modelName, slot } = options;
  const now = options.now ?? Date.now;
  const retryMs = options.retryMs ?? RETRY_FAILED_MS;
  let loading: Promise<void> | undefined;
  let failed: { version: string; at: number; message: string } | undefined;
  let diverged: Divergence | null = null;
  let stopped = false;

  const observe = (production: string | null, reason: string) => {
    const served = slot.current?.info.version;
    if (production !== null && production === served) diverged = null;
    else diverged = { since: diverged?.since ?? now(), production, served, reason };
  };

  const check = async (): Promise<void> => {
    if (stopped) return;
    if (loading) return loading;
    let version: string | null;
    try {
      version = readProductionPointer(store, modelName);
    } catch (err) {
      options.onError?.('PRODUCTION', err);
      observe(null, `the Production pointer cannot be read: ${(err as Error).message}`);
      return;
    }
    observe(
      version,
      version === null
        ? `no Production version in ${store}/${modelName} (pointer missing or the store is gone)`
        : failed?.version === version
          ? `Production ${version} failed to load: ${failed.message}`
          : `Production is ${version}, not loaded yet`,
    );
    if (!version || version === slot.current?.info.version) return;
    if (failed?.version === version && now() - failed.at < retryMs) return;
    const target = version;
    loading = (async () => {
      try {
        const model = await options.load(store, modelName, target);
        if (stopped) return;
        const from = slot.current?.info.version;
        slot.swap(model);
        failed = undefined;
        observe(target, '');
        options.onSwap?.(from, target);
      } catch (err) {
        failed = { version: target, at: now(), message: (err as Error).message };
        observe(target, `Production ${target} failed to load: ${failed.message}`);
        options.onError?.(target, err);
      }
    })().finally(() => {
      loading = undefined;
    });
    await loading;
    // The pointer may have moved again while this load ran.
    if (!stopped && readProductionPointer(store, modelName) !== slot.current?.info.version) await check();
  };

  let watcher: FSWatcher | undefined;
  try {
    // The pointer is replaced by rename, so watch its directory, not the file.
    watcher = watch(path.join(store, modelName), (_event, file) => {
      if (file === null || String(file).startsWith('PRODUCTION')) void check();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  const timer = setInterval(() => void check(), options.pollMs ?? 1000);
  timer.unref();

  return {
    check,
    divergence: () => diverged,
    stop() {
      stopped = true;
      clearInterval(timer);
      watcher?.close();
    },
  };
}
