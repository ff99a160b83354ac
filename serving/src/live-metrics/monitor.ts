import type { RequestLogRow } from '@recsys/core/logs/request-log';
import { Gauge, type Registry } from 'prom-client';
import type { ModelHandle } from '../model/handle.ts';
import { CatalogueCoverage } from './coverage.ts';
import { UniqueUsers } from './unique-users.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Endpoints whose lists are recommendations (catalogue coverage counts these, not /popular or /movies). */
export const RANKING_ENDPOINTS: ReadonlySet<string> = new Set(['POST /recommend', 'POST /similar']);

export interface ServingMonitorOptions {
  registry: Registry;
  /** Movies the served model can rank: the coverage denominator (undefined while no model is loaded). */
  catalogueSize: () => number | undefined;
  now?: () => number;
}

export interface ServingMonitor {
  /** Feeds one answered request, as the request log records it. */
  observe(row: RequestLogRow): void;
  readonly users: UniqueUsers;
  readonly coverage: CatalogueCoverage;
}

/**
 * Extra serving metrics computed in-process from what each request answered: distinct users over 1 h / 24 h
 * (a HyperLogLog, never ids in labels) and catalogue coverage since start and over the last hour. Gauges are
 * computed when Prometheus scrapes, so observing a request stays O(list length).
 */
export function createServingMonitor(options: ServingMonitorOptions): ServingMonitor {
  const now = options.now ?? Date.now;
  const users = new UniqueUsers({ horizonMs: DAY_MS });
  const coverage = new CatalogueCoverage({ windowMs: HOUR_MS });
  const registers = [options.registry];
  new Gauge({
    name: 'recsys_unique_users',
    help: 'Distinct user ids that called the API in the window (HyperLogLog estimate, about 1.6% error)',
    labelNames: ['window'] as const,
    registers,
    collect() {
      const at = now();
      this.set({ window: '1h' }, users.estimate(HOUR_MS, at));
      this.set({ window: '24h' }, users.estimate(DAY_MS, at));
    },
  });
  new Gauge({
    name: 'recsys_recommended_movies',
    help: 'Distinct movies recommended by /recommend and /similar, since the process started and in the last hour',
    labelNames: ['window'] as const,
    registers,
    collect() {
      this.set({ window: 'since_start' }, coverage.sinceStart());
      this.set({ window: '1h' }, coverage.inWindow(now()));
    },
  });
  new Gauge({
    name: 'recsys_catalogue_movies',
    help: 'Movies the served model can rank (the catalogue coverage denominator)',
    registers,
    collect() {
      this.set(options.catalogueSize() ?? 0);
    },
  });
  new Gauge({
    name: 'recsys_catalogue_coverage_ratio',
    help: 'Share of the rankable catalogue recommended at least once, since start and in the last hour',
    labelNames: ['window'] as const,
    registers,
    collect() {
      const size = options.catalogueSize() ?? 0;
      const share = (n: number) => (size > 0 ? Math.min(1, n / size) : 0);
      this.set({ window: 'since_start' }, share(coverage.sinceStart()));
      this.set({ window: '1h' }, share(coverage.inWindow(now())));
    },
  });
  return {
    users,
    coverage,
    observe(row) {
      const at = now();
      if (row.user_id !== null) users.add(row.user_id, at);
      if (row.status === 200 && row.recommendations && RANKING_ENDPOINTS.has(row.endpoint)) {
        coverage.add(row.recommendations, at);
      }
    },
  };
}

/** Movies a model can rank, counted once per loaded model (its catalogue does not change while served). */
export function rankableMovies(model: ModelHandle): number {
  let n = 0;
  for (const movie of model.searchMovies('', undefined, Number.MAX_SAFE_INTEGER))
    if (model.knowsMovie(movie.movie_id)) n++;
  return n;
}
