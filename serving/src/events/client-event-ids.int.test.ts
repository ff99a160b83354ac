import { startTestPostgres, type TestPostgres } from '@recsys/core/testing/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiKeys, keyId } from '../auth/api-keys.ts';
import { clientEventId } from '../interactions/event-ids.ts';
import { UserHistory } from '../interactions/user-history.ts';
import { createServingMetrics } from '../metrics.ts';
import { ModelSlot } from '../model/slot.ts';
import { type RunningServer, startServer } from '../server.ts';
import { call, TEST_API_KEY } from '../testing/http.ts';
import { syntheticModel } from '../testing/synthetic-model.ts';
import { PostgresEventStore } from './postgres-event-store.ts';

const SQUATTER_KEY = 'another-client-key-0123';

/**
 * Issue 16's review gap on the shared stream: an event id a client sends is scoped to its API key, so another key
 * holder cannot claim it first and have the client's event dropped as a duplicate. Real PostgreSQL, in-process server.
 */
describe('client-sent event ids on the PostgreSQL event stream', () => {
  const synthetic = syntheticModel();
  let engine: TestPostgres;
  let store: PostgresEventStore;
  let server: RunningServer;
  let db: pg.Client;

  beforeAll(async () => {
    engine = await startTestPostgres();
    const url = new URL(engine.url);
    url.password = engine.env.PGPASSWORD;
    store = new PostgresEventStore({ url: url.toString(), pollMs: 200 });
    const history = new UserHistory(store);
    await store.restore();
    server = await startServer({
      slot: new ModelSlot(synthetic.model),
      metrics: createServingMetrics({ defaultMetrics: false }),
      history,
      apiKeys: new ApiKeys({ env: `${TEST_API_KEY},${SQUATTER_KEY}` }),
    });
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await server?.close(100);
    await store?.close();
    await engine?.cleanup();
  });

  const post = (key: string, event: object) =>
    call(server.url, 'POST', '/interactions', event, { headers: { authorization: `Bearer ${key}` } });
  const storedFor = async (userId: number) =>
    z
      .array(z.object({ event_id: z.string() }))
      .parse((await db.query('SELECT event_id FROM recsys.events WHERE user_id = $1 ORDER BY id', [userId])).rows)
      .map((row) => row.event_id);

  it('stores both events when two keys send the same id; a retry by the same key is a duplicate', async () => {
    const [first, second] = synthetic.movieIds;
    const squat = await post(SQUATTER_KEY, { user_id: 50, movie_id: first, rating: 5, event_id: 'like-1' });
    expect(squat.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const victim = await post(TEST_API_KEY, { user_id: 51, movie_id: second, rating: 5, event_id: 'like-1' });
    expect(victim.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const retry = await post(TEST_API_KEY, { user_id: 51, movie_id: second, rating: 5, event_id: 'like-1' });
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await storedFor(51)).toEqual([clientEventId(keyId(TEST_API_KEY), 51, 'like-1')]);
    expect(await storedFor(50)).toEqual([clientEventId(keyId(SQUATTER_KEY), 50, 'like-1')]);
  });

  it('an id stored unscoped by an older version claims nothing for any key', async () => {
    // A row as serving wrote it before ids were scoped: the client's id verbatim.
    await db.query(
      `INSERT INTO recsys.events (event_id, request_id, received_at, user_id, movie_id, rating, "timestamp", in_model, model_version)
       VALUES ('like-2', 'old', 0, 52, $1, 5, 0, true, 'v1')`,
      [synthetic.movieIds[0]],
    );
    const posted = await post(TEST_API_KEY, {
      user_id: 53,
      movie_id: synthetic.movieIds[2],
      rating: 4,
      event_id: 'like-2',
    });
    expect(posted.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await storedFor(53)).toEqual([clientEventId(keyId(TEST_API_KEY), 53, 'like-2')]);
  });
});
