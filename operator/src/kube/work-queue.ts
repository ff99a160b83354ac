/** How a failing key is retried: exponential backoff from `baseMs` up to `maxMs`, each delay spread by ± `jitter`. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** A share of the delay (0.1 = ±10%), so keys that failed together do not retry together. */
  jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, maxMs: 5 * 60_000, jitter: 0.1 };

/** The delay before retry number `failures` (1 = the first retry), before jitter. */
export function backoffMs(policy: RetryPolicy, failures: number): number {
  return Math.min(policy.baseMs * 2 ** (failures - 1), policy.maxMs);
}

export interface WorkQueueOptions {
  /** Handles one key; resolves with when to look again (ms) or null, rejects to be retried with backoff. */
  handle: (key: string) => Promise<number | null>;
  retry?: RetryPolicy;
  /** A failure worth a line (conflicts are retried quietly: the next pass reads the newer object). */
  onFailure?: (key: string, error: unknown, retryInMs: number) => void;
  random?: () => number;
}

/**
 * The controller-runtime work queue: a key is queued at most once, handled by one worker at a time, and a key
 * whose handling fails comes back after a growing, jittered delay; a success forgets its failures.
 */
export class WorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #retry: RetryPolicy;
  readonly #queued = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #failures = new Map<string, number>();
  #draining: Promise<void> | undefined;
  #stopped = false;

  constructor(options: WorkQueueOptions) {
    this.#options = options;
    this.#retry = options.retry ?? DEFAULT_RETRY;
  }

  /** Queues the key now, or after `afterMs` (a later add of the same key replaces the wait). */
  add(key: string, afterMs = 0): void {
    if (!key || this.#stopped) return;
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
    if (afterMs > 0) {
      this.#timers.set(
        key,
        setTimeout(() => this.add(key), afterMs),
      );
      return;
    }
    this.#queued.add(key);
    this.#startDraining();
  }

  /** Queues every key that is not waiting out a failure's backoff (a periodic resync must not cut it short). */
  addAll(keys: Iterable<string>): void {
    for (const key of keys) if (!(this.failures(key) > 0 && this.#timers.has(key))) this.add(key);
  }

  /** Consecutive failures of a key (0 after a success). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Stops taking keys and waits for the one being handled. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#draining;
  }

  #startDraining(): void {
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#queued.size > 0 && !this.#stopped) this.#startDraining();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queued.size > 0 && !this.#stopped) {
      const key = this.#queued.values().next().value as string;
      this.#queued.delete(key);
      try {
        const requeueMs = await this.#options.handle(key);
        this.#failures.delete(key);
        if (requeueMs !== null) this.add(key, requeueMs);
      } catch (error) {
        const failures = this.failures(key) + 1;
        this.#failures.set(key, failures);
        const random = this.#options.random ?? Math.random;
        const spread = 1 + this.#retry.jitter * (2 * random() - 1);
        const delay = Math.round(backoffMs(this.#retry, failures) * spread);
        this.#options.onFailure?.(key, error, delay);
        // A newer event for the key may have queued it meanwhile; the backoff still wins, so a failing key cannot spin.
        this.#queued.delete(key);
        this.add(key, delay);
      }
    }
  }
}
