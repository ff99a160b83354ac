import type { RequestLogRow } from './request-log.ts';

export interface EndpointSummary {
  endpoint: string;
  requests: number;
  errors_4xx: number;
  errors_5xx: number;
  fallbacks: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

export interface LogSummary {
  requests: number;
  first: string | null;
  last: string | null;
  model_versions: string[];
  endpoints: EndpointSummary[];
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Requests, errors, fallbacks and latency quantiles per endpoint (nearest-rank quantiles). */
export function summariseRequests(rows: readonly RequestLogRow[]): LogSummary {
  const byEndpoint = new Map<string, RequestLogRow[]>();
  const versions = new Set<string>();
  for (const row of rows) {
    let list = byEndpoint.get(row.endpoint);
    if (!list) byEndpoint.set(row.endpoint, (list = []));
    list.push(row);
    if (row.model_version) versions.add(row.model_version);
  }
  const endpoints = [...byEndpoint.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([endpoint, list]) => {
      const latencies = Float64Array.from(list, (r) => r.latency_ms).sort();
      const round = (ms: number) => Math.round(ms * 1000) / 1000;
      return {
        endpoint,
        requests: list.length,
        errors_4xx: list.filter((r) => r.status >= 400 && r.status < 500).length,
        errors_5xx: list.filter((r) => r.status >= 500).length,
        fallbacks: list.filter((r) => r.is_fallback === true).length,
        latency_ms: {
          p50: round(quantile(latencies, 0.5)),
          p95: round(quantile(latencies, 0.95)),
          p99: round(quantile(latencies, 0.99)),
          max: round(latencies.length ? latencies[latencies.length - 1] : 0),
        },
      };
    });
  return {
    requests: rows.length,
    first: rows.length ? new Date(rows[0].timestamp).toISOString() : null,
    last: rows.length ? new Date(rows[rows.length - 1].timestamp).toISOString() : null,
    model_versions: [...versions].sort(),
    endpoints,
  };
}

/** "7d", "12h", "30m", "45s" → milliseconds; an ISO time is also accepted by the caller. */
export function parseDuration(text: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2]] as number;
  return Number(match[1]) * unit;
}
