import type { RequestLogRow } from '@recsys/core/logs/request-log';
import { type LatencySummary, nearestRank, summariseLatency } from './quantiles.ts';

/** Endpoints whose answers are recommendation lists: coverage counts these. */
export const RANKING_ENDPOINTS: ReadonlySet<string> = new Set(['POST /recommend', 'POST /similar']);
const RECOMMEND = 'POST /recommend';

export interface EndpointReport {
  endpoint: string;
  requests: number;
  errors_4xx: number;
  errors_5xx: number;
  fallbacks: number;
  latency_ms: LatencySummary;
}

export interface VersionReport {
  model_version: string;
  requests: number;
  users: number;
  recommend_requests: number;
  fallback_rate: number;
  recommended_movies: number;
  latency_ms: LatencySummary;
}

export interface TimeBucket {
  start: string;
  requests: number;
  /** p95 latency of the bucket's requests per endpoint (only endpoints with requests in it). */
  p95_ms: Record<string, number>;
}

export interface DailyReport {
  since: string;
  until: string;
  requests: number;
  unique_users: number;
  /** Share of successful POST /recommend answers that were the popularity fallback. */
  fallback_rate: number;
  coverage: { recommended_movies: number; catalogue_movies: number | null; ratio: number | null };
  endpoints: EndpointReport[];
  model_versions: VersionReport[];
  bucket_ms: number;
  timeline: TimeBucket[];
}

export interface ReportOptions {
  since: number;
  until: number;
  /** Movies the served model can rank, when known: coverage then has a ratio. */
  catalogueMovies?: number;
  /** Chart resolution; default splits the period into about 48 buckets of whole minutes. */
  bucketMs?: number;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(row);
  }
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

function recommendedMovies(rows: readonly RequestLogRow[]): number {
  const movies = new Set<number>();
  for (const row of rows) {
    if (row.status === 200 && row.recommendations && RANKING_ENDPOINTS.has(row.endpoint)) {
      for (const id of row.recommendations) movies.add(id);
    }
  }
  return movies.size;
}

function fallbackRate(rows: readonly RequestLogRow[]): number {
  const answered = rows.filter((r) => r.endpoint === RECOMMEND && r.status === 200);
  return answered.length ? answered.filter((r) => r.is_fallback === true).length / answered.length : 0;
}

function distinctUsers(rows: readonly RequestLogRow[]): number {
  return new Set(rows.flatMap((r) => (r.user_id === null ? [] : [r.user_id]))).size;
}

/** The daily report's figures from request-log rows of [since, until): exact counts, nearest-rank quantiles. */
export function buildReport(all: readonly RequestLogRow[], options: ReportOptions): DailyReport {
  const rows = all.filter((r) => r.timestamp >= options.since && r.timestamp < options.until);
  const span = options.until - options.since;
  const bucketMs = options.bucketMs ?? Math.max(60_000, Math.ceil(span / 48 / 60_000) * 60_000);
  const recommended = recommendedMovies(rows);
  const catalogue = options.catalogueMovies ?? null;

  const endpoints = [...groupBy(rows, (r) => r.endpoint)].map(([endpoint, list]) => ({
    endpoint,
    requests: list.length,
    errors_4xx: list.filter((r) => r.status >= 400 && r.status < 500).length,
    errors_5xx: list.filter((r) => r.status >= 500).length,
    fallbacks: list.filter((r) => r.is_fallback === true).length,
    latency_ms: summariseLatency(list.map((r) => r.latency_ms)),
  }));

  const versioned = rows.filter((r) => r.model_version !== null);
  const model_versions = [...groupBy(versioned, (r) => r.model_version as string)].map(([model_version, list]) => ({
    model_version,
    requests: list.length,
    users: distinctUsers(list),
    recommend_requests: list.filter((r) => r.endpoint === RECOMMEND && r.status === 200).length,
    fallback_rate: fallbackRate(list),
    recommended_movies: recommendedMovies(list),
    latency_ms: summariseLatency(list.map((r) => r.latency_ms)),
  }));

  const buckets = Math.max(1, Math.ceil(span / bucketMs));
  const perBucket = Array.from({ length: buckets }, () => new Map<string, number[]>());
  for (const row of rows) {
    const b = Math.min(buckets - 1, Math.floor((row.timestamp - options.since) / bucketMs));
    let list = perBucket[b].get(row.endpoint);
    if (!list) perBucket[b].set(row.endpoint, (list = []));
    list.push(row.latency_ms);
  }
  const timeline = perBucket.map((byEndpoint, b) => {
    const p95_ms: Record<string, number> = {};
    let requests = 0;
    for (const [endpoint, latencies] of [...byEndpoint].sort(([a], [c]) => a.localeCompare(c))) {
      requests += latencies.length;
      p95_ms[endpoint] = nearestRank(Float64Array.from(latencies).sort(), 0.95);
    }
    return { start: new Date(options.since + b * bucketMs).toISOString(), requests, p95_ms };
  });

  return {
    since: new Date(options.since).toISOString(),
    until: new Date(options.until).toISOString(),
    requests: rows.length,
    unique_users: distinctUsers(rows),
    fallback_rate: fallbackRate(rows),
    coverage: {
      recommended_movies: recommended,
      catalogue_movies: catalogue,
      ratio: catalogue ? recommended / catalogue : null,
    },
    endpoints,
    model_versions,
    bucket_ms: bucketMs,
    timeline,
  };
}
