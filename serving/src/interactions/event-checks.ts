import type { Interaction } from '@recsys/core/api/schemas';
import { ApiError } from '../api/errors.ts';
import type { Rate } from './rate-limit.ts';
import { RateLimiter } from './rate-limit.ts';

/** How far ahead of the server's clock an event may be (clock skew), in seconds. */
export const FUTURE_SLACK_SECONDS = 5 * 60;

/** The event's time in epoch seconds: a missing timestamp means "now". */
export function eventSeconds(timestamp: number | string | undefined, receivedAtMs: number): number {
  if (timestamp === undefined) return Math.floor(receivedAtMs / 1000);
  if (typeof timestamp === 'number') return timestamp;
  return Math.floor(Date.parse(timestamp) / 1000);
}

/**
 * Every event must have happened within [the dataset's first interaction, now + 5 min]: a far-future time would
 * outrank every genuine re-rating at the retraining merge, and one before the data began is not a MovieLens event.
 */
export function checkEventTimes(
  batch: readonly Interaction[],
  single: boolean,
  receivedAtMs: number,
  dataStartSeconds: number | null,
): number[] {
  const latest = Math.floor(receivedAtMs / 1000) + FUTURE_SLACK_SECONDS;
  const earliest = dataStartSeconds ?? 0;
  return batch.map((event, i) => {
    const seconds = eventSeconds(event.timestamp, receivedAtMs);
    const field = single ? 'timestamp' : `[${i}].timestamp`;
    if (seconds > latest || seconds < earliest) {
      const when =
        seconds > latest ? `after now + 5 min (${iso(latest)})` : `before the data begins (${iso(earliest)})`;
      throw new ApiError(
        400,
        'invalid_timestamp',
        `${field} ${JSON.stringify(event.timestamp)} (${iso(seconds)}) is ${when}; send when the interaction happened, or leave it out to mean now`,
        { field, earliest: iso(earliest), latest: iso(latest) },
      );
    }
    return seconds;
  });
}

function iso(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}

export interface WriteLimits {
  /** Events per second per API key; null: no per-key limit. */
  perKey: Rate | null;
  /** Events per second per user id; null: no per-user limit. */
  perUser: Rate | null;
  /** The clock the buckets refill by, in ms (tests drive it; the default is the monotonic clock). */
  now?: () => number;
}

/**
 * The per-key and per-user limits on posted events: a batch is refused whole (429 + Retry-After) when over, and only
 * the events actually stored are charged, after the append, so the documented retry of a 503 is not charged twice
 * (a retry of a batch already stored is still checked, but charges nothing). Concurrent batches may both pass the check; the buckets then go below zero and the
 * next batch waits that much longer.
 */
export class WriteLimiter {
  readonly #perKey: RateLimiter | null;
  readonly #perUser: RateLimiter | null;

  constructor(limits: WriteLimits) {
    this.#perKey = limits.perKey ? new RateLimiter(limits.perKey, { maxIds: 10_000, now: limits.now }) : null;
    this.#perUser = limits.perUser ? new RateLimiter(limits.perUser, { now: limits.now }) : null;
  }

  /** Throws the 429 when the batch is over the key's or a user's rate; takes nothing. */
  check(keyId: string, userIds: readonly number[]): void {
    const perUser = countByUser(userIds);
    let wait = this.#perKey?.wait(keyId, userIds.length) ?? 0;
    let limited = wait > 0 ? `API key (${userIds.length} events)` : '';
    for (const [user, count] of perUser) {
      const userWait = this.#perUser?.wait(user, count) ?? 0;
      if (userWait > wait) {
        wait = userWait;
        limited = `user ${user} (${count} events)`;
      }
    }
    if (wait > 0) {
      const seconds = Number.isFinite(wait) ? Math.max(1, Math.ceil(wait)) : 60;
      throw new ApiError(
        429,
        'rate_limited',
        `too many interactions for ${limited}; retry after ${seconds} s${Number.isFinite(wait) ? '' : ' with a smaller batch'}`,
        { retry_after_seconds: seconds },
        { 'Retry-After': String(seconds) },
      );
    }
  }

  /** Charges the events that were stored (one user id each). */
  charge(keyId: string, userIds: readonly number[]): void {
    if (userIds.length === 0) return;
    this.#perKey?.take(keyId, userIds.length);
    for (const [user, count] of countByUser(userIds)) this.#perUser?.take(user, count);
  }
}

function countByUser(userIds: readonly number[]): Map<number, number> {
  const perUser = new Map<number, number>();
  for (const user of userIds) perUser.set(user, (perUser.get(user) ?? 0) + 1);
  return perUser;
}
