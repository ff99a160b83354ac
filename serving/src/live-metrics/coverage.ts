export interface CoverageOptions {
  /** The sliding window's length. */
  windowMs?: number;
  /** Granularity the window slides by. */
  bucketMs?: number;
}

/**
 * Which movies have been recommended, since start and over a sliding window, as a share of the movies the model
 * can rank (catalogue coverage). Since-start keeps one bit per movie id seen; the window keeps one set per bucket.
 */
export class CatalogueCoverage {
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly #sinceStart = new Set<number>();
  readonly #buckets = new Map<number, Set<number>>();

  constructor(options: CoverageOptions = {}) {
    this.windowMs = options.windowMs ?? 3_600_000;
    this.bucketMs = options.bucketMs ?? 60_000;
  }

  add(movieIds: ArrayLike<number>, now = Date.now()): void {
    const bucket = Math.floor(now / this.bucketMs);
    let set = this.#buckets.get(bucket);
    if (!set) {
      this.#buckets.set(bucket, (set = new Set()));
      this.#forgetBefore(bucket - this.#bucketsPerWindow() + 1);
    }
    for (let i = 0; i < movieIds.length; i++) {
      set.add(movieIds[i]);
      this.#sinceStart.add(movieIds[i]);
    }
  }

  /** Distinct movies recommended since the process started. */
  sinceStart(): number {
    return this.#sinceStart.size;
  }

  /** Distinct movies recommended in the window ending now. */
  inWindow(now = Date.now()): number {
    const current = Math.floor(now / this.bucketMs);
    const oldest = current - this.#bucketsPerWindow() + 1;
    const union = new Set<number>();
    for (const [bucket, set] of this.#buckets) {
      if (bucket >= oldest && bucket <= current) for (const id of set) union.add(id);
    }
    return union.size;
  }

  #bucketsPerWindow(): number {
    return Math.ceil(this.windowMs / this.bucketMs);
  }

  #forgetBefore(oldest: number): void {
    for (const bucket of this.#buckets.keys()) if (bucket < oldest) this.#buckets.delete(bucket);
  }
}
