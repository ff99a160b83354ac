import type { PromotionDecision } from '../promotion/gate.ts';
import type { PromotionPolicy } from '../promotion/policy.ts';
import { condition, type Draft, startDraft } from './draft.ts';
import { withoutUndefined } from './records.ts';
import { stableJson } from './run-name.ts';
import { followProduction } from './steps/follow-production.ts';
import { followRun } from './steps/follow-run.ts';
import { keepSchedules, writeReports } from './steps/schedules.ts';
import { adoptRun, relaunchLostRun, startNextRun } from './steps/start-run.ts';
import { rollServing, runFrontend } from './steps/workloads.ts';
import type { ConditionType, RecModel, RecModelStatus, ReportSpec, ServingSpec, Trigger } from './types.ts';

/** The gate of a finished run, as the runtime observed it (keyed by the run's name). */
export type ObservedGate =
  | { phase: 'Running' }
  | { phase: 'Decided'; decision: PromotionDecision }
  | { phase: 'Failed'; reason: string; message: string; finishedAt?: string };

/** The training run named `status.training.runName`, as the runtime observed it. */
export interface ObservedRun {
  name: string;
  phase: 'Running' | 'Succeeded' | 'Failed';
  /** Set when Succeeded: the exported candidate bundle and its manifest metrics. */
  candidate?: { version: string; metrics: Record<string, number> };
  /** Set when Failed. */
  failure?: { reason: string; message: string };
  finishedAt?: string;
  /** The gate for this run's candidate; absent until evaluateGate has been carried out. */
  gate?: ObservedGate;
}

/** Everything the decision needs from outside the RecModel; the runtime observes it, the decision never does. */
export interface ObservedWorld {
  /** ISO time of this reconcile. */
  now: string;
  /** The version the decider's registry holds as Production (local store pointer, or status in a cluster). */
  productionVersion: string | null;
  /** The run named by status.training.runName; null when there is none or it no longer exists. */
  run: ObservedRun | null;
  /**
   * replicas: the ready-or-not pod count; leave it out where one process serves (the local runtime). outdated: the
   * serving runs with settings the spec no longer asks for (its event stream, its fold-in cap).
   */
  serving: { running: boolean; ready: boolean; version: string | null; replicas?: number; outdated?: boolean };
  frontend: { running: boolean };
  /** The latest slot of spec.schedule at or before now (ISO); null without a schedule. */
  scheduledSlot: string | null;
  /** The latest slot of spec.report.schedule at or before now (ISO); null when reports are disabled. */
  reportSlot: string | null;
  /**
   * Whether the retrain and report schedules the runtime keeps (CronJobs in a cluster, its own timer locally)
   * match the spec, none being the match for a spec without one.
   */
  schedules: { retrain: ScheduleState; report: ScheduleState };
  /** A trainer run of this RecModel that no reconcile started (a Job created by hand from the retrain CronJob). */
  adoptableRun: { name: string; createdAt: string } | null;
}

export type ScheduleState = 'current' | 'outdated';

export type ReconcileAction =
  /** Start the run if no run of this name exists (create-if-absent: the name is deterministic). */
  | { type: 'train'; runName: string; trigger: Trigger; generation: number; attempt: number }
  /** Score the candidate against Production on the gate window, once per run name; the result comes back as run.gate. */
  | {
      type: 'evaluateGate';
      runName: string;
      candidateVersion: string;
      productionVersion: string | null;
      policy: PromotionPolicy;
    }
  | {
      type: 'promote';
      runName: string;
      version: string;
      previousVersion: string | null;
      decision: PromotionDecision;
    }
  | { type: 'retain'; runName: string; version: string; decision: PromotionDecision }
  | {
      type: 'rollServing';
      version: string;
      replicas: number;
      port: number;
      image: string;
      resources: ServingSpec['resources'];
      foldInUsers: ServingSpec['foldInUsers'];
      /** As the spec says it (`postgres`: the engine the runtime runs); each runtime resolves it to a URL. */
      eventStream: ServingSpec['eventStream'];
    }
  | { type: 'runFrontend'; port: number; image: string }
  | { type: 'stopFrontend' }
  | { type: 'writeReport'; slot: string; since: string; format: ReportSpec['format'] }
  /** Make the runtime's retrain or report schedule the spec's; null removes it. */
  | { type: 'schedule'; job: 'retrain' | 'report'; schedule: string | null }
  /** Replace the RecModel's status (the status subresource in a cluster, a state file locally). */
  | { type: 'updateStatus'; status: RecModelStatus }
  | { type: 'emitEvent'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export type Action<T extends ReconcileAction['type']> = Extract<ReconcileAction, { type: T }>;

export interface ReconcileResult {
  /** Carried out in order; side effects first, then updateStatus, then events. Empty when nothing is to be done. */
  actions: ReconcileAction[];
  /** Reconcile again after this many milliseconds even if nothing changes (a failure's backoff); null otherwise. */
  requeueAfterMs: number | null;
}

/** The steps of one pass, in order; each reads what the ones before it decided. */
const STEPS: ((draft: Draft) => void)[] = [
  followProduction,
  followRun,
  relaunchLostRun,
  adoptRun,
  startNextRun,
  rollServing,
  runFrontend,
  keepSchedules,
  writeReports,
];

/**
 * The reconcile decision (controller-runtime style: observe → decide), pure: the RecModel and the observed
 * world → the actions that move the world toward the spec. Level-triggered and idempotent: the same inputs
 * give the same actions, and once a runtime has carried them out and the world reflects them, none.
 */
export function reconcile(recModel: RecModel, world: ObservedWorld): ReconcileResult {
  const draft = startDraft(recModel, world);
  for (const step of STEPS) step(draft);
  if (!draft.busy)
    condition(draft, { type: 'Progressing', status: 'False', reason: 'Idle', message: 'no run in progress' });
  for (const [type, reason, message] of INITIAL_CONDITIONS) {
    if (!draft.status.conditions.some((c) => c.type === type))
      condition(draft, { type, status: type === 'Degraded' ? 'False' : 'Unknown', reason, message });
  }
  const status = withoutUndefined(draft.status);
  const actions = [...draft.actions];
  if (stableJson(status) !== stableJson(draft.previous)) actions.push({ type: 'updateStatus', status });
  actions.push(...draft.events);
  return { actions, requeueAfterMs: draft.requeueAfterMs };
}

const INITIAL_CONDITIONS: [ConditionType, string, string][] = [
  ['Trained', 'NotTrained', 'no run has finished yet'],
  ['PromotionGatePassed', 'NotEvaluated', 'no candidate has been gated yet'],
  ['Degraded', 'AsExpected', 'no failure'],
];
