import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { startTestPostgres, type TestPostgres } from '@recsys/core/testing/postgres';
import { synthesize } from '@recsys/trainer/data/synth';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeCatalogueBundle } from '../../test/catalogue-bundle.ts';
import {
  PROPAGATION_USERS,
  type PropagationFigures,
  post,
  propagation,
  type Replicas,
  recommend,
  startReplicas,
} from '../../test/replicas-load.ts';
import { keyId } from '../auth/api-keys.ts';
import { TEST_API_KEY } from '../testing/http.ts';

const SHAPE = { users: 300, items: 400, perUser: 20, factors: 8 };
const run = promisify(execFile);

/**
 * Issue 18 against the real thing: two `recsys serve` processes sharing a PostgreSQL server this test starts (initdb,
 * 127.0.0.1, its own data directory, stopped by PID). The tests run in order, each on what the previous left.
 */
describe('serving replicas that agree through a PostgreSQL event stream', () => {
  const temp = tempDir('recsys-replicas-');
  let engine: TestPostgres;
  let replicas: Replicas | undefined;
  let first: PropagationFigures;
  const acknowledged = new Set<string>();
  /** Every event id posted, answered or not: a 503 whose COMMIT reached the engine may be stored (docs/replicas.md). */
  const attempted = new Set<string>();
  const storedIds = async () => {
    const { port, username, pathname } = new URL(engine.url);
    const client = new pg.Client({
      host: '127.0.0.1',
      port: Number(port),
      user: username,
      database: pathname.slice(1),
      password: engine.env.PGPASSWORD,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      const rows = (await client.query('SELECT event_id, id FROM recsys.events ORDER BY id')).rows;
      // Stored scoped to the test's key and the event's user; compared as the clients sent them.
      const unscoped = (id: string) => id.replace(new RegExp(`^${keyId(TEST_API_KEY)} \\d+ `), '');
      return z.array(z.object({ event_id: z.string().transform(unscoped), id: z.coerce.number() })).parse(rows);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    engine = await startTestPostgres();
    const store = path.join(temp.dir, 'store');
    const { version } = await writeCatalogueBundle(store, 'movies', SHAPE);
    replicas = await startReplicas(
      ['--store', store, '--version', version, '--port', '0'],
      engine.url,
      engine.env,
      (name) => path.join(temp.dir, `logs-${name}`),
    );
  });
  afterAll(async () => {
    await replicas?.stop();
    await engine?.cleanup();
    temp.cleanup();
  });

  it('an event posted to A reaches B’s /recommend, and B killed and restarted mid-stream stores nothing twice', async () => {
    first = await propagation(replicas!, { events: 1000, killAt: 500 });
    const { acknowledged: ids, ...figures } = first;
    // The 1 s (p99) target is checked by bench/replicas.ts; here every event must arrive, whatever the load.
    console.log(JSON.stringify({ ...figures, acknowledged: ids.size }));
    for (const id of ids) acknowledged.add(id);
    expect(figures.missed).toBe(0);
    expect(figures.measured).toBe(980);
    // The kill really cut the second writer off: some of its batches went to A, and again to B after the restart.
    expect(figures.writer_retried).toBeGreaterThan(0);
    const stored = await storedIds();
    expect(stored).toHaveLength(acknowledged.size);
    expect(new Set(stored.map((s) => s.event_id))).toEqual(acknowledged);

    // Both replicas give every user the same list: B's restarted state (read back from the table) included.
    const { a, b } = replicas!;
    for (let i = 0; i < 1000; i += 7) {
      const user = PROPAGATION_USERS.first + i;
      const [fromA, fromB] = await Promise.all([recommend(a.url, user), recommend(b.url, user)]);
      expect(fromB).toEqual(fromA);
      expect(fromB.source).toBe('fold_in');
    }
  });

  it('with the engine down: writes answer 503 + Retry-After, nothing acknowledged is lost, reads go on, and both replicas catch up by themselves', async () => {
    const { a, b } = replicas!;
    const held = PROPAGATION_USERS.first + 3;
    // Both replicas hold the user (each read them once).
    const heldBefore = await recommend(b.url, held);
    const heldOnA = await recommend(a.url, held);
    expect(heldBefore.source).toBe('fold_in');
    expect(heldOnA).toEqual(heldBefore);

    // A writer keeps posting one event at a time to both replicas while the engine crashes under it, for users both
    // replicas hold (B holds those it read after its restart in the first test), so each must catch up on the other's.
    const statuses: { status: number; retryAfter: string | null }[] = [];
    const touched = new Set<number>();
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const user = PROPAGATION_USERS.first + 520 + (n % 480);
        const event = { user_id: user, movie_id: 1 + ((n * 7) % 300), rating: 5, event_id: `outage-${n}` };
        attempted.add(event.event_id);
        const res = await post(n % 2 === 0 ? a.url : b.url, [event]);
        statuses.push({ status: res.status, retryAfter: res.retryAfter });
        if (res.status === 201) {
          acknowledged.add(event.event_id);
          touched.add(user);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await engine.server.crash();
    const crashed = performance.now();
    try {
      const refusedBy = Date.now() + 20_000;
      while (statuses.filter((s) => s.status === 503).length < 10 && Date.now() < refusedBy) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Reads keep working from the state held in memory, and both replicas stay ready.
      expect(await recommend(b.url, held)).toEqual(heldBefore);
      expect(await recommend(a.url, held)).toEqual(heldBefore);
      expect((await fetch(`${a.url}/ready`)).status).toBe(200);
      expect((await fetch(`${b.url}/ready`)).status).toBe(200);
    } finally {
      writing = false;
      await writer;
      await engine.server.resume();
    }
    const resumed = performance.now();

    const refused = statuses.filter((s) => s.status !== 201);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    for (const s of refused) {
      expect(s.status).toBe(503);
      expect(Number(s.retryAfter)).toBeGreaterThan(0);
    }

    // Nothing acknowledged was lost and nothing was stored twice; an event refused with a 503 may still be stored
    // (its COMMIT reached the engine before the crash), but only one that was posted.
    const stored = await storedIds();
    const storedSet = new Set(stored.map((s) => s.event_id));
    expect(storedSet.size).toBe(stored.length);
    expect([...acknowledged].filter((id) => !storedSet.has(id))).toEqual([]);
    expect([...storedSet].filter((id) => !acknowledged.has(id) && !attempted.has(id))).toEqual([]);

    // Writes are taken again, and B (holding the user) sees one posted to A: the followers reconnected by themselves.
    const again = { user_id: held, movie_id: 399, rating: 5, event_id: 'after-outage' };
    const backBy = Date.now() + 30_000;
    let back = await post(a.url, [again]);
    while (back.status !== 201 && Date.now() < backBy) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      back = await post(a.url, [again]);
    }
    expect(back.status).toBe(201);
    acknowledged.add(again.event_id);
    let seen = false;
    for (const deadline = Date.now() + 10_000; !seen && Date.now() < deadline; ) {
      seen = (await recommend(b.url, held)).ids.join() !== heldBefore.ids.join();
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen).toBe(true);
    const caughtUp = performance.now();
    console.log(
      JSON.stringify({
        acknowledged_before_crash: statuses.length - refused.length,
        refused_503: refused.length,
        retry_after_s: [...new Set(refused.map((s) => s.retryAfter))],
        outage_s: ((resumed - crashed) / 1000).toFixed(1),
        writes_back_and_seen_by_b_s: ((caughtUp - resumed) / 1000).toFixed(2),
        users_compared: touched.size,
      }),
    );
    // The pull after the reconnect reads in id order, so B (and A) now hold every event acknowledged before the
    // crash, whichever replica took it: both give each user the writer touched the same list.
    for (const user of touched) expect(await recommend(b.url, user)).toEqual(await recommend(a.url, user));
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/recsys_event_stream_up\{engine="postgres"\} 1/);
  });

  it('a retrain after those events reads each of them exactly once', async () => {
    const source = path.join(temp.dir, 'synth');
    synthesize({ users: 1000, items: 500, interactions: 40_000, seed: 3, out: source });
    const { stdout } = await run(
      process.execPath,
      [
        path.join(repoRoot, 'cli/src/main.ts'),
        ...['retrain', '--candidate-only', '--json', '--source', source],
        ...['--store', path.join(temp.dir, 'retrain-store'), '--work-dir', path.join(temp.dir, 'work')],
        ...['--models', 'popularity', '--budget', '1', '--event-stream', engine.url],
      ],
      { env: { ...process.env, ...engine.env }, maxBuffer: 64 * 1024 * 1024 },
    );
    const result = z
      .object({ ingested: z.object({ events: z.number(), through: z.number().nullable(), rejected: z.number() }) })
      .parse(JSON.parse(stdout));
    const stored = await storedIds();
    expect(result.ingested.events).toBe(stored.length);
    expect(stored.length).toBeGreaterThanOrEqual(acknowledged.size);
    expect(result.ingested.through).toBe(stored[stored.length - 1].id);
    expect(result.ingested.rejected).toBe(0);
  });
});
