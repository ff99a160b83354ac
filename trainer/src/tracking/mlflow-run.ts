import { artifactFiles } from './artifact-paths.ts';
import type { MlflowTracker } from './mlflow.ts';
import type { RunJournal, RunOp } from './spool.ts';
import {
  checkKey,
  checkMetricValue,
  checkParamUnchanged,
  checkTags,
  metricKey,
  type ParamValue,
  paramString,
  type RunHandle,
  type RunStatus,
  TrackingError,
} from './tracker.ts';

/**
 * A run on MLflow: each call is delivered as it is made; after the first failure the run goes to the spool
 * for good, the calls keep being recorded there, and end() reports it.
 */
export class MlflowRunHandle implements RunHandle {
  readonly #tracker: MlflowTracker;
  readonly #journal: RunJournal;
  readonly #params = new Map<string, string>();
  #offline: Error | null = null;
  #ended = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(tracker: MlflowTracker, journal: RunJournal) {
    this.#tracker = tracker;
    this.#journal = journal;
  }

  /** The server's run id once it has the run; a `local-…` id while the run lives only in the spool. */
  get runId(): string {
    return this.#journal.run_id ?? this.#journal.local_id;
  }

  async logParams(params: Record<string, ParamValue>): Promise<void> {
    this.#open();
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) {
      values[checkKey('param', key)] = paramString(key, value);
      checkParamUnchanged(key, this.#params.get(key), values[key]);
    }
    for (const [key, value] of Object.entries(values)) this.#params.set(key, value);
    await this.#record({ op: 'params', params: values });
  }

  async logMetrics(metrics: Record<string, number>, options: { step?: number } = {}): Promise<void> {
    this.#open();
    const timestamp = Date.now();
    const points = Object.entries(metrics).map(([name, value]) => ({
      key: metricKey(name),
      value: checkMetricValue(name, value),
      step: options.step ?? 0,
      timestamp,
    }));
    await this.#record({ op: 'metrics', metrics: points });
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    this.#open();
    await this.#record({ op: 'tags', tags: checkTags({ ...tags }) });
  }

  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.#open();
    for (const file of artifactFiles(localPath, artifactPath)) {
      await this.#record({ op: 'artifact', file: file.local, destination: file.destination });
    }
  }

  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    this.#open();
    this.#ended = true;
    this.#journal.ops.push({ op: 'end', status, end_time: Date.now() });
    await this.#enqueue(async () => {
      if (this.#offline !== null) {
        // One more try: the server may be back by now.
        try {
          await this.#tracker.deliverRun(this.#journal, () => this.#tracker.spool.write(this.#journal));
          this.#tracker.spool.recordRunId(this.#journal.local_id, this.#journal.run_id as string);
          this.#tracker.spool.remove(this.#journal);
          this.#offline = null;
        } catch (err) {
          this.#goOffline(err as Error);
        }
      } else {
        await this.#deliver();
      }
    });
    if (this.#offline !== null) {
      throw new TrackingError(
        `${this.#offline.message}. The run "${this.#journal.run_name}" is kept in ${this.#tracker.spool.fileOf(this.#journal)}; nothing is lost: once the server takes requests, call resend() on a tracker with this spool`,
      );
    }
  }

  /** Delivers what the handle holds; the first failure sends the run to the spool for good. */
  flush(): Promise<void> {
    return this.#enqueue(() => this.#deliver());
  }

  async #deliver(): Promise<void> {
    if (this.#offline !== null) {
      this.#tracker.spool.write(this.#journal);
      return;
    }
    try {
      await this.#tracker.deliverRun(this.#journal, () => {});
    } catch (err) {
      this.#goOffline(err as Error);
    }
  }

  #goOffline(err: Error): void {
    this.#offline = err;
    this.#journal.last_error = err.message;
    for (const op of this.#journal.ops.slice(this.#journal.delivered)) {
      if (op.op === 'artifact') this.#tracker.spool.keepArtifact(this.#journal, op);
    }
    this.#tracker.spool.write(this.#journal);
  }

  async #record(op: RunOp): Promise<void> {
    this.#journal.ops.push(op);
    await this.#enqueue(async () => {
      if (this.#offline !== null && op.op === 'artifact') this.#tracker.spool.keepArtifact(this.#journal, op);
      await this.#deliver();
    });
  }

  /** One delivery at a time, in call order, even when the caller does not await each call. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(task);
    return this.#queue;
  }

  #open(): void {
    if (this.#ended) throw new TrackingError(`run ${this.runId} already ended; start a new run to log more`);
  }
}
