import type { EventRow } from '@recsys/core/logs/event-log';
import { describe, expect, it } from 'vitest';
import type { AppendResult, EventStore, StreamedEvent, UserRead } from '../events/event-store.ts';
import { UserHistory } from './user-history.ts';

/**
 * A shared store in memory (the real one is PostgreSQL, tested in events/replicas.int.test.ts): reads resolve when the
 * test says, and the test delivers stream events by hand, so the orderings a real stream can produce are all tried.
 */
class ScriptedStream implements EventStore {
  apply: (events: StreamedEvent[]) => void = () => {};
  pendingRead: ((read: UserRead) => void) | undefined;
  follow(apply: (events: StreamedEvent[]) => void): void {
    this.apply = apply;
  }
  async append(rows: EventRow[]): Promise<AppendResult> {
    return { stored: rows, duplicates: 0 };
  }
  ratingsOf(_userId: number): Promise<UserRead> {
    return new Promise((resolve) => {
      this.pendingRead = resolve;
    });
  }
  async restore() {
    return { summary: '', tailEvents: 0, quarantined: [] };
  }
  async close() {}
}

const like = (id: number, movie: number, rating = 5): StreamedEvent => ({ id, user_id: 7, movie_id: movie, rating });

describe('fold-in users over a shared event stream', () => {
  it('applies to a held user only the events after the position its read included, each once', async () => {
    const stream = new ScriptedStream();
    const history = new UserHistory(stream);
    const reading = history.of(7);
    stream.pendingRead?.({ ratings: [{ movie_id: 1, rating: 5 }], position: 10 });
    expect((await reading).rated()).toEqual([1]);
    // Event 9 is already in the read (an older rating of movie 1); event 11 is new.
    stream.apply([like(9, 1, 1), like(11, 2)]);
    const ratings = await history.of(7);
    expect(ratings.liked()).toEqual([1, 2]);
    stream.apply([like(11, 2, 1)]);
    expect((await history.of(7)).liked()).toEqual([1, 2]);
  });

  it('keeps the events the stream delivered while the user was being read, and only those newer than the read', async () => {
    const stream = new ScriptedStream();
    const history = new UserHistory(stream);
    const reading = history.of(7);
    // The read's snapshot holds events up to 20 (movie 3 liked at 20); the stream delivers 19 (older) and 21 meanwhile.
    stream.apply([like(19, 3, 1), like(21, 4)]);
    stream.pendingRead?.({ ratings: [{ movie_id: 3, rating: 5 }], position: 20 });
    expect((await reading).liked()).toEqual([3, 4]);
  });

  it('answers without the posted events while the store cannot be read, and reads the user again later', async () => {
    const stream = new ScriptedStream();
    let down = true;
    stream.ratingsOf = () =>
      down
        ? Promise.reject(new Error('connect ECONNREFUSED'))
        : Promise.resolve({ ratings: [{ movie_id: 5, rating: 5 }], position: 3 });
    const unavailable: unknown[] = [];
    let now = 0;
    const history = new UserHistory(stream, {
      onUnavailable: (err) => unavailable.push(err),
      outageBackoffMs: 5000,
      now: () => now,
    });
    const meanwhile = await history.of(7);
    expect(meanwhile.complete).toBe(false);
    expect(meanwhile.any).toBe(false);
    expect(history.holds(7)).toBe(false);
    expect(unavailable).toHaveLength(1);
    down = false;
    now = 5001;
    const back = await history.of(7);
    expect(back.complete).toBe(true);
    expect(back.liked()).toEqual([5]);
  });
});

/** A store whose reads the test counts, fails or leaves hanging. */
class CountedStore extends ScriptedStream {
  reads: number[] = [];
  ratings = new Map<number, UserRead>();
  mode: 'answer' | 'fail' | 'hang' = 'answer';
  override ratingsOf(userId: number): Promise<UserRead> {
    this.reads.push(userId);
    if (this.mode === 'fail') return Promise.reject(new Error('connect ECONNREFUSED'));
    if (this.mode === 'hang') return new Promise(() => {});
    return Promise.resolve(this.ratings.get(userId) ?? { ratings: [], position: 0 });
  }
}

describe('reads of users who posted nothing, and reads during an outage', () => {
  it('does not hold users with no events, so reading many of them neither evicts posters nor re-reads them', async () => {
    const store = new CountedStore();
    store.ratings.set(7, { ratings: [{ movie_id: 1, rating: 5 }], position: 1 });
    const history = new UserHistory(store, { maxUsers: 2 });
    expect((await history.of(7)).liked()).toEqual([1]);
    for (let user = 100; user < 200; user++) expect((await history.of(user)).any).toBe(false);
    for (let user = 100; user < 200; user++) await history.of(user);
    expect(history.holds(7)).toBe(true);
    expect(history.users).toBe(1);
    expect(store.reads.filter((user) => user === 150)).toHaveLength(1);
  });

  it('by default remembers every user of an ML-25M-sized model (162,541) as empty, so none is read twice', async () => {
    const store = new CountedStore();
    const history = new UserHistory(store);
    for (let pass = 0; pass < 2; pass++) {
      for (let user = 1; user <= 162_541; user++) await history.of(user);
    }
    expect(store.reads).toHaveLength(162_541);
  });

  it('reads a user known to be empty again once they post (appended here or streamed from another replica)', async () => {
    const store = new CountedStore();
    const history = new UserHistory(store);
    expect((await history.of(8)).any).toBe(false);
    store.apply([{ id: 5, user_id: 8, movie_id: 2, rating: 5 }]);
    store.ratings.set(8, { ratings: [{ movie_id: 2, rating: 5 }], position: 5 });
    expect((await history.of(8)).liked()).toEqual([2]);
    expect(store.reads).toEqual([8, 8]);
  });

  it('after a failed read, answers at once without asking the store until the backoff passes', async () => {
    const store = new CountedStore();
    store.mode = 'fail';
    let now = 0;
    const history = new UserHistory(store, { outageBackoffMs: 5000, now: () => now });
    expect((await history.of(1)).complete).toBe(false);
    for (let user = 2; user < 50; user++) expect((await history.of(user)).complete).toBe(false);
    expect(store.reads).toEqual([1]);
    now = 5001;
    store.mode = 'answer';
    expect((await history.of(2)).complete).toBe(true);
  });

  it('answers within the read timeout when the store hangs, and does not queue other reads behind it', async () => {
    const store = new CountedStore();
    store.mode = 'hang';
    const history = new UserHistory(store, { readTimeoutMs: 20 });
    expect((await history.of(1)).complete).toBe(false);
    expect((await history.of(2)).complete).toBe(false);
    expect(store.reads).toEqual([1]);
  });
});
