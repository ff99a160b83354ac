import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readRequestLogs } from '@recsys/core/logs/read';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { readPrepared } from '@recsys/trainer/data/prepared';
import { sessionsBetween } from '@recsys/trainer/simulate/sessions';
import { type SimulateSummary, simulate } from '@recsys/trainer/simulate/simulate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServeProcess } from '../testing/cli-process.ts';
import { call, TEST_API_KEY } from '../testing/http.ts';
import { dashboardExpressions, metricNames, ruleExpressions, substituteGrafanaVariables } from './expressions.ts';
import { RANKING_ENDPOINTS } from './monitor.ts';
import { PROMETHEUS, type PrometheusProcess, startPrometheus } from './prometheus-process.ts';

const PROMTOOL = process.env.RECSYS_PROMTOOL ?? '/usr/bin/promtool';
const dashboards = path.join(repoRoot, 'dashboards');
const rules = path.join(repoRoot, 'monitoring', 'recsys-alerts.rules.yml');
const recsys = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), ...args], { encoding: 'utf8' });

function requirePrometheus(): boolean {
  if (existsSync(PROMETHEUS) && existsSync(PROMTOOL)) return true;
  if (process.env.CI === 'true')
    throw new Error(`${PROMETHEUS} or ${PROMTOOL} missing: run scripts/system-deps.sh prometheus`);
  return false;
}
const available = requirePrometheus();

describe.skipIf(!available)('alert rules (promtool)', () => {
  it('pass promtool check rules and the rule unit tests, which fire and stay quiet', () => {
    expect(execFileSync(PROMTOOL, ['check', 'rules', rules], { encoding: 'utf8' })).toMatch(/SUCCESS: 5 rules found/);
    const out = execFileSync(PROMTOOL, ['test', 'rules', 'recsys-alerts.test.yml'], {
      cwd: path.dirname(rules),
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS/);
  });
});

describe.skipIf(!available)('a real Prometheus scraping the real serving under simulated traffic', () => {
  const temp = tempDir('recsys-prometheus-');
  const logDir = path.join(temp.dir, 'logs');
  let served: ServeProcess | undefined;
  let prometheus: PrometheusProcess | undefined;
  let summary: SimulateSummary;
  let similarAnswered = 0;
  let warmFallback = 0;

  const scalar = async (query: string): Promise<number> => {
    const result = await prometheus!.api<{ result: { value: [number, string] }[] }>('query', { query });
    return result.result.length ? Number(result.result[0].value[1]) : Number.NaN;
  };
  const until = async (ready: () => Promise<boolean>, what = 'a Prometheus scrape') => {
    const deadline = Date.now() + 20_000;
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  beforeAll(async () => {
    const synth = path.join(temp.dir, 'synth');
    const data = path.join(temp.dir, 'data');
    const store = path.join(temp.dir, 'store');
    recsys(
      'data',
      'synth',
      '--users',
      '400',
      '--items',
      '300',
      '--interactions',
      '20000',
      '--seed',
      '3',
      '--out',
      synth,
    );
    recsys('data', 'prepare', '--source', synth, '--out', data);
    const trained = JSON.parse(
      recsys('train', '--data', data, '--store', store, '--models', 'als', '--budget', '1', '--json'),
    );
    recsys('promote', '--store', store, '--version', trained.version);

    // The real `recsys serve` process, which wires the monitor into its request log.
    served = await startServeProcess([
      '--store',
      store,
      '--follow',
      '--port',
      '0',
      '--log-dir',
      logDir,
      '--no-rate-limits',
    ]);
    prometheus = await startPrometheus(temp.dir, new URL(served.url).host, [rules]);

    // One answer scraped before the load, so rates over the load window have a sample on each side of it.
    const warm = await call(served.url, 'POST', '/recommend', { user_id: 1, k: 10 });
    warmFallback = warm.body.is_fallback ? 1 : 0;
    await until(async () => (await scalar('sum(recsys_recommendations_total{endpoint="recommend"})')) === 1);

    const prepared = readPrepared(data);
    const from = Date.parse(prepared.manifest.cutoffs.test) / 1000;
    summary = await simulate({
      api: served.url,
      apiKey: TEST_API_KEY,
      sessions: sessionsBetween(prepared, from, Infinity),
      speed: Infinity,
    });
    for (let i = 0; i < 60; i++) {
      const movie = prepared.movieIds[i % prepared.movieIds.length];
      const res = await call(served.url, 'POST', '/similar', { movie_ids: [i % 6 === 0 ? 9_999_999 : movie], k: 10 });
      if (res.status === 200) similarAnswered++;
    }
    // The log writes in batches every 200 ms; SIGTERM flushes it at the end.
    await new Promise((resolve) => setTimeout(resolve, 600));
  });

  afterAll(async () => {
    await prometheus?.stop();
    await served?.stop();
    temp.cleanup();
  });

  it('sees every metric the dashboards and rules use, accepts every expression, and reports the traffic sent', async () => {
    expect(summary.errors).toBe(0);
    expect(summary.recommend_requests).toBeGreaterThan(500);
    const answered = summary.personalised + summary.fold_in + summary.fallbacks + 1;
    // The /similar requests came last: a scrape that saw the final /recommend count may predate some of them.
    await until(
      async () =>
        (await scalar('sum(recsys_recommendations_total{endpoint="recommend"})')) === answered &&
        (await scalar('sum(recsys_recommendations_total{endpoint="similar"})')) === similarAnswered,
      'a scrape after the last request',
    );

    const expressions = [...dashboardExpressions(dashboards), ...ruleExpressions(rules)];
    expect(expressions.length).toBeGreaterThan(12);
    const names = new Set(await prometheus!.api<string[]>('label/__name__/values'));
    const missing = expressions.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !names.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    for (const { where, expr } of expressions) {
      await expect(prometheus!.api('query', { query: substituteGrafanaVariables(expr) }), where).resolves.toBeDefined();
    }

    // Every user of the data is known to the deployed model, so there may be no fallback series at all: count 0.
    expect(await scalar('sum(recsys_recommendations_total{endpoint="recommend",fallback="true"}) or vector(0)')).toBe(
      summary.fallbacks + warmFallback,
    );
    expect(await scalar('recsys_model_info')).toBe(1);

    const { rows } = readRequestLogs(logDir);
    const users = new Set(rows.flatMap((r) => (r.user_id === null ? [] : [r.user_id])));
    const movies = new Set(
      rows.flatMap((r) => (r.status === 200 && RANKING_ENDPOINTS.has(r.endpoint) ? (r.recommendations ?? []) : [])),
    );
    const uniqueUsers = await scalar('max by (window) (recsys_unique_users{window="1h"})');
    expect(Math.abs(uniqueUsers - users.size) / users.size).toBeLessThan(0.05);
    expect(await scalar('recsys_recommended_movies{window="since_start"}')).toBe(movies.size);
    const catalogue = await scalar('recsys_catalogue_movies');
    expect(catalogue).toBeGreaterThan(100);
    expect(await scalar('recsys_catalogue_coverage_ratio{window="since_start"}')).toBeCloseTo(
      movies.size / catalogue,
      9,
    );

    const p95 = await scalar(
      'histogram_quantile(0.95, sum by (le) (rate(recsys_http_request_duration_seconds_bucket{route="/recommend"}[1m])))',
    );
    // The histogram reached Prometheus; how fast /recommend is on this machine is bench/serving.ts's figure.
    expect(p95).toBeGreaterThan(0);
    process.stderr.write(
      `prometheus test: ${summary.sessions} sessions in ${summary.wall_ms} ms; fallback ${(summary.fallback_rate * 100).toFixed(1)}%; unique users ${uniqueUsers} (exact ${users.size}); coverage ${movies.size}/${catalogue}; /recommend p95 ${(p95 * 1000).toFixed(2)} ms\n`,
    );
  });

  it('replays and reports the logs the simulation left', () => {
    const replayed = JSON.parse(recsys('replay', '--log-dir', logDir, '--window', '7d', '--json'));
    const answered = summary.personalised + summary.fold_in + summary.fallbacks + 1;
    expect(replayed.by_endpoint.find((g: { key: string }) => g.key === 'POST /recommend').requests).toBe(answered);
    expect(replayed.unattributable).toBe(similarAnswered);
    expect(replayed.by_source.find((g: { key: string }) => g.key === 'fallback')?.requests ?? 0).toBe(
      summary.fallbacks + warmFallback,
    );
    process.stderr.write(`replay on the simulation: ${JSON.stringify(replayed.overall)}\n`);

    const out = path.join(temp.dir, 'report.json');
    recsys('report', '--log-dir', logDir, '--since', '1h', '--out', out);
    const report = JSON.parse(execFileSync('cat', [out], { encoding: 'utf8' }));
    expect(report.requests).toBe(readRequestLogs(logDir).rows.length);
  });
});
