import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readEventLogs } from '@recsys/core/logs/read';
import { tempDir } from '@recsys/core/testing/fixtures';
import { freePort } from '@recsys/core/testing/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCatalogueBundle } from '../../test/catalogue-bundle.ts';
import { keyId } from '../auth/api-keys.ts';
import { clientEventId } from '../interactions/event-ids.ts';
import { serve } from '../serve.ts';
import { call, TEST_API_KEY, WRITE_HEADERS } from '../testing/http.ts';

const SHAPE = { users: 300, items: 400, perUser: 20, factors: 8 };

/** Issue 16, finding 2: fold-in state that stays bounded in memory and at restart, over real SQLite files. */
describe('bounded fold-in state', () => {
  const temp = tempDir('recsys-bounded-');
  let store: string;
  let version: string;
  beforeAll(async () => {
    store = path.join(temp.dir, 'store');
    ({ version } = await writeCatalogueBundle(store, 'movies', SHAPE));
  });
  afterAll(() => temp.cleanup());
  const start = (logDir: string, foldInUsers?: number) =>
    serve({ store, version, port: 0, logDir, apiKeysEnv: TEST_API_KEY, foldInUsers, say: () => {} });
  const likes = (userId: number, movies: number[]) =>
    movies.map((movie_id) => ({ user_id: userId, movie_id, rating: 5 }));
  const listFor = async (url: string, userId: number) => {
    const res = await call(url, 'POST', '/recommend', { user_id: userId, k: 10 });
    expect(res.status).toBe(200);
    return {
      source: res.body.source as string,
      ids: res.body.recommendations.map((r: { movie_id: number }) => r.movie_id),
    };
  };

  it('holds at most the cap in memory; an evicted user is read back from the durable log on the next request', async () => {
    const running = await start(path.join(temp.dir, 'lru'), 2);
    try {
      const users = [900_001, 900_002, 900_003];
      for (const [i, user] of users.entries()) {
        const posted = await call(running.url, 'POST', '/interactions', likes(user, [1 + i, 10 + i, 20 + i]), {
          headers: WRITE_HEADERS,
        });
        expect(posted.status).toBe(201);
      }
      const lists = new Map<number, string[]>();
      for (const user of users) lists.set(user, (await listFor(running.url, user)).ids);
      expect(running.history.users).toBe(2);
      // The first user was evicted when the third was read; asking again reads them back, same answer.
      expect(running.history.holds(users[0])).toBe(false);
      const again = await listFor(running.url, users[0]);
      expect(again.source).toBe('fold_in');
      expect(again.ids).toEqual(lists.get(users[0]));
      expect(running.history.holds(users[0])).toBe(true);
      const metrics = (await call(running.url, 'GET', '/metrics')).body as string;
      expect(metrics).toMatch(/recsys_fold_in_users_total\{change="evicted"\} [2-9]/);
      expect(metrics).toMatch(/recsys_fold_in_users_total\{change="loaded"\} [4-9]/);
    } finally {
      await running.close();
    }
  });

  it('restarts from the snapshot: nothing replayed, the same answers, and /ready only once state is in', async () => {
    const logDir = path.join(temp.dir, 'restart');
    const first = await start(logDir);
    const batch = Array.from({ length: 200 }, (_, u) => likes(800_000 + u, [1 + (u % 50), 60 + (u % 30)])).flat();
    expect((await call(first.url, 'POST', '/interactions', batch, { headers: WRITE_HEADERS })).status).toBe(201);
    const before = await listFor(first.url, 800_007);
    await first.close();

    const second = await start(logDir);
    try {
      expect((await call(second.url, 'GET', '/ready')).status).toBe(200);
      expect(second.history.users).toBe(0);
      const after = await listFor(second.url, 800_007);
      expect(after).toEqual(before);
      // Every event is still in the logs the retraining reads, once.
      expect(readEventLogs(logDir).rows).toHaveLength(batch.length);
    } finally {
      await second.close();
    }
  });

  it('stores an event id once: a redelivered batch, before or after a restart, changes nothing', async () => {
    const logDir = path.join(temp.dir, 'idempotent');
    const batch = [
      { user_id: 650_001, movie_id: 7, rating: 5, event_id: 'like-7' },
      { user_id: 650_001, movie_id: 8, rating: 5, event_id: 'like-8' },
    ];
    const first = await start(logDir);
    const stored = await call(first.url, 'POST', '/interactions', batch, { headers: WRITE_HEADERS });
    expect(stored.body).toMatchObject({ accepted: 2, duplicates: 0 });
    // A newer rating of movie 7, then the old like redelivered: the redelivery must not bring the like back.
    const rerated = { user_id: 650_001, movie_id: 7, rating: 1, event_id: 'dislike-7' };
    expect((await call(first.url, 'POST', '/interactions', rerated, { headers: WRITE_HEADERS })).status).toBe(201);
    const again = await call(first.url, 'POST', '/interactions', batch, { headers: WRITE_HEADERS });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2 });
    const before = await first.history.of(650_001);
    expect(before.liked()).toEqual([8]);
    await first.close();

    const second = await start(logDir);
    try {
      const after = await call(second.url, 'POST', '/interactions', batch, { headers: WRITE_HEADERS });
      expect(after.body).toMatchObject({ accepted: 0, duplicates: 2 });
      expect((await second.history.of(650_001)).liked()).toEqual([8]);
      expect(readEventLogs(logDir).rows.map((r) => r.event_id)).toEqual(
        ['like-7', 'like-8', 'dislike-7'].map((id) => clientEventId(keyId(TEST_API_KEY), 650_001, id)),
      );
    } finally {
      await second.close();
    }
  });

  it('applies a log tail the snapshot missed (a crash between the two writes) at the next start', async () => {
    const logDir = path.join(temp.dir, 'tail');
    const first = await start(logDir);
    await first.close();
    // A log written by a process whose snapshot write never happened: only the log has these events.
    const { EventLog } = await import('@recsys/core/logs/event-log');
    const orphan = new EventLog(path.join(logDir, 'events-20261201T000000Z-gone-1.sqlite'));
    orphan.append(
      likes(700_001, [3, 4, 5]).map((e) => ({
        ...e,
        request_id: 'r',
        received_at: Date.now(),
        timestamp: 880_000_000,
        in_model: true,
        model_version: version,
      })),
    );
    orphan.close();
    const second = await start(logDir);
    try {
      expect((await listFor(second.url, 700_001)).source).toBe('fold_in');
    } finally {
      await second.close();
    }
  });

  it('opens the port at once: /health answers while a long log tail loads, /ready only after it', async () => {
    const logDir = path.join(temp.dir, 'long-tail');
    await (await start(logDir)).close();
    const { EventLog } = await import('@recsys/core/logs/event-log');
    const old = new EventLog(path.join(logDir, 'events-20261203T000000Z-old-3.sqlite'));
    for (let b = 0; b < 100; b++) {
      old.append(
        Array.from({ length: 2000 }, (_, i) => ({
          request_id: 'r',
          received_at: Date.now(),
          user_id: 600_000 + ((b * 2000 + i) % 50_000),
          movie_id: 1 + (i % 300),
          rating: 5,
          timestamp: 880_000_000,
          in_model: true,
          model_version: version,
        })),
      );
    }
    old.close();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const starting = serve({ store, version, port, logDir, apiKeysEnv: TEST_API_KEY, say: () => {} });
    let healthWhileLoading: { ready: boolean } | undefined;
    let readyWhileLoading: number | undefined;
    for (let i = 0; i < 2000 && !healthWhileLoading; i++) {
      const health = await fetch(`${url}/health`).catch(() => undefined);
      if (health?.status === 200) {
        healthWhileLoading = (await health.json()) as { ready: boolean };
        readyWhileLoading = (await fetch(`${url}/ready`)).status;
      } else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const running = await starting;
    try {
      expect(healthWhileLoading?.ready).toBe(false);
      expect(readyWhileLoading).toBe(503);
      expect((await call(url, 'GET', '/ready')).status).toBe(200);
      expect((await listFor(url, 600_001)).source).toBe('fold_in');
    } finally {
      await running.close();
    }
  });

  it('quarantines a corrupt event-log file and reports it at start-up; a reader reports it and leaves it in place', async () => {
    const logDir = path.join(temp.dir, 'corrupt');
    const first = await start(logDir);
    await first.close();
    const bad = path.join(logDir, 'events-20261202T000000Z-broken-2.sqlite');
    writeFileSync(bad, 'this is not a database, it only has a database name'.repeat(200));
    const said: string[] = [];
    const second = await serve({ store, version, port: 0, logDir, apiKeysEnv: TEST_API_KEY, say: (l) => said.push(l) });
    try {
      expect(existsSync(bad)).toBe(false);
      expect(readdirSync(path.join(logDir, 'quarantine'))).toEqual([path.basename(bad)]);
      expect(said.join('\n')).toMatch(/quarantined corrupt event log .*broken-2\.sqlite/);
      const metrics = (await call(second.url, 'GET', '/metrics')).body as string;
      expect(metrics).toMatch(/recsys_event_logs_quarantined_total 1/);
    } finally {
      await second.close();
    }
    // Retraining runs beside serving, which may still append to a file: it reports the damage and moves nothing.
    writeFileSync(bad, 'corrupt again'.repeat(500));
    const read = readEventLogs(logDir);
    expect(read.problems).toEqual([]);
    expect(read.damaged.map((d) => path.basename(d.file))).toEqual([path.basename(bad)]);
    expect(existsSync(bad)).toBe(true);
  });
});
