import { Worker } from 'node:worker_threads';
import { Batcher } from './batcher.ts';
import type { RequestLogOptions, RequestLogRow, RequestLogSink } from './request-log.ts';
import type { FromWriter, ToWriter } from './request-log-worker.ts';

const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The request log as serving uses it: `append` only queues the row; every `flushIntervalMs` (or once
 * `batchSize` rows wait) the batch is posted to a writer thread that owns the SQLite file (request-log-worker.ts).
 * Posting costs the event loop microseconds per row, where an insert, a WAL checkpoint or a prune costs
 * milliseconds, so the writes never show in request latency. Rows the writer cannot write, and rows beyond
 * `maxPending` while it lags, are dropped and counted through `onDropped`; requests never fail because of it.
 */
export class ThreadedRequestLog implements RequestLogSink {
  readonly file: string;
  readonly #options: Required<Pick<RequestLogOptions, 'flushIntervalMs' | 'batchSize' | 'maxPending'>> &
    Pick<RequestLogOptions, 'onWritten' | 'onDropped'>;
  readonly #worker: Worker;
  readonly #queue: Batcher<RequestLogRow>;
  /** Rows posted to the writer and not yet reported written or dropped. */
  #inFlight = 0;
  #failed: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RequestLogOptions) {
    this.file = options.file;
    this.#options = { flushIntervalMs: 50, batchSize: 500, maxPending: 100_000, ...options };
    this.#worker = new Worker(new URL('./request-log-worker.ts', import.meta.url), {
      workerData: { file: options.file, retentionDays: options.retentionDays },
    });
    // The writer must not keep a finished process alive; close() is what waits for it.
    this.#worker.unref();
    this.#worker.on('message', (message: FromWriter) => this.#onMessage(message));
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => {
      if (!this.#closing) this.#fail(new Error(`request-log writer thread exited with code ${code}`));
    });
    this.#queue = new Batcher((rows) => this.#send(rows), {
      intervalMs: this.#options.flushIntervalMs,
      batchSize: this.#options.batchSize,
    });
  }

  /** Rows queued here or posted to the writer and not yet written. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  append(row: RequestLogRow): void {
    if (this.#closing || this.#failed || this.pending >= this.#options.maxPending) {
      const reason = this.#failed ?? new Error('request log is closed or its queue is full');
      this.#options.onDropped?.(1, reason);
      return;
    }
    this.#queue.push(row);
  }

  /** Posts every queued row to the writer now. */
  flush(): void {
    this.#queue.flush();
  }

  /** Posts what is queued, waits until the writer has written it and closed the file, then stops the thread. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#queue.stop();
      this.flush();
      if (this.#failed) return;
      const closed = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
        this.#worker.on('message', (message: FromWriter) => {
          if (message.type !== 'closed') return;
          clearTimeout(timer);
          resolve();
        });
        this.#worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.#post({ type: 'close' });
      await closed;
      await this.#worker.terminate();
      if (this.#inFlight > 0) {
        this.#options.onDropped?.(this.#inFlight, new Error('request-log writer did not finish before close'));
        this.#inFlight = 0;
      }
    })();
    return this.#closing;
  }

  #send(rows: RequestLogRow[]): void {
    if (this.#failed) {
      this.#options.onDropped?.(rows.length, this.#failed);
      return;
    }
    this.#inFlight += rows.length;
    this.#post({ type: 'rows', rows });
  }

  #post(message: ToWriter): void {
    try {
      this.#worker.postMessage(message);
    } catch (err) {
      this.#fail(err as Error);
    }
  }

  #onMessage(message: FromWriter): void {
    if (message.type === 'written') {
      this.#inFlight -= message.rows;
      this.#options.onWritten?.(message.rows);
    } else if (message.type === 'dropped') {
      this.#inFlight -= message.rows;
      this.#options.onDropped?.(message.rows, new Error(message.reason));
    }
  }

  /** The writer is gone: what it held and what waits here are dropped, and so is every later row. */
  #fail(err: Error): void {
    if (this.#failed) return;
    this.#failed = err;
    const lost = this.#inFlight + this.#queue.take().length;
    this.#inFlight = 0;
    if (lost > 0) this.#options.onDropped?.(lost, err);
  }
}
