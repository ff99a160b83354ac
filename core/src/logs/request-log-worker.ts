import { parentPort, workerData } from 'node:worker_threads';
import { RequestLog, type RequestLogRow } from './request-log.ts';

/**
 * The request log's writer thread (request-log-thread.ts starts it): every SQLite statement, WAL checkpoint and
 * retention prune runs here, so none of them can stall the event loop that answers requests.
 */
export type ToWriter = { type: 'rows'; rows: RequestLogRow[] } | { type: 'close' };
export type FromWriter =
  | { type: 'written'; rows: number }
  | { type: 'dropped'; rows: number; reason: string }
  | { type: 'closed' };

const port = parentPort;
if (!port) throw new Error('request-log-worker.ts runs as a worker thread; use ThreadedRequestLog');
const post = (message: FromWriter) => port.postMessage(message);
const { file, retentionDays } = workerData as { file: string; retentionDays?: number };
const log = new RequestLog({
  file,
  retentionDays,
  // Batches arrive already gathered and are flushed on arrival; the timer is only a backstop.
  flushIntervalMs: 60_000,
  batchSize: Number.POSITIVE_INFINITY,
  maxPending: Number.POSITIVE_INFINITY,
  onWritten: (rows) => post({ type: 'written', rows }),
  onDropped: (rows, err) => post({ type: 'dropped', rows, reason: (err as Error)?.message ?? String(err) }),
});

port.on('message', (message: ToWriter) => {
  if (message.type === 'rows') {
    for (const row of message.rows) log.append(row);
    log.flush();
  } else {
    log.close();
    post({ type: 'closed' });
    port.close();
  }
});
