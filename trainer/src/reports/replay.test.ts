import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EventLog, type EventRow } from '@recsys/core/logs/event-log';
import { logFileName } from '@recsys/core/logs/files';
import { readEventLogs, readRequestLogs } from '@recsys/core/logs/read';
import { RequestLog, type RequestLogRow } from '@recsys/core/logs/request-log';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from './replay.ts';

const temp = tempDir('recsys-replay-');
afterAll(() => temp.cleanup());

const DAY = 86_400_000;
const K = 10;
const WINDOW = 7 * DAY;

/** A small deterministic generator so the planted counts vary between requests. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Planted {
  version: string;
  fallback: boolean;
  hitsInTopK: number;
  hitsBelowK: number;
  shown: number;
}

describe('offline replay', () => {
  it('reproduces planted realised P@K, hit rate and CTR proxy by version, endpoint and source', () => {
    const dir = path.join(temp.dir, 'logs');
    mkdirSync(dir);
    const random = lcg(7);
    const requests: RequestLogRow[] = [];
    const events: EventRow[] = [];
    const planted: Planted[] = [];
    const t0 = Date.UTC(1998, 0, 1);
    for (let i = 0; i < 240; i++) {
      const user = 1 + (i % 60);
      const asOf = t0 + i * 3_600_000;
      const shown = 12;
      // Movie ids unique to this request, so one request's interactions never hit another's list.
      const list = Array.from({ length: shown }, (_, r) => 100_000 + i * 100 + r);
      const hitsInTopK = Math.floor(random() * 4);
      const hitsBelowK = random() < 0.3 ? 1 : 0;
      const version = i % 3 === 0 ? 'v2' : 'v1';
      const fallback = i % 5 === 0;
      planted.push({ version, fallback, hitsInTopK, hitsBelowK, shown });
      requests.push({
        request_id: `r${i}`,
        timestamp: Date.now(),
        as_of: asOf,
        user_id: user,
        endpoint: 'POST /recommend',
        model_version: version,
        recommendations: list,
        scores: list.map(() => 0.5),
        latency_ms: 1,
        is_fallback: fallback,
        status: 200,
      });
      const event = (movie: number, atMs: number, rating = 5): EventRow => ({
        request_id: `e${i}`,
        received_at: Date.now(),
        user_id: user,
        movie_id: movie,
        rating,
        timestamp: Math.floor(atMs / 1000),
        in_model: true,
        model_version: version,
      });
      // Hits at the request's own second (the simulator's case) and later inside the window, twice for one movie.
      for (let h = 0; h < hitsInTopK; h++) events.push(event(list[h * 3], asOf + h * 2 * DAY));
      if (hitsInTopK > 0) events.push(event(list[0], asOf + 3 * DAY));
      if (hitsBelowK) events.push(event(list[11], asOf + DAY));
      // Decoys: before the request, after the window, a low rating, another user's list.
      events.push(event(list[1], asOf - 1000));
      events.push(event(list[2], asOf + WINDOW + 1000));
      events.push(event(list[4], asOf + DAY, 3));
      events.push({ ...event(list[5], asOf + DAY), user_id: 10_000 });
    }
    requests.push({ ...requests[0], request_id: 'similar', user_id: null, endpoint: 'POST /similar' });
    requests.push({ ...requests[1], request_id: 'failed', status: 500, recommendations: null });

    const requestLog = new RequestLog({ file: path.join(dir, logFileName('requests')) });
    for (const row of requests) requestLog.append(row);
    requestLog.close();
    const eventLog = new EventLog(path.join(dir, logFileName('events')));
    eventLog.append(events);
    eventLog.close();

    const logged = readRequestLogs(dir);
    const posted = readEventLogs(dir);
    expect(logged.problems).toEqual([]);
    const result = replay(logged.rows, posted.rows, { windowMs: WINDOW, k: K });

    const expected = (subset: Planted[]) => ({
      requests: subset.length,
      precision_at_k: subset.reduce((s, p) => s + p.hitsInTopK / K, 0) / subset.length,
      hit_rate: subset.filter((p) => p.hitsInTopK > 0).length / subset.length,
      ctr_proxy: subset.reduce((s, p) => s + p.hitsInTopK + p.hitsBelowK, 0) / subset.reduce((s, p) => s + p.shown, 0),
    });
    const close = (
      group: { requests: number; precision_at_k: number; hit_rate: number; ctr_proxy: number },
      want: ReturnType<typeof expected>,
    ) => {
      expect(group.requests).toBe(want.requests);
      expect(group.precision_at_k).toBeCloseTo(want.precision_at_k, 12);
      expect(group.hit_rate).toBeCloseTo(want.hit_rate, 12);
      expect(group.ctr_proxy).toBeCloseTo(want.ctr_proxy, 12);
    };
    expect(result.unattributable).toBe(1);
    close(result.overall, expected(planted));
    expect(result.by_model_version.map((g) => g.key)).toEqual(['v1', 'v2']);
    close(result.by_model_version[0], expected(planted.filter((p) => p.version === 'v1')));
    close(result.by_model_version[1], expected(planted.filter((p) => p.version === 'v2')));
    expect(result.by_source.map((g) => g.key)).toEqual(['fallback', 'personalised']);
    close(result.by_source[0], expected(planted.filter((p) => p.fallback)));
    close(result.by_source[1], expected(planted.filter((p) => !p.fallback)));
    expect(result.by_endpoint.map((g) => g.key)).toEqual(['POST /recommend']);
    // The planted design is not degenerate: some requests hit, some do not, some hit only below K.
    expect(result.overall.hit_rate).toBeGreaterThan(0.3);
    expect(result.overall.hit_rate).toBeLessThan(0.95);
  });

  it('counts nothing when the window is shorter than any gap and the request came after every interaction', () => {
    const row: RequestLogRow = {
      request_id: 'x',
      timestamp: 0,
      as_of: 10_000_000,
      user_id: 1,
      endpoint: 'POST /recommend',
      model_version: 'v1',
      recommendations: [1, 2, 3],
      scores: null,
      latency_ms: 1,
      is_fallback: false,
      status: 200,
    };
    const event: EventRow = {
      request_id: 'e',
      received_at: 0,
      user_id: 1,
      movie_id: 2,
      rating: 5,
      timestamp: 5_000,
      in_model: true,
      model_version: 'v1',
    };
    const result = replay([row], [event], { windowMs: DAY });
    expect(result.overall).toMatchObject({ requests: 1, hit_rate: 0, precision_at_k: 0, clicks: 0, impressions: 3 });
  });
});
