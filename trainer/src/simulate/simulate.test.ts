import { describe, expect, it } from 'vitest';
import type { Session } from './sessions.ts';
import { simulate } from './simulate.ts';

interface Seen {
  path: string;
  asOf: string;
  body: unknown;
  atMs: number;
}

/** A stand-in API: records each call and answers /recommend as the fallback for user 3, else personalised. */
function fakeApi(started: () => number) {
  const seen: Seen[] = [];
  const fetcher = (async (url: string | URL | Request, init?: RequestInit) => {
    const path = new URL(String(url)).pathname;
    const body = JSON.parse(String(init?.body));
    seen.push({
      path,
      asOf: new Headers(init?.headers).get('x-as-of') ?? '',
      body,
      atMs: performance.now() - started(),
    });
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (path === '/recommend') {
      return Response.json({ source: body.user_id === 3 ? 'popular' : 'personalised' });
    }
    return Response.json({ accepted: body.length }, { status: 201 });
  }) as typeof fetch;
  return { seen, fetcher };
}

describe('simulate', () => {
  it('asks then posts for every session at its compressed time, as of the real time, in order per user', async () => {
    const sessions: Session[] = [
      { time: 1000, userId: 1, movieIds: [10, 11], ratings: [5, 4] },
      { time: 1000, userId: 2, movieIds: [12], ratings: [4] },
      { time: 1010, userId: 1, movieIds: [13], ratings: [5] },
      { time: 1030, userId: 3, movieIds: [14], ratings: [4] },
      { time: 1050, userId: 1, movieIds: [15], ratings: [4] },
    ];
    let t0 = 0;
    const api = fakeApi(() => t0);
    t0 = performance.now();
    // 100 simulated seconds per real second: the 50 s span takes at least 500 ms.
    const summary = await simulate({ api: 'http://api.test', sessions, speed: 100, fetch: api.fetcher });
    expect(summary).toMatchObject({ sessions: 5, interactions: 6, recommend_requests: 5, fallbacks: 1, errors: 0 });
    expect(summary.fallback_rate).toBeCloseTo(0.2, 12);
    expect(summary.wall_ms).toBeGreaterThanOrEqual(500);

    for (const session of sessions) {
      const calls = api.seen.filter(
        (c) =>
          (c.body as { user_id?: number }).user_id === session.userId ||
          (Array.isArray(c.body) && c.body[0].user_id === session.userId),
      );
      const ask = calls.find((c) => c.path === '/recommend' && c.asOf === String(session.time))!;
      const post = calls.find((c) => c.path === '/interactions' && c.asOf === String(session.time))!;
      expect(ask.atMs).toBeGreaterThanOrEqual(((session.time - 1000) / 100) * 1000 - 1);
      expect(post.atMs).toBeGreaterThan(ask.atMs);
      expect(post.body).toEqual(
        session.movieIds.map((movie_id, i) => ({
          user_id: session.userId,
          movie_id,
          rating: session.ratings[i],
          timestamp: session.time,
        })),
      );
    }
    const userOne = api.seen.filter((c) => c.asOf !== '' && JSON.stringify(c.body).includes('"user_id":1'));
    expect(userOne.map((c) => `${c.path}@${c.asOf}`)).toEqual([
      '/recommend@1000',
      '/interactions@1000',
      '/recommend@1010',
      '/interactions@1010',
      '/recommend@1050',
      '/interactions@1050',
    ]);
  });

  it('counts failed answers as errors and goes on', async () => {
    const failing = (async () => new Response('{}', { status: 503 })) as unknown as typeof fetch;
    const summary = await simulate({
      api: 'http://api.test',
      sessions: [{ time: 0, userId: 1, movieIds: [1], ratings: [5] }],
      speed: Number.POSITIVE_INFINITY,
      fetch: failing,
    });
    expect(summary).toMatchObject({ errors: 2, interactions: 0, fallback_rate: 0 });
  });
});
