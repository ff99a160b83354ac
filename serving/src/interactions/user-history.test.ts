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
  ratingsOf(): Promise<UserRead> {
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
    const history = new UserHistory(stream, { onUnavailable: (err) => unavailable.push(err) });
    const meanwhile = await history.of(7);
    expect(meanwhile.complete).toBe(false);
    expect(meanwhile.any).toBe(false);
    expect(history.holds(7)).toBe(false);
    expect(unavailable).toHaveLength(1);
    down = false;
    const back = await history.of(7);
    expect(back.complete).toBe(true);
    expect(back.liked()).toEqual([5]);
  });
});
