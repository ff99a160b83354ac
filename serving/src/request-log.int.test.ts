import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { logFilePath } from '@recsys/core/logs/files';
import { readRequestLogs } from '@recsys/core/logs/read';
import { RequestLog, type RequestLogSink } from '@recsys/core/logs/request-log';
import { ThreadedRequestLog } from '@recsys/core/logs/request-log-thread';
import { tempDir } from '@recsys/core/testing/fixtures';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createServingMetrics } from './metrics.ts';
import { ModelSlot } from './model/slot.ts';
import { startServer } from './server.ts';
import { call } from './testing/http.ts';
import { syntheticModel } from './testing/synthetic-model.ts';

const temp = tempDir('recsys-request-log-');
afterAll(() => temp.cleanup());

async function droppedTotal(url: string): Promise<number> {
  const text = (await call(url, 'GET', '/metrics')).body as string;
  return Number(/^recsys_log_rows_dropped_total (\S+)$/m.exec(text)?.[1]);
}

function appWithLog(log: RequestLogSink | undefined, metrics = createServingMetrics({ defaultMetrics: false })) {
  return startServer({ slot: new ModelSlot(syntheticModel().model), metrics, requestLog: log });
}

// Serving writes through ThreadedRequestLog (a writer thread owns the SQLite file), so these go through it too.
describe('the request log', () => {
  it('writes one row per request, matched by request id, with what was answered', async () => {
    const dir = path.join(temp.dir, 'ok');
    mkdirSync(dir);
    const metrics = createServingMetrics({ defaultMetrics: false });
    const log = new ThreadedRequestLog({
      file: logFilePath(dir, 'requests'),
      onWritten: (n) => metrics.logRowsWritten.inc(n),
    });
    const server = await appWithLog(log, metrics);
    const answers = new Map<string, { status: number; ids: number[] | null; fallback: boolean | null }>();
    for (let i = 0; i < 60; i++) {
      const id = `req-${i}`;
      const headers = { 'x-request-id': id, 'x-as-of': String(880_000_000 + i) };
      const res =
        i % 3 === 0
          ? await call(server.url, 'POST', '/recommend', { user_id: 101 + (i % 40) }, { headers })
          : i % 3 === 1
            ? await call(server.url, 'POST', '/recommend', { user_id: 900_000 + i }, { headers })
            : await call(server.url, 'POST', '/similar', { movie_ids: [i % 2 ? 20 : 99_999] }, { headers });
      answers.set(id, {
        status: res.status,
        ids: res.body.recommendations?.map((r: { movie_id: number }) => r.movie_id) ?? null,
        fallback: res.status === 200 ? (res.body.is_fallback ?? false) : null,
      });
    }
    await server.close();
    const { rows, problems } = readRequestLogs(dir);
    expect(problems).toEqual([]);
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.request_id))).toEqual(new Set(answers.keys()));
    for (const row of rows) {
      const answer = answers.get(row.request_id)!;
      expect(row.status).toBe(answer.status);
      expect(row.recommendations).toEqual(answer.ids);
      expect(row.is_fallback).toBe(answer.fallback);
      expect(row.as_of).toBe((880_000_000 + Number(row.request_id.slice(4))) * 1000);
      expect(row.latency_ms).toBeGreaterThan(0);
      if (row.status === 200) expect(row.model_version).toBe('v-synthetic');
    }
    expect(rows.find((r) => r.request_id === 'req-0')?.endpoint).toBe('POST /recommend');
    expect(rows.find((r) => r.request_id === 'req-2')?.status).toBe(404);
  });

  it('drops rows and counts them when the log file cannot be opened; requests still succeed', async () => {
    const dir = path.join(temp.dir, 'unwritable');
    // A directory where the file should be: SQLite cannot open it, even as root.
    const file = path.join(dir, 'requests-blocked.sqlite');
    mkdirSync(file, { recursive: true });
    const metrics = createServingMetrics({ defaultMetrics: false });
    const log = new ThreadedRequestLog({ file, onDropped: (n) => metrics.logRowsDropped.inc(n) });
    const server = await appWithLog(log, metrics);
    for (let i = 0; i < 25; i++) {
      expect((await call(server.url, 'POST', '/recommend', { user_id: 101 })).status).toBe(200);
    }
    log.flush();
    await vi.waitFor(async () => expect(await droppedTotal(server.url)).toBe(25));
    expect(log.pending).toBe(0);
    await server.close();
  });

  it('drops a batch it cannot write (the file is locked) and resumes once it can', async () => {
    const dir = path.join(temp.dir, 'locked');
    mkdirSync(dir);
    const file = logFilePath(dir, 'requests');
    const metrics = createServingMetrics({ defaultMetrics: false });
    const log = new ThreadedRequestLog({
      file,
      flushIntervalMs: 60_000,
      onDropped: (n) => metrics.logRowsDropped.inc(n),
    });
    const server = await appWithLog(log, metrics);
    // One row written first, so the writer has the file open before it is locked.
    expect((await call(server.url, 'GET', '/popular')).status).toBe(200);
    log.flush();
    await vi.waitFor(() => expect(log.pending).toBe(0));
    const blocker = new Database(file);
    blocker.exec('BEGIN EXCLUSIVE');
    for (let i = 0; i < 10; i++) expect((await call(server.url, 'GET', '/popular')).status).toBe(200);
    log.flush();
    await vi.waitFor(async () => expect(await droppedTotal(server.url)).toBe(10));
    blocker.exec('COMMIT');
    blocker.close();
    for (let i = 0; i < 7; i++) expect((await call(server.url, 'GET', '/popular')).status).toBe(200);
    await server.close();
    expect(readRequestLogs(dir).rows).toHaveLength(1 + 7);
  });

  it('keeps at least 7 days and deletes older rows', () => {
    const dir = path.join(temp.dir, 'retention');
    mkdirSync(dir);
    const log = new RequestLog({ file: logFilePath(dir, 'requests'), retentionDays: 1 });
    const now = Date.now();
    const row = (ageDays: number, id: string) => ({
      request_id: id,
      timestamp: now - ageDays * 86_400_000,
      as_of: now,
      user_id: 1,
      endpoint: 'POST /recommend',
      model_version: 'v1',
      recommendations: [1, 2],
      scores: [0.5, 0.25],
      latency_ms: 1,
      is_fallback: false,
      status: 200,
    });
    log.append(row(6.9, 'recent'));
    log.append(row(7.1, 'old'));
    log.flush();
    expect(log.prune(now)).toBe(1);
    log.close();
    expect(readRequestLogs(dir).rows.map((r) => r.request_id)).toEqual(['recent']);
  });
});
