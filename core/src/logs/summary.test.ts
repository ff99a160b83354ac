import { describe, expect, it } from 'vitest';
import type { RequestLogRow } from './request-log.ts';
import { parseDuration, summariseRequests } from './summary.ts';

const row = (endpoint: string, latency: number, status = 200, fallback: boolean | null = false): RequestLogRow => ({
  request_id: `${endpoint}-${latency}`,
  timestamp: 1_000 + latency,
  as_of: 1_000,
  user_id: 1,
  endpoint,
  model_version: status === 200 ? 'v2' : null,
  recommendations: null,
  scores: null,
  latency_ms: latency,
  is_fallback: fallback,
  status,
});

describe('summarising request logs', () => {
  it('counts requests, errors and fallbacks per endpoint with nearest-rank latency quantiles', () => {
    const rows = [
      ...Array.from({ length: 100 }, (_, i) => row('POST /recommend', i + 1, 200, i < 10)),
      row('POST /similar', 3, 404, null),
      row('POST /similar', 5, 500, null),
    ];
    const summary = summariseRequests(rows);
    expect(summary.requests).toBe(102);
    expect(summary.model_versions).toEqual(['v2']);
    const [recommend, similar] = summary.endpoints;
    expect(recommend).toMatchObject({ endpoint: 'POST /recommend', requests: 100, fallbacks: 10, errors_4xx: 0 });
    expect(recommend.latency_ms).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
    expect(similar).toMatchObject({ requests: 2, errors_4xx: 1, errors_5xx: 1 });
  });

  it('summarises nothing as zeros', () => {
    expect(summariseRequests([])).toEqual({ requests: 0, first: null, last: null, model_versions: [], endpoints: [] });
  });

  it('reads durations such as 7d and 12h, and refuses other text', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('seven days')).toBeUndefined();
    expect(parseDuration('7')).toBeUndefined();
  });
});
