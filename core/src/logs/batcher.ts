/**
 * Rows queued in memory and handed on in batches: every `intervalMs`, or on the next turn of the event loop once
 * `batchSize` wait, and whenever `flush` is called. Whether a row may be queued at all is the caller's decision.
 */
export class Batcher<T> {
  readonly #deliver: (rows: T[]) => void;
  readonly #batchSize: number;
  readonly #timer: NodeJS.Timeout;
  #pending: T[] = [];
  #scheduled = false;

  constructor(deliver: (rows: T[]) => void, options: { intervalMs: number; batchSize: number }) {
    this.#deliver = deliver;
    this.#batchSize = options.batchSize;
    this.#timer = setInterval(() => this.flush(), options.intervalMs);
    // Batching must not keep a finished process alive; its owner flushes on close.
    this.#timer.unref();
  }

  get length(): number {
    return this.#pending.length;
  }

  push(row: T): void {
    this.#pending.push(row);
    if (this.#pending.length >= this.#batchSize && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hands every queued row on now (nothing when none wait). */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const rows = this.#pending;
    this.#pending = [];
    this.#deliver(rows);
  }

  /** Empties the queue without handing it on, and returns what was in it. */
  take(): T[] {
    const rows = this.#pending;
    this.#pending = [];
    return rows;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
