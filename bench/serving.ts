/**
 * The serving API under open-loop load (constant arrival rate, loopback): the real `recsys serve` in its own
 * process, against factor-model bundles of an ML-1M-shaped catalogue (6,040 users × 3,706 movies), a 50,000- and a
 * 200,000-movie one (the last two answered from their usearch indexes: ANN is on by default from 50,000 movies).
 * Per shape and endpoint: p50/p95/p99 at 1,000 requests/s, median of 3 runs of 60 s; then the highest rate one
 * process sustains; then one request-log row per request, matched by request id. For the indexed shapes, recall@10
 * of the served answers against the exact scan over 1,000 random users and 1,000 random seed movies.
 * Targets: ML-1M shape /recommend p95 <= 5 ms and p99 <= 15 ms, /similar p95 <= 3 ms; 200,000 movies p99 <= 5 ms on
 * both and recall@10 >= 0.99; 50,000 movies sustains >= 4,000 req/s; zero non-2xx everywhere. Every figure is
 * printed with the load average: on a shared machine, latencies are upper bounds.
 * Usage: node bench/serving.ts [--seconds 60] [--runs 3] [--shape ml-1m|items-50k|items-200k] [--quick] [--json]
 */
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readBundle } from '../core/src/bundle/reader.ts';
import { readRequestLogs } from '../core/src/logs/read.ts';
import { mulberry32 } from '../core/src/metrics/prng.ts';
import { tempDir } from '../core/src/testing/fixtures.ts';
import type { ScoredMovies } from '../serving/src/model/handle.ts';
import { modelFromBundle } from '../serving/src/model/load.ts';
import { startServeProcess } from '../serving/src/testing/cli-process.ts';
import { type OpenLoopResult, openLoop, quantile } from '../serving/src/testing/open-loop.ts';
import { loadBodies, SHAPES, writeCatalogueBundle } from '../serving/test/catalogue-bundle.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string' },
    runs: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    shape: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds ?? (args.quick ? 5 : 60));
const RUNS = Number(args.runs ?? (args.quick ? 1 : 3));
const RATE = Number(args.rate);
const STEP_SECONDS = args.quick ? 3 : 10;
const TARGETS = { recommend: { p95: 5, p99: 15 }, similar: { p95: 3 } };
/** The indexed 200,000-movie catalogue: p99 at 1,000 req/s on both endpoints, and recall against the exact scan. */
const LARGE_TARGETS = { p99: 5, recall: 0.99 };
/** Sustained /recommend rate one process must reach on the 50,000-movie catalogue. */
const SUSTAINED_TARGET = { 'items-50k': 4000 } as Record<string, number>;
const RECALL_QUERIES = 1000;

const load = () => `load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;

/**
 * Recall@10 of what the server answers (its usearch indexes) against the exact scan, in this process over the same
 * bundle. An answer counts as found when its exact score reaches the exact 10th best (ties are arbitrary).
 */
async function annRecall(
  dir: string,
  users: number,
  rankable: number[],
): Promise<{ recommend: number; similar: number }> {
  const bundle = await readBundle(dir);
  const approximate = modelFromBundle(bundle, { ann: 'on' });
  const exact = modelFromBundle(bundle, { ann: 'off' });
  const random = mulberry32(9);
  const recall = (found: ScoredMovies, truth: ScoredMovies) => {
    const threshold = truth.scores[truth.scores.length - 1] - 1e-4;
    let hits = 0;
    for (const score of found.scores) if (score >= threshold) hits++;
    return hits / truth.movieIds.length;
  };
  let recommend = 0;
  let similar = 0;
  for (let q = 0; q < RECALL_QUERIES; q++) {
    const user = 1 + Math.floor(random() * users);
    recommend += recall(approximate.recommendForUser(user, 10, {}), exact.recommendForUser(user, 10, {}));
    const seed = [1 + rankable[Math.floor(random() * rankable.length)]];
    similar += recall(approximate.similar(seed, 10, {}), exact.similar(seed, 10, {}));
  }
  return { recommend: recommend / RECALL_QUERIES, similar: similar / RECALL_QUERIES };
}

interface Figures {
  /** Server CPU (user + system) per answered request: the figure a busy neighbour does not distort. */
  cpu_ms_per_request: number;
  p50: number;
  p95: number;
  p99: number;
  throughput: number;
  non_2xx: number;
  /** Unanswered: connection errors, requests skipped while 2,000 were outstanding, and those still open 10 s after the run. */
  errors: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The server's CPU seconds so far, from its own /metrics (prom-client's process metrics). */
async function serverCpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^recsys_process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

async function measured(
  url: string,
  run: () => Promise<OpenLoopResult>,
): Promise<{ run: OpenLoopResult; figures: Figures }> {
  const before = await serverCpuSeconds(url);
  const result = await run();
  const cpu = (await serverCpuSeconds(url)) - before;
  let answered = 0;
  for (const n of result.statuses.values()) answered += n;
  return { run: result, figures: figures(result, (cpu * 1000) / Math.max(1, answered)) };
}

function figures(run: OpenLoopResult, cpuMsPerRequest: number): Figures {
  let non2xx = 0;
  for (const [status, n] of run.statuses) if (status < 200 || status >= 300) non2xx += n;
  return {
    cpu_ms_per_request: cpuMsPerRequest,
    p50: quantile(run.latencies, 0.5),
    p95: quantile(run.latencies, 0.95),
    p99: quantile(run.latencies, 0.99),
    throughput: run.throughput,
    non_2xx: non2xx,
    errors: run.errors + run.timedOut + run.skipped,
  };
}

const say = (line: string) => {
  if (!args.json) console.log(line);
};
const results: Record<string, unknown> = {};
let pass = true;
const temp = tempDir('recsys-bench-serving-');
try {
  if (args.shape && !(args.shape in SHAPES)) {
    throw new Error(`--shape ${args.shape}: expected one of ${Object.keys(SHAPES).join(', ')}`);
  }
  for (const [shapeName, shape] of Object.entries(SHAPES)) {
    if (args.shape && args.shape !== shapeName) continue;
    const store = path.join(temp.dir, shapeName);
    const logDir = path.join(temp.dir, `${shapeName}-logs`);
    const built = performance.now();
    const bundle = await writeCatalogueBundle(store, 'movies', shape, { threads: availableParallelism() });
    say(`bundle ${shapeName} written in ${((performance.now() - built) / 1000).toFixed(0)} s (${load()})`);
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
    // Ctrl-C must not leave the server process behind.
    const abort = () => {
      server.child.kill('SIGKILL');
      temp.cleanup();
      process.exit(130);
    };
    process.once('SIGINT', abort).once('SIGTERM', abort);
    const sentIds: string[] = [];
    const bodies = loadBodies(bundle);
    try {
      await openLoop({
        url: server.url,
        path: '/recommend',
        rate: 200,
        seconds: 2,
        idPrefix: 'warm',
        body: bodies.recommend,
      });
      say(
        `serving: ${shapeName} (${shape.users} users × ${shape.items} movies, ${shape.factors} factors), ${RATE} req/s, median of ${RUNS} × ${SECONDS} s`,
      );
      const perEndpoint: Record<string, Figures> = {};
      for (const endpoint of ['recommend', 'similar'] as const) {
        const runs: Figures[] = [];
        for (let r = 0; r < RUNS; r++) {
          const { run, figures: f } = await measured(server.url, () =>
            openLoop({
              url: server.url,
              path: `/${endpoint}`,
              rate: RATE,
              seconds: SECONDS,
              idPrefix: `${endpoint}-${r}`,
              body: bodies[endpoint],
              maxOutstanding: 2000,
            }),
          );
          sentIds.push(...run.requestIds);
          runs.push(f);
        }
        const f: Figures = {
          cpu_ms_per_request: median(runs.map((x) => x.cpu_ms_per_request)),
          p50: median(runs.map((x) => x.p50)),
          p95: median(runs.map((x) => x.p95)),
          p99: median(runs.map((x) => x.p99)),
          throughput: median(runs.map((x) => x.throughput)),
          non_2xx: runs.reduce((a, x) => a + x.non_2xx, 0),
          errors: runs.reduce((a, x) => a + x.errors, 0),
        };
        perEndpoint[endpoint] = f;
        let verdict = '';
        if (shapeName === 'ml-1m') {
          const t = TARGETS[endpoint];
          const ok = f.p95 <= t.p95 && (!('p99' in t) || f.p99 <= t.p99) && f.non_2xx + f.errors === 0;
          pass &&= ok;
          verdict = `  target p95 <= ${t.p95} ms${'p99' in t ? `, p99 <= ${t.p99} ms` : ''} ... ${ok ? 'PASS' : 'FAIL'}`;
        }
        if (shapeName === 'items-200k') {
          const ok = f.p99 <= LARGE_TARGETS.p99 && f.non_2xx + f.errors === 0;
          pass &&= ok;
          verdict = `  target p99 <= ${LARGE_TARGETS.p99} ms, zero non-2xx ... ${ok ? 'PASS' : 'FAIL'}`;
        }
        verdict += `  (${load()})`;
        say(
          `  /${endpoint.padEnd(10)} p50 ${f.p50.toFixed(2).padStart(7)} ms  p95 ${f.p95.toFixed(2).padStart(7)} ms  p99 ${f.p99.toFixed(2).padStart(7)} ms  ${f.throughput.toFixed(0).padStart(5)} req/s  CPU ${f.cpu_ms_per_request.toFixed(3)} ms/req  non-2xx ${f.non_2xx}  unanswered ${f.errors}${verdict}`,
        );
        // Each run's tail, so one disturbed minute shows as such instead of hiding in the median.
        say(
          `    runs: p95 ${runs.map((x) => x.p95.toFixed(2)).join(' / ')} ms, p99 ${runs.map((x) => x.p99.toFixed(2)).join(' / ')} ms`,
        );
      }
      // The highest constant rate one process keeps up with: all answered, >= 97% of the rate, p99 under 100 ms.
      let sustained = 0;
      for (const rate of [125, 250, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000]) {
        const { run, figures: f } = await measured(server.url, () =>
          openLoop({
            url: server.url,
            path: '/recommend',
            rate,
            seconds: STEP_SECONDS,
            idPrefix: `max-${rate}`,
            body: bodies.recommend,
            maxOutstanding: 2000,
          }),
        );
        sentIds.push(...run.requestIds);
        const ok = f.non_2xx + f.errors === 0 && f.throughput >= 0.97 * rate && f.p99 < 100;
        say(
          `  max throughput step ${rate} req/s: achieved ${f.throughput.toFixed(0)}, p99 ${f.p99.toFixed(1)} ms, server CPU ${f.cpu_ms_per_request.toFixed(3)} ms/request, ${ok ? 'sustained' : 'not sustained'}`,
        );
        if (!ok) break;
        sustained = rate;
      }
      const floor = SUSTAINED_TARGET[shapeName];
      if (floor !== undefined) pass &&= sustained >= floor;
      say(
        `  max sustained /recommend throughput of one process: ${sustained} req/s${floor === undefined ? '' : `  target >= ${floor} ... ${sustained >= floor ? 'PASS' : 'FAIL'}`}  (${load()})`,
      );
      const code = await server.stop('SIGTERM');
      const logged = new Set(readRequestLogs(logDir).rows.map((row) => row.request_id));
      const missing = sentIds.filter((id) => !logged.has(id)).length;
      const logOk = missing === 0 && code === 0;
      pass &&= logOk;
      say(
        `  request log: ${sentIds.length} requests, ${sentIds.length - missing} rows matched by request id ... ${logOk ? 'PASS' : 'FAIL'}`,
      );
      // After the timed runs, not before: the recall check loads the bundle twice into this process, which also
      // sends the requests, and the garbage it leaves made this process's GC pause the open-loop client (run with
      // --trace-gc: a 38 ms Mark-Compact, then 4–8 ms scavenges every 0.2–0.5 s), counted as server latency.
      const recall = shape.items >= 50_000 ? await annRecall(bundle.dir, bundle.users, bundle.rankable) : undefined;
      if (recall) {
        const ok = shapeName !== 'items-200k' || Math.min(recall.recommend, recall.similar) >= LARGE_TARGETS.recall;
        if (shapeName === 'items-200k') pass &&= ok;
        say(
          `  recall@10 of the usearch answers vs the exact scan (${RECALL_QUERIES} users, ${RECALL_QUERIES} seeds): /recommend ${recall.recommend.toFixed(4)}, /similar ${recall.similar.toFixed(4)}${shapeName === 'items-200k' ? `  target >= ${LARGE_TARGETS.recall} ... ${ok ? 'PASS' : 'FAIL'}` : ''}`,
        );
      }
      results[shapeName] = {
        shape,
        endpoints: perEndpoint,
        max_sustained_rps: sustained,
        log_rows_missing: missing,
        recall_at_10: recall ?? null,
        load_average: loadavg()[0],
      };
    } finally {
      process.off('SIGINT', abort).off('SIGTERM', abort);
      if (server.child.exitCode === null) await server.stop('SIGKILL');
    }
  }
} finally {
  temp.cleanup();
}
if (args.json) {
  process.stdout.write(
    `${JSON.stringify({ rate: RATE, seconds: SECONDS, runs: RUNS, targets: TARGETS, results, pass })}\n`,
  );
}
process.exitCode = pass ? 0 : 1;
