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
}

export interface Follower {
  /** Looks at the pointer now; resolves once any load it started has finished. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Follows the store's Production pointer (`<store>/<model>/PRODUCTION`): when it names another version, that
 * bundle is loaded and verified in the background and swapped in with one assignment. A bundle that fails to
 * load is reported and skipped until the pointer moves again; the old model keeps serving.
 */
export function followProduction(options: FollowOptions): Follower {
  const { store, modelName, slot } = options;
  let loading: Promise<void> | undefined;
  let failedVersion: string | undefined;
  let stopped = false;

  const check = async (): Promise<void> => {
    if (stopped) return;
    if (loading) return loading;
    let version: string | null;
    try {
      version = readProductionPointer(store, modelName);
    } catch (err) {
      options.onError?.('PRODUCTION', err);
      return;
    }
    if (!version || version === slot.current?.info.version || version === failedVersion) return;
    const target = version;
    loading = (async () => {
      try {
        const model = await options.load(store, modelName, target);
        if (stopped) return;
        const from = slot.current?.info.version;
        slot.swap(model);
        failedVersion = undefined;
        options.onSwap?.(from, target);
      } catch (err) {
        failedVersion = target;
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
    stop() {
      stopped = true;
      clearInterval(timer);
      watcher?.close();
    },
  };
}
