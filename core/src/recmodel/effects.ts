import type { PromotionDecision } from '../promotion/gate.ts';
import type { Action, ReconcileAction } from './reconcile.ts';
import type { RecModelStatus } from './types.ts';

/** How applying a gate's decision through the registry's compare-and-set on Production ended. */
export type ApplyOutcome =
  | { outcome: 'applied'; tracking_error: string | null }
  /** The candidate already left None/Staging: this decision (or another) was applied before. */
  | { outcome: 'already-applied' }
  /** Production moved since the gate scored the candidate: the gate must run again against the new Production. */
  | { outcome: 'stale'; production_version: string | null };

/**
 * Where a model's Production is decided, in both runtimes: the store's registry (SQLite beside the bundles, on
 * the artifact volume in a cluster). The RecModel status and the pointer serving follows are views of it.
 */
export interface ProductionRegistry {
  production(modelName: string): string | null;
  /** Moves stages only while Production is still the one the decision was taken against (or already the candidate). */
  applyDecision(modelName: string, decision: PromotionDecision): Promise<ApplyOutcome>;
}

/**
 * The one effects port: what carrying out reconcile's actions needs from a runtime. The local runtime implements
 * it with child processes and files, the operator with Kubernetes objects; both apply promote/retain through a
 * ProductionRegistry, so the decision and its consequences are the same wherever it runs.
 */
export interface RecModelEffects {
  /** Whether a run of this name exists (finished or not): a run name is started at most once. */
  runExists(runName: string): boolean;
  startTraining(action: Action<'train'>): Promise<void>;
  /** Whether the gate's dry run of this run against this Production is running or has a result. */
  gateStartedOrDone(action: Action<'evaluateGate'>): boolean;
  startGate(action: Action<'evaluateGate'>): Promise<void>;
  applyDecision(decision: PromotionDecision): Promise<ApplyOutcome>;
  /** The gate compared with a Production that has since moved: forget its result, so it is scored again. */
  discardGate(runName: string): Promise<void>;
  rollServing(action: Action<'rollServing'>): Promise<void>;
  runFrontend(action: Action<'runFrontend'>): Promise<void>;
  stopFrontend(): Promise<void>;
  schedule(action: Action<'schedule'>): Promise<void>;
  writeReport(action: Action<'writeReport'>): Promise<void>;
  writeStatus(status: RecModelStatus): Promise<void>;
  emitEvent(action: Action<'emitEvent'>): Promise<void>;
  log(line: string): void;
}

/** An optimistic-concurrency conflict: the object changed since it was read; the next pass reads it again. */
export class ConflictError extends Error {}

/**
 * Carries out one reconcile's actions in order, stopping at the first error (returned): every action is
 * idempotent, so the next reconcile retries from the world as it then is. Conflicts are returned unlogged.
 */
export async function carryOut(actions: ReconcileAction[], effects: RecModelEffects): Promise<Error | null> {
  for (const action of actions) {
    try {
      await carryOutOne(action, effects);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (!(error instanceof ConflictError))
        effects.log(`could not ${action.type}: ${error.message}; retrying on the next reconcile`);
      return error;
    }
  }
  return null;
}

async function carryOutOne(action: ReconcileAction, effects: RecModelEffects): Promise<void> {
  switch (action.type) {
    case 'train':
      if (!effects.runExists(action.runName)) await effects.startTraining(action);
      return;
    case 'evaluateGate':
      if (!effects.gateStartedOrDone(action)) await effects.startGate(action);
      return;
    case 'promote':
    case 'retain':
      return applyDecision(action, effects);
    case 'rollServing':
      return effects.rollServing(action);
    case 'runFrontend':
      return effects.runFrontend(action);
    case 'stopFrontend':
      return effects.stopFrontend();
    case 'schedule':
      return effects.schedule(action);
    case 'writeReport':
      return effects.writeReport(action);
    case 'updateStatus':
      return effects.writeStatus(action.status);
    case 'emitEvent':
      return effects.emitEvent(action);
  }
}

/** A decision whose Production moved is refused, never applied blind: its gate is discarded and runs again. */
async function applyDecision(action: Action<'promote' | 'retain'>, effects: RecModelEffects): Promise<void> {
  const result = await effects.applyDecision(action.decision);
  if (result.outcome === 'stale') {
    await effects.discardGate(action.runName);
    throw new Error(
      `Production moved to ${result.production_version ?? 'none'} after the gate scored ${action.version} against ${action.decision.production_version ?? 'none'}; gating it again`,
    );
  }
  if (result.outcome === 'applied') {
    effects.log(`${action.type === 'promote' ? 'promoted' : 'retained'} ${action.version}`);
    if (result.tracking_error)
      effects.log(`the tracker did not take the decision on ${action.version}: ${result.tracking_error}`);
  }
}
