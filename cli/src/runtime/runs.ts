import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ObservedGate, ObservedRun } from '@recsys/core/recmodel/reconcile';
import {
  discardRunResult,
  observedGate,
  observedTraining,
  type RunStep,
  readRunResult,
  runDir,
  writeRunResult,
} from '@recsys/core/recmodel/run-result';

/**
 * A local run is its directory in the store (`<store>/<model>/runs/<run name>`, the layout a cluster's Jobs
 * write too), the local twin of a Job: creating it is create-if-absent; its steps (`recsys retrain --run`,
 * `recsys promote --dry-run --run`) write their results there, beside the run's log and the gate's policy.
 */
export class RunDirectory {
  readonly dir: string;
  readonly name: string;
  constructor(store: string, model: string, name: string) {
    this.name = name;
    this.dir = runDir(store, model, name);
  }

  get log(): string {
    return path.join(this.dir, 'run.log');
  }

  get policy(): string {
    return path.join(this.dir, 'policy.json');
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

  writePolicy(policy: unknown): void {
    writeFileSync(this.policy, `${JSON.stringify(policy, null, 2)}\n`);
  }

  /** A step that ended without writing its result (killed, or it could not start) is recorded as failed. */
  recordFailureUnlessDone(step: RunStep, reason: string, message: string): void {
    if (readRunResult(this.dir, step)) return;
    const finished_at = new Date().toISOString();
    writeRunResult(this.dir, { run: this.name, step, outcome: 'failed', finished_at, failure: { reason, message } });
  }

  /** A gate decided against a Production that has since moved is discarded, so the gate runs again. */
  discardGate(): void {
    discardRunResult(this.dir, 'gate');
  }

  /**
   * The run as reconcile observes it. `training` / `gating`: a child of this runtime is working on it now;
   * `productionVersion`: the registry's, which a gate's decision must still match.
   */
  observe(activity: { training: boolean; gating: boolean }, productionVersion: string | null): ObservedRun | null {
    if (!this.exists()) return null;
    if (activity.training) return { name: this.name, phase: 'Running' };
    const trained = readRunResult(this.dir, 'train');
    // Cut off with no result (recsys up was stopped mid-run): as good as absent, so the run starts again at once.
    if (!trained) return null;
    const run = observedTraining(this.name, trained);
    if (run.phase !== 'Succeeded') return run;
    const gate = this.gate(activity.gating, productionVersion);
    return gate ? { ...run, gate } : run;
  }

  gate(gating: boolean, productionVersion: string | null): ObservedGate | undefined {
    if (gating) return { phase: 'Running' };
    const result = readRunResult(this.dir, 'gate');
    return result ? observedGate(result, productionVersion) : undefined;
  }
}
