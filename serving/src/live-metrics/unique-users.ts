import { HyperLogLog } from './hyperloglog.ts';

export interface UniqueUsersOptions {
  /** Width of one sketch; a window is answered by merging the sketches it covers. */
  bucketMs?: number;
  /** The longest window asked for; older buckets are recycled. */
  horizonMs?: number;
  precision?: number;
}

/**
 * Distinct users over sliding windows (1 h, 24 h): one HyperLogLog per time bucket in a ring, merged on demand.
 * No user id is kept, only register maxima.
 */
export class UniqueUsers {
  readonly bucketMs: number;
  readonly #sketches: HyperLogLog[];
  /** The bucket number (time / bucketMs) each ring slot currently holds; -1 when empty. */
  readonly #slotBucket: Float64Array;
  readonly #precision: number;

  constructor(options: UniqueUsersOptions = {}) {
    this.bucketMs = options.bucketMs ?? 300_000;
    const horizonMs = options.horizonMs ?? 86_400_000;
    this.#precision = options.precision ?? 12;
    const slots = Math.ceil(horizonMs / this.bucketMs) + 1;
    this.#sketches = Array.from({ length: slots }, () => new HyperLogLog(this.#precision));
    this.#slotBucket = new Float64Array(slots).fill(-1);
  }

  add(userId: number, now = Date.now()): void {
    const bucket = Math.floor(now / this.bucketMs);
    const slot = bucket % this.#sketches.length;
    if (this.#slotBucket[slot] !== bucket) {
      this.#sketches[slot].clear();
      this.#slotBucket[slot] = bucket;
    }
    this.#sketches[slot].add(userId);
  }

  /** Estimated distinct users in the last `windowMs` (rounded to whole buckets, the current one included). */
  estimate(windowMs: number, now = Date.now()): number {
    const current = Math.floor(now / this.bucketMs);
    const oldest = current - Math.ceil(windowMs / this.bucketMs) + 1;
    const union = new HyperLogLog(this.#precision);
    for (let slot = 0; slot < this.#sketches.length; slot++) {
      const bucket = this.#slotBucket[slot];
      if (bucket >= oldest && bucket <= current) union.merge(this.#sketches[slot]);
    }
    return Math.round(union.estimate());
  }
}
