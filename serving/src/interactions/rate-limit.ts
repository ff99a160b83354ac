/** A token-bucket rate: `perSecond` sustained, up to `burst` at once. */
export interface Rate {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by id (an API key or a user), counting events. At most `maxIds` buckets are kept: the least
 * recently used is dropped first, which only forgives a client that has been quiet longest.
 */
export class RateLimiter {
  readonly #rate: Rate;
  readonly #buckets = new Map<string | number, Bucket>();
  readonly #maxIds: number;
  readonly #now: () => number;

  constructor(rate: Rate, options: { maxIds?: number; now?: () => number } = {}) {
    if (!(rate.perSecond > 0) || !(rate.burst >= 1)) {
      throw new Error(`a rate limit needs perSecond > 0 and burst >= 1, got ${rate.perSecond}/s burst ${rate.burst}`);
    }
    this.#rate = rate;
    this.#maxIds = options.maxIds ?? 100_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Seconds until `cost` tokens are there for `id` (0: there now). Takes nothing; `take` does. */
  wait(id: string | number, cost: number): number {
    const bucket = this.#refilled(id);
    if (bucket.tokens >= cost) return 0;
    if (cost > this.#rate.burst) return Number.POSITIVE_INFINITY;
    return (cost - bucket.tokens) / this.#rate.perSecond;
  }

  take(id: string | number, cost: number): void {
    const bucket = this.#refilled(id);
    bucket.tokens -= cost;
    this.#buckets.delete(id);
    this.#buckets.set(id, bucket);
    if (this.#buckets.size > this.#maxIds) this.#buckets.delete(this.#buckets.keys().next().value as string | number);
  }

  #refilled(id: string | number): Bucket {
    const now = this.#now();
    const bucket = this.#buckets.get(id) ?? { tokens: this.#rate.burst, at: now };
    bucket.tokens = Math.min(this.#rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate.perSecond);
    bucket.at = now;
    return bucket;
  }
}
