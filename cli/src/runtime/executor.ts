import type { PromotionDecision } from '@recsys/core/promotion/gate';
import type { PromotionPolicy } from '@recsys/core/promotion/policy';
import type { ReconcileAction } from '@recsys/core/recmodel/reconcile';
import type { RecModelStatus, ReportSpec, Trigger } from '@recsys/core/recmodel/types';

/** What carrying out the reconcile actions needs from the machine; the local runtime's are processes and files. */
export interface RuntimeEffects {
  /** Whether a run of this name exists (finished or not): a run name is started at most once. */
  runExists(runName: string): boolean;
  startTraining(runName: string, trigger: Trigger): void;
  /** Whether the gate of this run is being scored now or has a result. */
  gateStartedOrDone(runName: string): boolean;
  startGate(runName: string, candidateVersion: string, policy: PromotionPolicy): void;
  /** Records the decision and moves stages (and the Production pointer on promote). */
  applyDecision(decision: PromotionDecision): Promise<'applied' | 'already-applied' | 'stale'>;
  /** The gate compared with a Production that has since moved: score it again. */
  discardGate(runName: string): void;
  /** Start the server following Production unless it runs (it swaps on the pointer by itself). */
  ensureServing(port: number): void;
  stopServing(): Promise<void>;
  ensureFrontend(port: number): void;
  stopFrontend(): Promise<void>;
  writeReport(slot: string, since: string, format: ReportSpec['format']): void;
  writeStatus(status: RecModelStatus): void;
  log(line: string): void;
}

/**
 * Carries out one reconcile's actions in order, stopping at the first error (returned): every action is
 * idempotent, so the next reconcile retries from the world as it then is.
 */
export async function executeActions(actions: ReconcileAction[], effects: RuntimeEffects): Promise<Error | null> {
  for (const action of actions) {
    try {
      await execute(action, effects);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      effects.log(`could not ${action.type}: ${error.message}; retrying on the next reconcile`);
      return error;
    }
  }
  return null;
}

async function execute(action: ReconcileAction, effects: RuntimeEffects): Promise<void> {
  switch (action.type) {
    case 'train':
      if (!effects.runExists(action.runName)) effects.startTraining(action.runName, action.trigger);
      return;
    case 'evaluateGate':
      if (!effects.gateStartedOrDone(action.runName))
        effects.startGate(action.runName, action.candidateVersion, action.policy);
      return;
    case 'promote':
    case 'retain': {
      const outcome = await effects.applyDecision(action.decision);
      if (outcome === 'stale') {
        effects.discardGate(action.runName);
        throw new Error(
          `Production moved after the gate scored ${action.version} against ${action.decision.production_version ?? 'none'}; gating it again`,
        );
      }
      if (outcome === 'applied')
        effects.log(`${action.type === 'promote' ? 'promoted' : 'retained'} ${action.version}`);
      return;
    }
    case 'rollServing':
      if (action.replicas > 0) effects.ensureServing(action.port);
      else await effects.stopServing();
      return;
    case 'runFrontend':
      effects.ensureFrontend(action.port);
      return;
    case 'stopFrontend':
      await effects.stopFrontend();
      return;
    case 'writeReport':
      effects.writeReport(action.slot, action.since, action.format);
      return;
    case 'updateStatus':
      effects.writeStatus(action.status);
      return;
    case 'emitEvent':
      effects.log(`${action.eventType === 'Warning' ? 'warning: ' : ''}${action.reason}: ${action.message}`);
      return;
  }
}
