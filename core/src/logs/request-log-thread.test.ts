import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.ts';
import { logFilePath } from './files.ts';
import { readRequestLogs } from './read.ts';
import type { RequestLogRow } from './request-log.ts';
import { ThreadedRequestLog } from './request-log-thread.ts';

const temp = tempDir('recsys-request-log-thread-');
afterAll(() => temp.cleanup());

const row = (i: number): RequestLogRow => ({
  request_id: `r-${i}`,
  timestamp: Date.now(),
  as_of: Date.now(),
  user_id: i,
  endpoint: 'POST /recommend',
  model_version: 'v1',
  recommendations: [i, i + 1],
  scores: [0.5, 0.25],
  latency_ms: 1.5,
  is_fallback: i % 2 === 0,
  status: 200,
});

function fresh(name: string, options: { batchSize?: number; maxPending?: number } = {}) {
  const dir = path.join(temp.dir, name);
  mkdirSync(dir);
  const counts = { written: 0, dropped: 0 };
  const log = new ThreadedRequestLog({
    file: logFilePath(dir, 'requests'),
    ...options,
    onWritten: (n) => {
      counts.written += n;
    },
    onDropped: (n) => {
      counts.dropped += n;
    },
  });
  return { dir, log, counts };
}

describe('the request log on its writer thread', () => {
  it('writes every row handed to it, across batches, by the time close resolves', async () => {
    const { dir, log, counts } = fresh('all', { batchSize: 64 });
    for (let i = 0; i < 1000; i++) log.append(row(i));
    await log.close();
    expect(counts).toEqual({ written: 1000, dropped: 0 });
    const rows = readRequestLogs(dir).rows;
    expect(rows.map((r) => r.request_id).sort()).toEqual(Array.from({ length: 1000 }, (_, i) => `r-${i}`).sort());
    expect(rows.find((r) => r.request_id === 'r-7')).toMatchObject({ user_id: 7, recommendations: [7, 8] });
  });

  it('drops and counts rows beyond maxPending while the writer lags, and every row after close', async () => {
    const { dir, log, counts } = fresh('bounded', { maxPending: 100 });
    for (let i = 0; i < 150; i++) log.append(row(i));
    expect(counts.dropped).toBe(50);
    await log.close();
    log.append(row(999));
    expect(counts).toEqual({ written: 100, dropped: 51 });
    expect(readRequestLogs(dir).rows).toHaveLength(100);
  });
});
