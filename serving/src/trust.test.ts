import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { logFilePath } from '@recsys/core/logs/files';
import { readEventLogs } from '@recsys/core/logs/read';
import type { RequestLogRow } from '@recsys/core/logs/request-log';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ApiKeys, keyId } from './auth/api-keys.ts';
import type { EventStore } from './events/event-store.ts';
import { SqliteEventStore } from './events/sqlite-event-store.ts';
import type { WriteLimits } from './interactions/event-checks.ts';
import { clientEventId } from './interactions/event-ids.ts';
import { UserHistory } from './interactions/user-history.ts';
import { createServingMetrics, type ServingMetrics } from './metrics.ts';
import { ModelSlot } from './model/slot.ts';
import { type RunningServer, startServer } from './server.ts';
import { call, TEST_API_KEY, WRITE_HEADERS } from './testing/http.ts';
import { syntheticModel } from './testing/synthetic-model.ts';

// Key files and event stores of the tests below; removed with the folder when the file's tests end.
const scratch = tempDir('recsys-trust-');
afterAll(() => scratch.cleanup());

/** Who may write and what is accepted: issue 16's findings 1, 3 and 6 against an in-process server. */
const synthetic = syntheticModel();
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close(100)));
});

interface Started {
  url: string;
  history: UserHistory;
  metrics: ServingMetrics;
  logged: RequestLogRow[];
  serverErrors: unknown[];
}

async function start(
  options: { apiKeys?: ApiKeys; writeLimits?: WriteLimits; requestTimeoutMs?: number; history?: UserHistory } = {},
): Promise<Started> {
  const history = options.history ?? new UserHistory();
  const metrics = createServingMetrics({ defaultMetrics: false });
  const logged: RequestLogRow[] = [];
  const serverErrors: unknown[] = [];
  const server = await startServer({
    slot: new ModelSlot(synthetic.model),
    metrics,
    history,
    requestLog: { append: (row) => logged.push(row), close: () => {} },
    onServerError: (err) => serverErrors.push(err),
    ...options,
  });
  running.push(server);
  return { url: server.url, history, metrics, logged, serverErrors };
}

const like = (user_id: number, movie_id = synthetic.movieIds[0], extra: object = {}) => ({
  user_id,
  movie_id,
  rating: 5,
  ...extra,
});

describe('writes need an API key; reads stay open (finding 1)', () => {
  it('with no key configured, reads work and POST /interactions answers 401 "writes disabled"', async () => {
    const api = await start();
    expect((await call(api.url, 'POST', '/recommend', { user_id: synthetic.userIds[0] })).status).toBe(200);
    const res = await call(api.url, 'POST', '/interactions', like(1), { headers: WRITE_HEADERS });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('writes_disabled');
    expect(res.body.error.message).toMatch(/^writes disabled: no API key configured/);
    expect(api.history.holds(1) || api.history.holds(2)).toBe(false);
  });

  it('refuses a missing or wrong key (401, WWW-Authenticate) and accepts the right one', async () => {
    const api = await start({ apiKeys: new ApiKeys({ env: `other-key-abcdefghijkl,${TEST_API_KEY}` }) });
    const none = await call(api.url, 'POST', '/interactions', like(2));
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('missing_api_key');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await call(api.url, 'POST', '/interactions', like(2), {
      headers: { authorization: `Bearer ${TEST_API_KEY}x` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_api_key');
    expect(api.history.holds(1) || api.history.holds(2)).toBe(false);
    const right = await call(api.url, 'POST', '/interactions', like(2), { headers: WRITE_HEADERS });
    expect(right.status).toBe(201);
    expect(api.history.holds(2)).toBe(true);
  });

  it('guards the write route however its path is spelled (trailing slash, other case), not the exact string', async () => {
    const api = await start({ apiKeys: new ApiKeys({ env: TEST_API_KEY }) });
    for (const spelling of ['/interactions/', '/Interactions', '/INTERACTIONS/']) {
      const none = await call(api.url, 'POST', spelling, like(4));
      expect(none.status, spelling).toBe(401);
      expect(none.body.error.code).toBe('missing_api_key');
    }
    expect(api.history.holds(4)).toBe(false);
    expect((await call(api.url, 'POST', '/interactions/', like(4), { headers: WRITE_HEADERS })).status).toBe(201);
    // Reads stay open under the same lenient matching.
    expect((await call(api.url, 'GET', '/popular/')).status).toBe(200);
    expect((await call(api.url, 'POST', '/Recommend', { user_id: synthetic.userIds[0] })).status).toBe(200);
  });

  it('rotates keys from the file without a restart', async () => {
    const dir = mkdtempSync(path.join(scratch.dir, 'keys-'));
    const file = path.join(dir, 'keys');
    writeFileSync(file, `# rotated monthly\n${TEST_API_KEY}\n`);
    const api = await start({ apiKeys: new ApiKeys({ file }) });
    expect((await call(api.url, 'POST', '/interactions', like(3), { headers: WRITE_HEADERS })).status).toBe(201);
    // Written beside and renamed over, as a Kubernetes Secret volume does: the old key stops working at once.
    writeFileSync(`${file}.new`, 'the-next-key-0123456789\n');
    renameSync(`${file}.new`, file);
    expect((await call(api.url, 'POST', '/interactions', like(3), { headers: WRITE_HEADERS })).status).toBe(401);
    const next = { authorization: 'Bearer the-next-key-0123456789' };
    expect((await call(api.url, 'POST', '/interactions', like(3), { headers: next })).status).toBe(201);
  });

  it('refuses to start with a key file that does not exist or holds a short key, naming it', () => {
    const dir = mkdtempSync(path.join(scratch.dir, 'keys-'));
    expect(() => new ApiKeys({ file: path.join(dir, 'missing') })).toThrow(/missing does not exist/);
    writeFileSync(path.join(dir, 'short'), 'abc\n');
    expect(() => new ApiKeys({ file: path.join(dir, 'short') })).toThrow(/line 1 of .*short must be at least 16/);
  });
});

describe('posted events are validated before anything is stored (finding 1)', () => {
  it('refuses a far-future timestamp with 400 naming the field; nothing of the batch is kept', async () => {
    const api = await start({ apiKeys: new ApiKeys({ env: TEST_API_KEY }) });
    const res = await call(
      api.url,
      'POST',
      '/interactions',
      [like(4), like(4, synthetic.movieIds[1], { timestamp: 4_398_046_511_104 })],
      { headers: WRITE_HEADERS },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_timestamp');
    expect(res.body.error.message).toMatch(/^\[1\]\.timestamp 4398046511104 .* after now \+ 5 min/);
    expect(api.history.holds(4)).toBe(false);
  });

  it('refuses a time before the data begins and accepts one a minute ahead (clock skew)', async () => {
    const api = await start({ apiKeys: new ApiKeys({ env: TEST_API_KEY }) });
    const old = await call(
      api.url,
      'POST',
      '/interactions',
      like(5, undefined, { timestamp: '1990-01-01T00:00:00Z' }),
      {
        headers: WRITE_HEADERS,
      },
    );
    expect(old.status).toBe(400);
    expect(old.body.error.message).toMatch(/^timestamp .* before the data begins \(1997-09-20/);
    const skewed = Math.floor(Date.now() / 1000) + 60;
    const ok = await call(api.url, 'POST', '/interactions', like(5, undefined, { timestamp: skewed }), {
      headers: WRITE_HEADERS,
    });
    expect(ok.status).toBe(201);
  });

  it('refuses an X-As-Of far in the future (999999999999 is the year 33658)', async () => {
    const api = await start();
    for (const asOf of ['999999999999', '+033658-01-01T00:00:00Z']) {
      const res = await call(api.url, 'POST', '/recommend', { user_id: 1 }, { headers: { 'x-as-of': asOf } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_as_of');
    }
    const replay = await call(api.url, 'POST', '/recommend', { user_id: 1 }, { headers: { 'x-as-of': '880000000' } });
    expect(replay.status).toBe(200);
  });
});

describe('the default event id (from X-Request-Id) belongs to the key holder that sent it', () => {
  it('keeps a different event from another client that reused the request id; a retry by the same key is a duplicate', async () => {
    const dir = mkdtempSync(path.join(scratch.dir, 'ids-'));
    const store = SqliteEventStore.open(dir, path.join(dir, 'events.sqlite'));
    const other = 'another-client-key-0123';
    const api = await start({
      apiKeys: new ApiKeys({ env: `${TEST_API_KEY},${other}` }),
      history: new UserHistory(store),
    });
    const post = (key: string, body: unknown) =>
      call(api.url, 'POST', '/interactions', body, {
        headers: { authorization: `Bearer ${key}`, 'x-request-id': 'trace-42' },
      });
    const first = await post(TEST_API_KEY, like(30));
    expect(first.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const stranger = await post(other, like(31, synthetic.movieIds[1]));
    expect(stranger.status).toBe(201);
    expect(stranger.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await api.history.of(31)).rated()).toEqual([synthetic.movieIds[1]]);
    const retry = await post(TEST_API_KEY, like(30));
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 1 });
    await store.close();
  });
});

describe('a client-sent event id belongs to the key holder that sent it', () => {
  it('stores both events when two keys send the same id; a retry by the same key is a duplicate', async () => {
    const dir = mkdtempSync(path.join(scratch.dir, 'client-ids-'));
    const store = SqliteEventStore.open(dir, logFilePath(dir, 'events'));
    const other = 'another-client-key-0123';
    const api = await start({
      apiKeys: new ApiKeys({ env: `${TEST_API_KEY},${other}` }),
      history: new UserHistory(store),
    });
    const post = (key: string, body: unknown) =>
      call(api.url, 'POST', '/interactions', body, { headers: { authorization: `Bearer ${key}` } });
    // The squatter posts first, with the id it guessed the victim will use.
    const squat = await post(other, like(32, synthetic.movieIds[0], { event_id: 'like-1' }));
    expect(squat.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const victim = await post(TEST_API_KEY, like(33, synthetic.movieIds[1], { event_id: 'like-1' }));
    expect(victim.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await api.history.of(33)).rated()).toEqual([synthetic.movieIds[1]]);
    const retry = await post(TEST_API_KEY, like(33, synthetic.movieIds[1], { event_id: 'like-1' }));
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 1 });
    const logged = readEventLogs(dir).rows.filter((e) => e.user_id === 33);
    expect(logged.map((e) => e.event_id)).toEqual([clientEventId(keyId(TEST_API_KEY), 33, 'like-1')]);
    await store.close();
  });

  it("keeps two users' events apart under one key (the site posts every visitor's likes with its own key)", async () => {
    const dir = mkdtempSync(path.join(scratch.dir, 'shared-key-'));
    const store = SqliteEventStore.open(dir, logFilePath(dir, 'events'));
    const api = await start({ apiKeys: new ApiKeys({ env: TEST_API_KEY }), history: new UserHistory(store) });
    const post = (body: unknown) => call(api.url, 'POST', '/interactions', body, { headers: WRITE_HEADERS });
    const mine = await post(like(34, synthetic.movieIds[0], { event_id: 'like-1' }));
    const theirs = await post(like(35, synthetic.movieIds[1], { event_id: 'like-1' }));
    expect(mine.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(theirs.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await api.history.of(35)).rated()).toEqual([synthetic.movieIds[1]]);
    const retry = await post(like(35, synthetic.movieIds[1], { event_id: 'like-1' }));
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 1 });
    await store.close();
  });
});

describe('rate limits per key and per user (finding 1)', () => {
  // The buckets refill by this clock alone, so a stall of the machine between two posts cannot change the answer.
  let clock = 0;
  const limits: WriteLimits = {
    perKey: { perSecond: 1, burst: 8 },
    perUser: { perSecond: 0.5, burst: 3 },
    now: () => clock,
  };

  it('answers 429 with Retry-After once a user or a key is over its rate, and stores nothing of that batch', async () => {
    const api = await start({ apiKeys: new ApiKeys({ env: TEST_API_KEY }), writeLimits: limits });
    const post = (body: unknown) => call(api.url, 'POST', '/interactions', body, { headers: WRITE_HEADERS });
    expect((await post([like(10), like(10, synthetic.movieIds[1]), like(10, synthetic.movieIds[2])])).status).toBe(201);
    const user = await post(like(10, synthetic.movieIds[3]));
    expect(user.status).toBe(429);
    expect(user.body.error.message).toMatch(/user 10/);
    expect(Number(user.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api.history.of(10)).rated()).toHaveLength(3);
    // Other users share the key's bucket: 8 events in all, then the key is over.
    expect((await post([like(11), like(12), like(13)])).status).toBe(201);
    const key = await post([like(14), like(15), like(16)]);
    expect(key.status).toBe(429);
    expect(key.body.error.message).toMatch(/API key/);
    expect(api.history.holds(14)).toBe(false);
    // Two seconds later the user has one token again (0.5/s) and the key two (1/s).
    clock += 2000;
    expect((await post(like(10, synthetic.movieIds[3]))).status).toBe(201);
    expect((await post(like(10, synthetic.movieIds[4]))).status).toBe(429);
  });

  it('charges only what was stored: the documented retry of a 503 is not charged twice', async () => {
    const dir = mkdtempSync(path.join(scratch.dir, 'retry-'));
    const store = SqliteEventStore.open(dir, path.join(dir, 'events.sqlite'));
    let down = true;
    const flaky: EventStore = {
      append: (rows) => (down ? Promise.reject(new Error('disk I/O error')) : store.append(rows)),
      ratingsOf: (user, limit) => store.ratingsOf(user, limit),
      restore: () => store.restore(),
      close: () => store.close(),
    };
    const api = await start({
      apiKeys: new ApiKeys({ env: TEST_API_KEY }),
      writeLimits: limits,
      history: new UserHistory(flaky),
    });
    const post = (body: unknown) => call(api.url, 'POST', '/interactions', body, { headers: WRITE_HEADERS });
    // User 40's whole burst (3), with ids so that a retry is recognised.
    const batch = [0, 1, 2].map((i) => like(40, synthetic.movieIds[i], { event_id: `retry-${i}` }));
    expect((await post(batch)).status).toBe(503);
    down = false;
    expect((await post(batch)).status).toBe(201);
    // The burst was spent once, by the three stored events.
    expect((await post(like(40, synthetic.movieIds[3]))).status).toBe(429);
    await store.close();
  });

  it('is off when not configured', async () => {
    const api = await start({ apiKeys: new ApiKeys({ env: TEST_API_KEY }) });
    const batch = Array.from({ length: 1000 }, (_, i) => like(20, synthetic.movieIds[i % synthetic.movieIds.length]));
    for (let i = 0; i < 3; i++) {
      expect((await call(api.url, 'POST', '/interactions', batch, { headers: WRITE_HEADERS })).status).toBe(201);
    }
  });
});

describe('a client that hangs up mid-upload is not a server error (finding 3)', () => {
  it('logs and counts 499, never 500, and reports no stack', async () => {
    const api = await start({ apiKeys: new ApiKeys({ env: TEST_API_KEY }) });
    const { port } = new URL(api.url);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(
            `POST /interactions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_KEY}\r\n` +
              'Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n[',
          );
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => resolve());
      });
    }
    // The log row is written when the server notices the hang-up: wait for the five, up to a generous deadline.
    for (const deadline = Date.now() + 10_000; api.logged.length < 5 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(api.serverErrors).toEqual([]);
    expect(api.logged.map((row) => row.status)).toEqual([499, 499, 499, 499, 499]);
    const text = await api.metrics.registry.metrics();
    expect(text).toMatch(/recsys_http_request_duration_seconds_count\{[^}]*status="499"[^}]*\} 5/);
    expect(text).not.toMatch(/status="5\d\d"/);
  });
});

describe('the request timeout is what it says (finding 6)', () => {
  it('closes a connection whose headers never finish within about the timeout', async () => {
    const api = await start({ requestTimeoutMs: 1000 });
    const { port } = new URL(api.url);
    const started = performance.now();
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n'));
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('close', () => resolve(text));
    });
    const seconds = (performance.now() - started) / 1000;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // Not before the timeout (a machine under load only makes it later; how much later is not this test's business).
    expect(seconds).toBeGreaterThanOrEqual(0.9);
  });
});
