import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { startServeProcess } from '../src/testing/cli-process.ts';
import { TEST_API_KEY } from '../src/testing/http.ts';
import { SHAPES, writeCatalogueBundle } from './catalogue-bundle.ts';

export interface BoundedStateFigures {
  events: number;
  users: number;
  post_seconds: number;
  /** Resident memory of the serving process after every event was accepted, and its peak, in MB. */
  rss_mb: number;
  peak_rss_mb: number;
  /** From spawning `recsys serve` again to its first 200 on /ready. */
  restart_to_ready_s: number;
  rss_after_restart_mb: number;
  /** The last user's list after the restart: fold_in means the state survived it. */
  source_after_restart: string;
  /** What the restarted server had said when /ready first answered 200 (its fold-in restore line among it). */
  said_when_ready: string;
}

/** Targets of issue 16 for 1,000,000 events from 200,000 users (the benchmark checks them at any size). */
export const BOUNDED_STATE_TARGETS = { rss_mb: 400, restart_to_ready_s: 3 };

function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * Posts `events` interactions from `users` distinct new users (batches of 1,000, 4 in flight) to the real
 * `recsys serve` over an ML-1M-shaped factor bundle with rate limits off, measures its memory, restarts it on the
 * same log directory and times restart-to-ready.
 */
export async function boundedStateLoad(dir: string, events: number, users: number): Promise<BoundedStateFigures> {
  const shape = SHAPES['ml-1m'];
  const store = path.join(dir, 'store');
  const { version } = await writeCatalogueBundle(store, 'movies', shape);
  const args = ['--store', store, '--version', version, '--port', '0', '--log-dir', path.join(dir, 'logs')];
  const first = await startServeProcess([...args, '--no-rate-limits']);
  const random = mulberry32(7);
  const firstUser = 10_000_000;
  const batch = (from: number) =>
    Array.from({ length: Math.min(1000, events - from) }, (_, i) => ({
      user_id: firstUser + ((from + i) % users),
      movie_id: 1 + Math.floor(random() * random() * shape.items),
      rating: random() < 0.7 ? 5 : 2,
    }));
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < events) {
      const body = JSON.stringify(batch(next));
      next += 1000;
      const res = await fetch(`${first.url}/interactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
        body,
      });
      if (res.status !== 201) throw new Error(`POST /interactions answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const postSeconds = (performance.now() - started) / 1000;
  // Reads too, spread over the users (2,000 of them: the cache and its read-back path are exercised, in seconds).
  for (let u = 0; u < users; u += Math.max(1, Math.floor(users / 2000))) {
    await fetch(`${first.url}/recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: firstUser + u, k: 10 }),
    }).then((r) => r.arrayBuffer());
  }
  const pid = first.child.pid as number;
  const rss = memoryMb(pid, 'VmRSS');
  const peak = memoryMb(pid, 'VmHWM');
  await first.stop();

  const restarted = performance.now();
  const second = await startServeProcess(args);
  let restartSeconds = Number.NaN;
  let saidWhenReady = '';
  for (;;) {
    const ready = await fetch(`${second.url}/ready`).then((r) => r.status);
    if (ready === 200) {
      restartSeconds = (performance.now() - restarted) / 1000;
      saidWhenReady = second.stderr();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const last = await fetch(`${second.url}/recommend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: firstUser + ((events - 1) % users), k: 10 }),
  }).then((r) => r.json() as Promise<{ source: string }>);
  const rssAfter = memoryMb(second.child.pid as number, 'VmRSS');
  await second.stop();
  return {
    events,
    users,
    post_seconds: postSeconds,
    rss_mb: rss,
    peak_rss_mb: peak,
    restart_to_ready_s: restartSeconds,
    rss_after_restart_mb: rssAfter,
    source_after_restart: last.source,
    said_when_ready: saidWhenReady,
  };
}
