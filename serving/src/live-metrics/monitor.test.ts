import type { RequestLogRow } from '@recsys/core/logs/request-log';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CatalogueCoverage } from './coverage.ts';
import { HyperLogLog } from './hyperloglog.ts';
import { createServingMonitor } from './monitor.ts';
import { UniqueUsers } from './unique-users.ts';

const MIN = 60_000;

function row(over: Partial<RequestLogRow>): RequestLogRow {
  return {
    request_id: 'r',
    timestamp: 0,
    as_of: 0,
    user_id: null,
    endpoint: 'POST /recommend',
    model_version: 'v1',
    recommendations: null,
    scores: null,
    latency_ms: 1,
    is_fallback: false,
    status: 200,
    ...over,
  };
}

describe('HyperLogLog', () => {
  it('estimates distinct ids within 5% from 10 to 200k, however often each repeats', () => {
    for (const n of [10, 1_000, 50_000, 200_000]) {
      const sketch = new HyperLogLog();
      for (let rep = 0; rep < 3; rep++) for (let id = 1; id <= n; id++) sketch.add(id * 7 + 3);
      expect(Math.abs(sketch.estimate() - n) / n).toBeLessThan(0.05);
    }
  });

  it('merges to the union', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let id = 0; id < 30_000; id++) a.add(id);
    for (let id = 20_000; id < 50_000; id++) b.add(id);
    a.merge(b);
    expect(Math.abs(a.estimate() - 50_000) / 50_000).toBeLessThan(0.05);
  });
});

describe('unique users over sliding windows', () => {
  it('counts users of the last hour and day separately and forgets older ones', () => {
    const users = new UniqueUsers({ bucketMs: 5 * MIN, horizonMs: 24 * 60 * MIN });
    const t0 = 1_700_000_000_000;
    for (let u = 0; u < 500; u++) users.add(u, t0);
    const later = t0 + 3 * 60 * MIN;
    for (let u = 400; u < 700; u++) users.add(u, later);
    expect(users.estimate(60 * MIN, later)).toBeGreaterThan(290);
    expect(users.estimate(60 * MIN, later)).toBeLessThan(310);
    expect(Math.abs(users.estimate(24 * 60 * MIN, later) - 700)).toBeLessThan(20);
    expect(users.estimate(24 * 60 * MIN, t0 + 25 * 60 * MIN * 60)).toBe(0);
  });
});

describe('catalogue coverage', () => {
  it('keeps every movie since start and only the last window in the window', () => {
    const coverage = new CatalogueCoverage({ windowMs: 60 * MIN, bucketMs: MIN });
    coverage.add([1, 2, 3], 0);
    coverage.add([3, 4], 30 * MIN);
    expect(coverage.inWindow(30 * MIN)).toBe(4);
    expect(coverage.inWindow(70 * MIN)).toBe(2);
    coverage.add([5], 120 * MIN);
    expect(coverage.inWindow(120 * MIN)).toBe(1);
    expect(coverage.sinceStart()).toBe(5);
  });
});

describe('the serving monitor', () => {
  it('exposes unique users and coverage gauges computed at scrape time, with no user id in any label', async () => {
    const registry = new Registry();
    let at = 1_700_000_000_000;
    const monitor = createServingMonitor({ registry, catalogueSize: () => 40, now: () => at });
    for (let u = 0; u < 12; u++) {
      monitor.observe(row({ user_id: 1000 + u, recommendations: [u, u + 1, u + 2] }));
    }
    monitor.observe(row({ endpoint: 'GET /popular', recommendations: [90, 91] }));
    monitor.observe(row({ status: 404, user_id: 5000, recommendations: null }));
    at += 2 * 3_600_000;
    monitor.observe(row({ user_id: 1, endpoint: 'POST /similar', recommendations: [0, 50] }));
    const text = await registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('recsys_unique_users\\{window="1h"\\}')).toBe(1);
    expect(value('recsys_unique_users\\{window="24h"\\}')).toBe(14);
    expect(value('recsys_recommended_movies\\{window="since_start"\\}')).toBe(15);
    expect(value('recsys_recommended_movies\\{window="1h"\\}')).toBe(2);
    expect(value('recsys_catalogue_coverage_ratio\\{window="since_start"\\}')).toBeCloseTo(15 / 40, 12);
    expect(value('recsys_catalogue_movies')).toBe(40);
    expect(text).not.toMatch(/user_id|1000/);
  });
});
