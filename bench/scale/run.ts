/**
 * `make bench-scale`: how training and serving grow with the data. For each MovieLens shape (ML-1M, ML-10M,
 * ML-25M: users × movies × ratings) it synthesises the data (`recsys data synth`, cached), prepares it, runs the
 * default `recsys train` search in this process (every family, the default budget and memory budget) and reports
 * per family the search's wall time, CPU time and peak RSS, then the refit/export; the chosen model's test NDCG@10
 * against all-time popularity on the same test; then the serving bench on the exported bundle (the real
 * `recsys serve`, open loop at 1,000 req/s on /recommend and /similar) and the serving process's memory.
 * Targets (ML-25M shape): train <= 60 min (goal 20) with peak RSS <= 12 GiB, chosen model > 1.5x all-time
 * popularity on test NDCG@10; serving memory per replica stated (goal <= 1 GiB).
 * Every figure is printed with the load average: on a shared machine, times and latencies are upper bounds.
 * Usage: node bench/scale/run.ts [--shapes ml-1m,ml-10m,ml-25m] [--work DIR] [--serve-seconds 20] [--json]
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, homedir, loadavg, setPriority } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readBundle } from '../../core/src/bundle/reader.ts';
import { MODEL_FILES } from '../../core/src/model-files.ts';
import { catalogueFromBundle } from '../../core/src/recommender/catalogue.ts';
import { startServeProcess } from '../../serving/src/testing/cli-process.ts';
import { openLoop, quantile } from '../../serving/src/testing/open-loop.ts';
import { prepareDataset } from '../../trainer/src/data/prepare.ts';
import { readPrepared } from '../../trainer/src/data/prepared.ts';
import { synthesize } from '../../trainer/src/data/synth.ts';
import { evaluate } from '../../trainer/src/evaluate/evaluate.ts';
import { popularityFamily } from '../../trainer/src/train/families/popularity.ts';
import { recommenderFor } from '../../trainer/src/train/search.ts';
import { type TrainProgress, train } from '../../trainer/src/train/train.ts';
import { fitWindow } from '../../trainer/src/train/window.ts';

/** MovieLens' published sizes: users, movies, ratings. */
const SHAPES: Record<string, { users: number; items: number; interactions: number }> = {
  'ml-1m': { users: 6040, items: 3706, interactions: 1_000_209 },
  'ml-10m': { users: 69_878, items: 10_677, interactions: 10_000_054 },
  'ml-25m': { users: 162_541, items: 59_047, interactions: 25_000_095 },
};
const TARGETS = { trainMinutes: 60, goalMinutes: 20, peakRssGiB: 12, popularityRatio: 1.5, servingGiB: 1 };

const { values: args } = parseArgs({
  options: {
    shapes: { type: 'string', default: Object.keys(SHAPES).join(',') },
    work: { type: 'string', default: path.join(homedir(), '.cache', 'recsys', 'bench-scale') },
    'serve-seconds': { type: 'string', default: '20' },
    seed: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const say = (line: string) => {
  if (!args.json) console.log(line);
};
const load = () => `load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const cpuSeconds = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
};

interface Phase {
  name: string;
  wall_s: number;
  cpu_s: number;
  peak_rss_bytes: number;
}

/** Wall, CPU and the highest RSS sampled (every 100 ms) per named phase of the train run. */
class PhaseMeter {
  readonly phases: Phase[] = [];
  #current: { name: string; wall: number; cpu: number; peak: number } | undefined;
  readonly #timer = setInterval(() => this.#sample(), 100);

  enter(name: string): void {
    if (this.#current?.name === name) return;
    this.#close();
    this.#current = { name, wall: performance.now(), cpu: cpuSeconds(), peak: process.memoryUsage.rss() };
  }

  stop(): void {
    this.#close();
    clearInterval(this.#timer);
  }

  #sample(): void {
    if (this.#current) this.#current.peak = Math.max(this.#current.peak, process.memoryUsage.rss());
  }

  #close(): void {
    const current = this.#current;
    if (!current) return;
    this.#sample();
    this.phases.push({
      name: current.name,
      wall_s: (performance.now() - current.wall) / 1000,
      cpu_s: cpuSeconds() - current.cpu,
      peak_rss_bytes: current.peak,
    });
    this.#current = undefined;
  }
}

function phaseOf(event: TrainProgress): string {
  if (event.stage === 'search') return `search ${event.family}`;
  if (event.stage === 'refit') return 'refit, test and export';
  if (event.stage === 'export') return 'refit, test and export';
  return 'data';
}

/** VmRSS of a process, from /proc. */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

async function serveBench(store: string, version: string, bundleDir: string, seconds: number) {
  const bundle = await readBundle(bundleDir);
  const userIds = bundle.u32(MODEL_FILES.userIds);
  // Seeds from the fit catalogue only: a movie without fit interactions is a 404 by design.
  const catalogue = catalogueFromBundle(bundle);
  const movieIds = catalogue.movieIds.filter((_, i) => catalogue.inCatalogue[i] === 1);
  const server = await startServeProcess(
    ['--store', store, '--version', version, '--port', '0', '--log-dir', path.join(store, '..', 'logs')],
    600_000,
  );
  try {
    // Training runs niced (make bench-scale); latency is measured at normal priority where the user may raise it.
    setPriority(server.child.pid!, 0);
  } catch {
    say("  (serving runs at the bench's niceness: its latencies are upper bounds)");
  }
  const idle = rssOf(server.child.pid!);
  const out: Record<string, unknown> = { serving_rss_idle_bytes: idle };
  try {
    const bodies = {
      recommend: (i: number) => ({ user_id: userIds[(i * 7919) % userIds.length], k: 10 }),
      similar: (i: number) => ({ movie_ids: [movieIds[(i * 104_729) % movieIds.length]], k: 10 }),
    };
    for (const endpoint of ['recommend', 'similar'] as const) {
      const run = await openLoop({
        url: server.url,
        path: `/${endpoint}`,
        rate: 1000,
        seconds,
        idPrefix: endpoint,
        body: bodies[endpoint],
        maxOutstanding: 2000,
      });
      let non2xx = 0;
      for (const [status, n] of run.statuses) if (status < 200 || status >= 300) non2xx += n;
      const figures = {
        p50_ms: quantile(run.latencies, 0.5),
        p99_ms: quantile(run.latencies, 0.99),
        throughput: run.throughput,
        non_2xx: non2xx,
        unanswered: run.errors + run.timedOut + run.skipped,
      };
      out[endpoint] = figures;
      say(
        `  serving /${endpoint.padEnd(9)} 1,000 req/s × ${seconds} s: p50 ${figures.p50_ms.toFixed(2)} ms, p99 ${figures.p99_ms.toFixed(2)} ms, non-2xx ${non2xx}, unanswered ${figures.unanswered}  (${load()})`,
      );
    }
    const busy = rssOf(server.child.pid!);
    out.serving_rss_bytes = busy;
    say(`  serving process RSS: ${gib(idle)} after load, ${gib(busy)} after the runs  (${load()})`);
  } finally {
    await server.stop('SIGTERM');
  }
  return out;
}

const results: Record<string, unknown> = {};
let pass = true;
for (const name of args.shapes.split(',')) {
  const shape = SHAPES[name];
  if (!shape) throw new Error(`--shapes ${name}: expected some of ${Object.keys(SHAPES).join(', ')}`);
  const dir = path.join(args.work, `${name}-seed${args.seed}`);
  const raw = path.join(dir, 'raw');
  const prepared = path.join(dir, 'prepared');
  if (!existsSync(path.join(raw, 'ratings.dat'))) {
    rmSync(raw, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const started = performance.now();
    synthesize({ ...shape, seed: Number(args.seed), out: raw });
    say(`${name}: synthesised in ${((performance.now() - started) / 1000).toFixed(0)} s  (${load()})`);
  }
  if (!existsSync(path.join(prepared, 'manifest.json'))) {
    const started = performance.now();
    await prepareDataset({ source: raw, out: prepared });
    say(`${name}: prepared in ${((performance.now() - started) / 1000).toFixed(0)} s  (${load()})`);
  }
  const store = path.join(dir, 'store');
  rmSync(store, { recursive: true, force: true });
  rmSync(path.join(dir, 'logs'), { recursive: true, force: true });

  say(`\n${name}: ${shape.users} users × ${shape.items} movies × ${shape.interactions} ratings; default recsys train`);
  const meter = new PhaseMeter();
  const started = performance.now();
  const cpuStart = cpuSeconds();
  const result = await train({
    data: prepared,
    store,
    onProgress: (event) => {
      meter.enter(phaseOf(event));
      // A large shape trains for tens of minutes: a line per trial on stderr shows where it is.
      if (event.stage === 'search') {
        const minutes = ((performance.now() - started) / 60_000).toFixed(1);
        process.stderr.write(`  ${minutes} min: ${event.family} trial ${event.done}/${event.total}\n`);
      }
    },
  });
  meter.stop();
  const wall = (performance.now() - started) / 1000;
  const cpu = cpuSeconds() - cpuStart;
  const peak = process.resourceUsage().maxRSS * 1024;
  for (const phase of meter.phases) {
    say(
      `  ${phase.name.padEnd(24)} wall ${phase.wall_s.toFixed(0).padStart(5)} s  CPU ${phase.cpu_s.toFixed(0).padStart(5)} s  peak RSS ${gib(phase.peak_rss_bytes)}`,
    );
  }
  for (const [family, reason] of Object.entries(result.skipped)) say(`  skipped ${family}: ${reason}`);

  // All-time popularity on the same test, the baseline the chosen model must beat.
  const data = readPrepared(prepared);
  const refit = fitWindow(data, 'fit');
  const popular = evaluate({
    recommender: recommenderFor(await popularityFamily.fit(refit, { window: null }), refit),
    heldOut: refit.heldOut,
  });
  const chosen = result.models[result.best].test['ndcg@10'] as number;
  const baseline = popular.warm.metrics['ndcg@10'];
  const ratio = chosen / baseline;
  const minutes = wall / 60;
  const trainOk =
    minutes <= TARGETS.trainMinutes && peak <= TARGETS.peakRssGiB * 2 ** 30 && ratio > TARGETS.popularityRatio;
  if (name === 'ml-25m') pass &&= trainOk;
  say(
    `  total: wall ${minutes.toFixed(1)} min, CPU ${(cpu / 60).toFixed(1)} min, peak RSS ${gib(peak)}; chose ${result.best} ${JSON.stringify(result.models[result.best].params)}; memory budget ${gib(result.memory_budget.bytes)} (${result.memory_budget.source})  (${load()})`,
  );
  say(
    `  test NDCG@10: ${result.best} ${chosen.toFixed(4)} vs all-time popularity ${baseline.toFixed(4)} = ${ratio.toFixed(2)}x` +
      (name === 'ml-25m'
        ? `  targets: <= ${TARGETS.trainMinutes} min (goal ${TARGETS.goalMinutes}), peak RSS <= ${TARGETS.peakRssGiB} GiB, > ${TARGETS.popularityRatio}x ... ${trainOk ? 'PASS' : 'FAIL'}`
        : ''),
  );
  const serving = await serveBench(store, result.version, result.bundle, Number(args['serve-seconds']));
  results[name] = {
    shape,
    train: { wall_s: wall, cpu_s: cpu, peak_rss_bytes: peak, phases: meter.phases },
    best: result.best,
    params: result.models[result.best].params,
    skipped: result.skipped,
    memory_budget: result.memory_budget,
    test_ndcg_at_10: chosen,
    all_time_popularity_ndcg_at_10: baseline,
    serving,
    load_average: loadavg()[0],
  };
}
if (args.json) process.stdout.write(`${JSON.stringify({ results, pass })}\n`);
process.exitCode = pass ? 0 : 1;
