import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { readRequestLogs } from '@recsys/core/logs/read';
import { RequestLog, type RequestLogRow } from '@recsys/core/logs/request-log';
import { tempDir } from '@recsys/core/testing/fixtures';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml, renderMarkdown } from './render.ts';
import { buildReport } from './report.ts';

const temp = tempDir('recsys-report-');
afterAll(() => temp.cleanup());

const HOUR = 3_600_000;
const ENDPOINTS = ['POST /recommend', 'POST /recommend', 'POST /similar', 'POST /interactions', 'GET /popular'];

/** Two serving processes' logs with 30 hours of mixed traffic (the report asks for the last 24). */
function writeLogs(dir: string, now: number): void {
  let seed = 11;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  for (const pod of ['a', 'b']) {
    const log = new RequestLog({ file: path.join(dir, `requests-20260101T000000Z-${pod}-1.sqlite`) });
    for (let i = 0; i < 1500; i++) {
      const endpoint = ENDPOINTS[Math.floor(random() * ENDPOINTS.length)];
      const status = random() < 0.05 ? 404 : random() < 0.02 ? 500 : 200;
      const ranked = status === 200 && endpoint !== 'POST /interactions';
      const list = ranked ? Array.from({ length: 10 }, () => 1 + Math.floor(random() ** 2 * 400)) : null;
      const row: RequestLogRow = {
        request_id: `${pod}-${i}`,
        timestamp: Math.floor(now - 30 * HOUR + random() * 30 * HOUR),
        as_of: now,
        user_id:
          endpoint === 'POST /recommend' || endpoint === 'POST /interactions' ? Math.floor(random() * 300) : null,
        endpoint,
        model_version: status === 500 ? null : random() < 0.4 ? 'v1' : 'v2',
        recommendations: list,
        scores: list ? list.map(() => 1) : null,
        latency_ms: Math.round(random() ** 3 * 80_000) / 1000 + 0.1,
        is_fallback:
          endpoint === 'POST /recommend' && status === 200
            ? random() < 0.15
            : endpoint === 'POST /similar' && status === 200
              ? false
              : null,
        status,
      };
      log.append(row);
    }
    log.close();
  }
}

describe('the daily report', () => {
  it('has the numbers SQL over the same log files gives', () => {
    const dir = path.join(temp.dir, 'logs');
    mkdirSync(dir);
    const now = Date.now();
    writeLogs(dir, now);
    const since = now - 24 * HOUR;
    const { rows, files } = readRequestLogs(dir);
    expect(files).toHaveLength(2);
    const report = buildReport(rows, { since, until: now, catalogueMovies: 500 });

    const db = new Database(':memory:');
    for (const [i, file] of files.entries()) db.prepare(`ATTACH DATABASE ? AS f${i}`).run(file);
    db.exec(
      `CREATE TEMP VIEW r AS SELECT * FROM (${files.map((_, i) => `SELECT * FROM f${i}.requests`).join(' UNION ALL ')}) WHERE timestamp >= ${since} AND timestamp < ${now}`,
    );
    const one = <T>(sql: string, ...args: unknown[]) => Object.values(db.prepare(sql).get(...args) as object)[0] as T;
    // Nearest rank: the ceil(q·n)-th smallest latency.
    const quantile = (where: string, q: number) =>
      one<number>(
        `SELECT latency_ms FROM (SELECT latency_ms, ROW_NUMBER() OVER (ORDER BY latency_ms) AS rn, COUNT(*) OVER () AS n FROM r WHERE ${where})
         WHERE rn = MAX(1, CAST(${q} * n AS INTEGER) + (${q} * n > CAST(${q} * n AS INTEGER)))`,
      );
    const ranked = "status = 200 AND endpoint IN ('POST /recommend', 'POST /similar')";

    expect(report.requests).toBe(one<number>('SELECT COUNT(*) FROM r'));
    expect(report.requests).toBeLessThan(rows.length);
    expect(report.unique_users).toBe(one<number>('SELECT COUNT(DISTINCT user_id) FROM r'));
    expect(report.fallback_rate).toBeCloseTo(
      one<number>("SELECT AVG(is_fallback) FROM r WHERE endpoint = 'POST /recommend' AND status = 200"),
      12,
    );
    const recommended = one<number>(
      `SELECT COUNT(DISTINCT j.value) FROM r, json_each(r.recommendations) j WHERE ${ranked}`,
    );
    expect(report.coverage).toEqual({
      recommended_movies: recommended,
      catalogue_movies: 500,
      ratio: recommended / 500,
    });

    const endpoints = db.prepare('SELECT DISTINCT endpoint FROM r ORDER BY endpoint').pluck().all() as string[];
    expect(report.endpoints.map((e) => e.endpoint)).toEqual(endpoints);
    for (const e of report.endpoints) {
      const where = `endpoint = '${e.endpoint}'`;
      expect(e.requests).toBe(one<number>(`SELECT COUNT(*) FROM r WHERE ${where}`));
      expect(e.errors_4xx).toBe(one<number>(`SELECT COUNT(*) FROM r WHERE ${where} AND status BETWEEN 400 AND 499`));
      expect(e.errors_5xx).toBe(one<number>(`SELECT COUNT(*) FROM r WHERE ${where} AND status >= 500`));
      expect(e.fallbacks).toBe(one<number>(`SELECT COUNT(*) FROM r WHERE ${where} AND is_fallback = 1`));
      expect(e.latency_ms.mean).toBeCloseTo(one<number>(`SELECT AVG(latency_ms) FROM r WHERE ${where}`), 9);
      expect(e.latency_ms.p50).toBe(quantile(where, 0.5));
      expect(e.latency_ms.p95).toBe(quantile(where, 0.95));
      expect(e.latency_ms.p99).toBe(quantile(where, 0.99));
      expect(e.latency_ms.max).toBe(one<number>(`SELECT MAX(latency_ms) FROM r WHERE ${where}`));
    }

    expect(report.model_versions.map((v) => v.model_version)).toEqual(['v1', 'v2']);
    for (const v of report.model_versions) {
      const where = `model_version = '${v.model_version}'`;
      expect(v.requests).toBe(one<number>(`SELECT COUNT(*) FROM r WHERE ${where}`));
      expect(v.users).toBe(one<number>(`SELECT COUNT(DISTINCT user_id) FROM r WHERE ${where}`));
      expect(v.fallback_rate).toBeCloseTo(
        one<number>(`SELECT AVG(is_fallback) FROM r WHERE ${where} AND endpoint = 'POST /recommend' AND status = 200`),
        12,
      );
      expect(v.recommended_movies).toBe(
        one<number>(
          `SELECT COUNT(DISTINCT j.value) FROM r, json_each(r.recommendations) j WHERE ${where} AND ${ranked}`,
        ),
      );
      expect(v.latency_ms.p95).toBe(quantile(where, 0.95));
    }

    const perBucket = db
      .prepare(`SELECT (timestamp - ${since}) / ${report.bucket_ms} AS b, COUNT(*) AS n FROM r GROUP BY b`)
      .all() as { b: number; n: number }[];
    const expectedBuckets = new Array(report.timeline.length).fill(0);
    for (const { b, n } of perBucket) expectedBuckets[Math.min(Math.floor(b), expectedBuckets.length - 1)] += n;
    expect(report.timeline.map((t) => t.requests)).toEqual(expectedBuckets);
    const b0 = `timestamp >= ${since} AND timestamp < ${since + report.bucket_ms} AND endpoint = 'POST /similar'`;
    expect(report.timeline[0].p95_ms['POST /similar']).toBe(quantile(b0, 0.95));
    db.close();

    const html = renderHtml(report);
    expect(html).toContain(`<td>${report.requests}</td>`);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(renderMarkdown(report)).toContain(`- **Unique users**: ${report.unique_users}`);
  });
});
