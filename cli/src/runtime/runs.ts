import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { PromotionDecision } from '@recsys/core/promotion/gate';
import type { ObservedGate, ObservedRun } from '@recsys/core/recmodel/reconcile';
import type { CandidateResult } from '@recsys/trainer/retrain/retrain';

/**
 * A local training run is a directory named by the run (`<var>/runs/<run name>`), the local twin of a Job:
 * creating it is create-if-absent, and its result files are written whole (temp + rename) by the runtime.
 */
export const RUN_FILES = {
  candidate: 'candidate.json',
  trainFailure: 'train-failure.json',
  decision: 'decision.json',
  gateFailure: 'gate-failure.json',
  policy: 'policy.json',
  log: 'run.log',
} as const;

export interface RecordedFailure {
  reason: string;
  message: string;
  finished_at: string;
}

export class RunDirectory {
  readonly dir: string;
  readonly name: string;
  constructor(runsDir: string, name: string) {
    this.name = name;
    this.dir = path.join(runsDir, name);
  }

  file(name: keyof typeof RUN_FILES): string {
    return path.join(this.dir, RUN_FILES[name]);
  }

  exists(): boolean {
    return existsSync(this.dir);
  }

  /** False when the run already exists: a run name is started at most once. */
  create(): boolean {
    if (this.exists()) return false;
    mkdirSync(this.dir, { recursive: true });
    return true;
  }

  write(name: keyof typeof RUN_FILES, value: unknown): void {
    writeWhole(this.file(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  read<T>(name: keyof typeof RUN_FILES): T | null {
    const file = this.file(name);
    if (!existsSync(file)) return null;
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  }

  /** A gate decided against a Production that has since moved is discarded, so the gate runs again. */
  discardGate(): void {
    rmSync(this.file('decision'), { force: true });
    rmSync(this.file('gateFailure'), { force: true });
  }

  /**
   * The run as reconcile observes it. `training` / `gating`: a child of this runtime is working on it now.
   */
  observe(activity: { training: boolean; gating: boolean }): ObservedRun | null {
    if (!this.exists()) return null;
    if (activity.training) return { name: this.name, phase: 'Running' };
    const failure = this.read<RecordedFailure>('trainFailure');
    if (failure) {
      return {
        name: this.name,
        phase: 'Failed',
        failure: { reason: failure.reason, message: failure.message },
        finishedAt: failure.finished_at,
      };
    }
    const candidate = this.read<CandidateResult>('candidate');
    // Cut off with no result (recsys up was stopped mid-run): as good as absent, so the run starts again at once.
    if (!candidate) return null;
    const run: ObservedRun = {
      name: this.name,
      phase: 'Succeeded',
      candidate: { version: candidate.version, metrics: candidate.metrics },
    };
    const gate = this.observeGate(activity.gating);
    if (gate) run.gate = gate;
    return run;
  }

  private observeGate(gating: boolean): ObservedGate | null {
    if (gating) return { phase: 'Running' };
    const failure = this.read<RecordedFailure>('gateFailure');
    if (failure)
      return { phase: 'Failed', reason: failure.reason, message: failure.message, finishedAt: failure.finished_at };
    const decision = this.read<PromotionDecision>('decision');
    return decision ? { phase: 'Decided', decision } : null;
  }
}

/** Written to a temp file and renamed, so a reader sees the old file or the whole new one. */
export function writeWhole(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}
