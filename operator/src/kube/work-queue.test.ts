import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './work-queue.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A reconcile whose apply fails `failures` times, then succeeds; records when each attempt started. */
function flakyReconcile(failures: number) {
  const attempts: number[] = [];
  const handle = async () => {
    attempts.push(Date.now());
    if (attempts.length <= failures) throw new Error('create Job: 500 etcdserver: request timed out');
    return null;
  };
  return { attempts, handle };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] as number));

describe("the operator's work queue", () => {
  it('retries a failing apply with growing delays (exponential backoff), not a fixed interval', async () => {
    const { attempts, handle } = flakyReconcile(5);
    const retries: number[] = [];
    const queue = new WorkQueue({
      handle,
      retry: { baseMs: 1_000, maxMs: 60_000, jitter: 0 },
      onFailure: (_key, _error, retryInMs) => retries.push(retryInMs),
    });
    queue.add('movies');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts).toHaveLength(6);
    expect(gaps(attempts)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(retries).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    // The success forgot the failures: the next failure starts from the base delay again.
    expect(queue.failures('movies')).toBe(0);
    await queue.stop();
  });

  it('spreads each delay by the jitter and caps it at the maximum', async () => {
    const { attempts, handle } = flakyReconcile(8);
    const random = vi.fn().mockReturnValueOnce(0).mockReturnValueOnce(1).mockReturnValue(0.5);
    const queue = new WorkQueue({ handle, retry: { baseMs: 1_000, maxMs: 10_000, jitter: 0.2 }, random });
    queue.add('movies');
    await vi.advanceTimersByTimeAsync(120_000);
    const delays = gaps(attempts);
    expect(delays.slice(0, 2)).toEqual([800, 2_400]);
    expect(delays.slice(2)).toEqual([4_000, 8_000, 10_000, 10_000, 10_000, 10_000]);
    await queue.stop();
  });

  it('lets a new event retry at once, but a periodic resync never cuts a backoff short', async () => {
    const { attempts, handle } = flakyReconcile(1);
    const queue = new WorkQueue({ handle, retry: { baseMs: 30_000, maxMs: 60_000, jitter: 0 } });
    queue.add('movies');
    await vi.advanceTimersByTimeAsync(10);
    queue.addAll(['movies']);
    await vi.advanceTimersByTimeAsync(10);
    expect(attempts).toHaveLength(1);
    queue.add('movies');
    await vi.advanceTimersByTimeAsync(10);
    expect(attempts).toHaveLength(2);
    await queue.stop();
  });

  it('collapses a burst of events for a key into one more pass, and honours a requeue asked for by a success', async () => {
    let calls = 0;
    const queue = new WorkQueue({
      handle: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return calls === 1 ? 5_000 : null;
      },
    });
    queue.add('movies');
    for (let i = 0; i < 5; i++) queue.add('movies');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(3);
    await queue.stop();
  });
});
