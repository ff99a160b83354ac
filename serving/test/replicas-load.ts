import { type ServeProcess, startServeProcess } from '../src/testing/cli-process.ts';
import { TEST_API_KEY } from '../src/testing/http.ts';

/** The issue-18 target: an event posted to one replica changes another's /recommend within this (p99). */
export const PROPAGATION_TARGET_S = 1;

export interface Replicas {
  a: ServeProcess;
  b: ServeProcess;
  /** Kills B at once (SIGKILL), as a crashed pod dies. */
  killB(): Promise<void>;
  /** Starts B again with the same arguments (a new port). */
  startB(): Promise<void>;
  stop(): Promise<void>;
}

/** Two real `recsys serve` processes over one bundle, sharing the event stream at `url` (password in `env`). */
export async function startReplicas(
  args: string[],
  url: string,
  env: Record<string, string>,
  logDir: (name: string) => string,
): Promise<Replicas> {
  const start = (name: string) =>
    startServeProcess([...args, '--log-dir', logDir(name), '--event-stream', url, '--no-rate-limits'], 60_000, env);
  const replicas: Replicas = {
    a: await start('a'),
    b: await start('b'),
    async killB() {
      await replicas.b.stop('SIGKILL');
    },
    async startB() {
      replicas.b = await start('b');
    },
    async stop() {
      await Promise.all([replicas.a.stop(), replicas.b.stop()]);
    },
  };
  return replicas;
}

const json = { 'content-type': 'application/json' };
const writing = { ...json, authorization: `Bearer ${TEST_API_KEY}` };

export interface Recommended {
  source: string;
  ids: number[];
}

export async function recommend(url: string, userId: number): Promise<Recommended> {
  const res = await fetch(`${url}/recommend`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ user_id: userId, k: 10 }),
  });
  if (res.status !== 200) throw new Error(`POST ${url}/recommend answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { source: string; recommendations: { movie_id: number }[] };
  return { source: body.source, ids: body.recommendations.map((r) => r.movie_id) };
}

export interface Posted {
  status: number;
  accepted: number;
  duplicates: number;
  retryAfter: string | null;
}

/** POST /interactions; a refused connection (the replica is down) is status 0. */
export async function post(
  url: string,
  events: { user_id: number; movie_id: number; rating: number; event_id: string }[],
): Promise<Posted> {
  try {
    const res = await fetch(`${url}/interactions`, { method: 'POST', headers: writing, body: JSON.stringify(events) });
    const body = (await res.json()) as { accepted?: number; duplicates?: number };
    return {
      status: res.status,
      accepted: body.accepted ?? 0,
      duplicates: body.duplicates ?? 0,
      retryAfter: res.headers.get('retry-after'),
    };
  } catch {
    return { status: 0, accepted: 0, duplicates: 0, retryAfter: null };
  }
}

export interface PropagationFigures {
  events: number;
  /** Seconds from A's 201 to B's /recommend changing, per event B held the user for. */
  measured: number;
  p50_s: number;
  p99_s: number;
  max_s: number;
  /** Events whose change B never showed within the deadline. */
  missed: number;
  /** Events posted straight to B by a second writer, B killed under it; retried on A with the same ids. */
  writer_batches: number;
  writer_retried: number;
  /** Every event id acknowledged with 201, by either replica. */
  acknowledged: Set<string>;
}

const NEW_USERS = 5_000_000;
/** Events posted to A while B is down. */
const DOWN_EVENTS = 20;
const WRITER_USERS = 6_000_000;

/**
 * Issue 18's scenario: for each of `events` new users, B first answers (holding the user: popular), then one like
 * is posted to A, and B's /recommend is read until it changes (fold_in), timing it. At `killAt` B is killed
 * (SIGKILL) and started again while events keep going to A (the ones posted meanwhile are not timed). Meanwhile a
 * second writer posts batches straight to B; a batch the kill cut off is posted again to A with the same event ids,
 * and once more to B after its restart, so duplicates are delivered on purpose.
 */
export async function propagation(
  replicas: Replicas,
  options: { events: number; killAt: number; deadlineMs?: number; movies?: number },
): Promise<PropagationFigures> {
  const { events, killAt } = options;
  const movies = options.movies ?? 300;
  const deadline = options.deadlineMs ?? 10_000;
  const acknowledged = new Set<string>();
  const latencies: number[] = [];
  let missed = 0;

  let writing = true;
  let writerBatches = 0;
  let writerRetried = 0;
  const cutOff: { user_id: number; movie_id: number; rating: number; event_id: string }[][] = [];
  const writer = (async () => {
    for (let n = 0; writing; n++) {
      const batch = Array.from({ length: 10 }, (_, i) => ({
        user_id: WRITER_USERS + n,
        movie_id: 1 + ((n * 10 + i) % movies),
        rating: 5,
        event_id: `writer-${n}-${i}`,
      }));
      writerBatches++;
      const res = await post(replicas.b.url, batch);
      if (res.status === 201) for (const e of batch) acknowledged.add(e.event_id);
      else {
        // B is gone (or going): the same events to A, same ids; and kept to post to B again later.
        cutOff.push(batch);
        writerRetried++;
        const retry = await post(replicas.a.url, batch);
        if (retry.status !== 201) throw new Error(`A refused a retried batch: ${retry.status}`);
        for (const e of batch) acknowledged.add(e.event_id);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();

  try {
    for (let i = 0; i < events; i++) {
      const user = NEW_USERS + i;
      const event = { user_id: user, movie_id: 1 + (i % movies), rating: 5, event_id: `like-${i}` };
      if (i === killAt) await replicas.killB();
      if (i === killAt + DOWN_EVENTS) await replicas.startB();
      // While B is down, events go to A alone: B reads those users from the table when first asked.
      const timed = i < killAt || i >= killAt + DOWN_EVENTS;
      if (timed) {
        const before = await recommend(replicas.b.url, user);
        if (before.source !== 'popular') throw new Error(`user ${user} is not new to B: ${before.source}`);
      }
      const res = await post(replicas.a.url, [event]);
      if (res.status !== 201) throw new Error(`A answered ${res.status} to event ${i}`);
      acknowledged.add(event.event_id);
      if (!timed) continue;
      const posted = performance.now();
      for (;;) {
        const now = await recommend(replicas.b.url, user);
        if (now.source === 'fold_in') {
          latencies.push((performance.now() - posted) / 1000);
          break;
        }
        if (performance.now() - posted > deadline) {
          missed++;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
  } finally {
    writing = false;
    await writer;
  }
  // Deliver the batches the kill cut off once more, to the restarted B: each must change nothing.
  for (const batch of cutOff) {
    const again = await post(replicas.b.url, batch);
    if (again.status !== 201 || again.accepted !== 0 || again.duplicates !== batch.length) {
      throw new Error(
        `a redelivered batch was stored again: ${again.status}, accepted ${again.accepted}, duplicates ${again.duplicates}`,
      );
    }
  }
  latencies.sort((x, y) => x - y);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    events,
    measured: latencies.length,
    p50_s: at(0.5),
    p99_s: at(0.99),
    max_s: latencies[latencies.length - 1] ?? Number.NaN,
    missed,
    writer_batches: writerBatches,
    writer_retried: writerRetried,
    acknowledged,
  };
}

export const PROPAGATION_USERS = { first: NEW_USERS, writer: WRITER_USERS };
