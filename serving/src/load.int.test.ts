import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { readRequestLogs } from './logs/read.ts';
import { SHAPES, writeCatalogueBundle } from './testing/catalogue-bundle.ts';
import { startServeProcess } from './testing/cli-process.ts';
import { openLoop, quantile } from './testing/open-loop.ts';

const RATE = 1000;
const SECONDS = 5;

/**
 * The statement's latency limits on a short open-loop run against the real `recsys serve` (ML-1M-shaped factor
 * model): /recommend p95 < 100 ms, /similar p95 < 50 ms at 1,000 requests/s, zero 5xx, one log row per request.
 * `make bench` (bench/serving.ts) holds the stricter targets over longer runs.
 */
describe('latency under open-loop load (ML-1M shape)', () => {
  const temp = tempDir('recsys-load-');
  afterAll(() => temp.cleanup());

  it('meets the limits with zero 5xx and logs every request', async () => {
    const store = path.join(temp.dir, 'store');
    const logDir = path.join(temp.dir, 'logs');
    const bundle = await writeCatalogueBundle(store, 'movies', SHAPES['ml-1m']);
    const server = await startServeProcess([
      '--store',
      store,
      '--version',
      bundle.version,
      '--port',
      '0',
      '--log-dir',
      logDir,
    ]);
    try {
      // Warm-up (JIT, connection pool), not measured.
      await openLoop({
        url: server.url,
        path: '/recommend',
        rate: 200,
        seconds: 1,
        idPrefix: 'warm',
        body: (i) => ({ user_id: 1 + i, k: 10 }),
      });
      const recommend = await openLoop({
        url: server.url,
        path: '/recommend',
        rate: RATE,
        seconds: SECONDS,
        idPrefix: 'rec',
        body: (i) => ({ user_id: 1 + ((i * 7919) % bundle.users), k: 10 }),
      });
      const similar = await openLoop({
        url: server.url,
        path: '/similar',
        rate: RATE,
        seconds: SECONDS,
        idPrefix: 'sim',
        body: (i) => ({ movie_ids: [1 + bundle.rankable[(i * 104_729) % bundle.rankable.length]], k: 10 }),
      });
      const report = (name: string, r: typeof recommend) =>
        `${name}: p50 ${quantile(r.latencies, 0.5).toFixed(2)} ms, p95 ${quantile(r.latencies, 0.95).toFixed(2)} ms, p99 ${quantile(r.latencies, 0.99).toFixed(2)} ms, ${r.throughput.toFixed(0)} req/s`;
      process.stderr.write(`${report('/recommend', recommend)}\n${report('/similar', similar)}\n`);
      for (const run of [recommend, similar]) {
        expect(run.errors + run.timedOut + run.skipped).toBe(0);
        expect([...run.statuses.keys()]).toEqual([200]);
        expect(run.sent).toBe(RATE * SECONDS);
      }
      expect(quantile(recommend.latencies, 0.95)).toBeLessThan(100);
      expect(quantile(similar.latencies, 0.95)).toBeLessThan(50);
      expect(await server.stop('SIGTERM')).toBe(0);
      const logged = readRequestLogs(logDir).rows.map((r) => r.request_id);
      const measured = logged.filter((id) => !id.startsWith('warm-'));
      expect(measured.sort()).toEqual([...recommend.requestIds, ...similar.requestIds].sort());
    } finally {
      if (server.child.exitCode === null) await server.stop('SIGKILL');
    }
  });
});
