import type { PromotionDecision } from '../promotion/gate.ts';
import type { PromotionPolicy } from '../promotion/policy.ts';
import { type ConditionChange, setCondition } from './conditions.ts';
import {
  appendHistory,
  describeTrigger,
  failureMessage,
  failureOf,
  failureReason,
  handled,
  historyEntry,
  retainMessage,
  tokenOf,
  withoutUndefined,
} from './records.ts';
import { runNameFor, stableJson, trainingSpecHash } from './run-name.ts';
import {
  type ConditionType,
  RETRAIN_ANNOTATION,
  type RecModel,
  type RecModelStatus,
  type ReportSpec,
  type ServingSpec,
  type Trigger,
} from './types.ts';

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
  /** replicas: the ready-or-not pod count; leave it out where one process serves (the local runtime). */
  serving: { running: boolean; ready: boolean; version: string | null; replicas?: number };
  frontend: { running: boolean };
  /** The latest slot of spec.schedule at or before now (ISO); null without a schedule. */
  scheduledSlot: string | null;
  /** The latest slot of spec.report.schedule at or before now (ISO); null when reports are disabled. */
  reportSlot: string | null;
}

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
    }
  | { type: 'runFrontend'; port: number; image: string }
  | { type: 'stopFrontend' }
  | { type: 'writeReport'; slot: string; since: string; format: ReportSpec['format'] }
  /** Replace the RecModel's status (the status subresource in a cluster, a state file locally). */
  | { type: 'updateStatus'; status: RecModelStatus }
  | { type: 'emitEvent'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface ReconcileResult {
  /** Carried out in order; side effects first, then updateStatus, then events. Empty when nothing is to be done. */
  actions: ReconcileAction[];
  /** Reconcile again after this many milliseconds even if nothing changes (a failure's backoff); null otherwise. */
  requeueAfterMs: number | null;
}

type Event = Extract<ReconcileAction, { type: 'emitEvent' }>;

/**
 * The reconcile decision (controller-runtime style: observe → decide), pure: the RecModel and the observed
 * world → the actions that move the world toward the spec. Level-triggered and idempotent: the same inputs
 * give the same actions, and once a runtime has carried them out and the world reflects them, none.
 */
export function reconcile(recModel: RecModel, world: ObservedWorld): ReconcileResult {
  const { spec, metadata } = recModel;
  const generation = metadata.generation ?? 1;
  const previous: RecModelStatus = recModel.status ?? { conditions: [], history: [] };
  const status: RecModelStatus = structuredClone(previous);
  status.observedGeneration = generation;
  const { now } = world;
  const actions: ReconcileAction[] = [];
  const events: Event[] = [];
  const condition = (change: ConditionChange) => {
    status.conditions = setCondition(status.conditions, change, now, generation);
  };
  const event = (eventType: Event['eventType'], reason: string, message: string) =>
    events.push({ type: 'emitEvent', eventType, reason, message });

  let production = world.productionVersion;
  let busy = false;
  let requeueAfterMs: number | null = null;

  // 1. The run we launched last: wait for it, gate its candidate, act on the gate's decision, or record its failure.
  const training = previous.training;
  const run = training && world.run?.name === training.runName ? world.run : null;
  if (training && run) {
    const decided = previous.history.some((h) => h.runName === run.name);
    const failed = previous.lastFailure?.runName === run.name;
    if (run.phase === 'Running') {
      busy = true;
      condition({
        type: 'Progressing',
        status: 'True',
        reason: 'Training',
        message: `training run ${run.name} (${describeTrigger(training)})`,
      });
    } else if (run.phase === 'Failed' || run.gate?.phase === 'Failed') {
      if (!failed) {
        const failure = run.phase === 'Failed' ? run.failure : run.gate?.phase === 'Failed' ? run.gate : undefined;
        status.lastFailure = failureOf(training, run, failure, run.phase === 'Failed' ? 'train' : 'gate', now);
        status.stagingVersion = undefined;
        condition({
          type: 'Degraded',
          status: 'True',
          reason: failureReason(status.lastFailure),
          message: failureMessage(status.lastFailure),
        });
        if (run.phase === 'Failed')
          condition({
            type: 'Trained',
            status: 'False',
            reason: 'TrainingFailed',
            message: failureMessage(status.lastFailure),
          });
        event('Warning', failureReason(status.lastFailure), failureMessage(status.lastFailure));
      }
    } else if (!decided && !run.candidate) {
      const failure = { reason: 'NoCandidate', message: 'the run succeeded but reported no candidate version' };
      if (!failed) {
        status.lastFailure = failureOf(training, run, failure, 'train', now);
        condition({
          type: 'Degraded',
          status: 'True',
          reason: 'TrainingFailed',
          message: failureMessage(status.lastFailure),
        });
        event('Warning', 'TrainingFailed', failureMessage(status.lastFailure));
      }
    } else if (!decided && run.candidate) {
      const candidate = run.candidate.version;
      const gate = run.gate;
      // The run trained a candidate: true while its gate runs and once it has decided.
      const trainedConditions = () => {
        condition({
          type: 'Trained',
          status: 'True',
          reason: 'TrainingSucceeded',
          message: `run ${run.name} trained ${candidate}`,
        });
        condition({ type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'the last run succeeded' });
      };
      if (!gate || gate.phase === 'Running') {
        busy = true;
        if (!gate) {
          actions.push({
            type: 'evaluateGate',
            runName: run.name,
            candidateVersion: candidate,
            productionVersion: production,
            policy: spec.promotion,
          });
        }
        if (previous.stagingVersion !== candidate)
          event('Normal', 'Trained', `run ${run.name} trained candidate ${candidate}; evaluating the promotion gate`);
        status.stagingVersion = candidate;
        trainedConditions();
        condition({
          type: 'Progressing',
          status: 'True',
          reason: 'EvaluatingGate',
          message: `comparing ${candidate} with ${production ?? 'no Production (first model)'} on the gate window`,
        });
      } else if (gate.phase === 'Decided') {
        const { decision } = gate;
        const entry = historyEntry(training, run.name, candidate, decision, now);
        trainedConditions();
        status.stagingVersion = undefined;
        if (decision.verdict === 'promote') {
          actions.push({
            type: 'promote',
            runName: run.name,
            version: candidate,
            previousVersion: production,
            decision,
          });
          status.history = appendHistory(status.history, entry, production);
          status.productionNdcgAt10 = entry.metrics['ndcg@10'] ?? run.candidate.metrics['ndcg@10'];
          production = candidate;
          condition({ type: 'PromotionGatePassed', status: 'True', reason: 'Promoted', message: decision.summary });
          event('Normal', 'Promoted', decision.summary);
        } else {
          actions.push({ type: 'retain', runName: run.name, version: candidate, decision });
          status.history = appendHistory(status.history, entry, null);
          condition({
            type: 'PromotionGatePassed',
            status: 'False',
            reason: 'Retained',
            message: retainMessage(decision),
          });
          event('Warning', 'Retained', retainMessage(decision));
        }
      }
    }
  }
  if (training && !run && !handled(previous, training.runName)) {
    // The run we launched is not there (its creation was lost, or it was deleted before we read it): create it again.
    actions.push({
      type: 'train',
      runName: training.runName,
      trigger: training.trigger,
      generation: training.generation,
      attempt: training.attempt,
    });
    busy = true;
  }
  status.productionVersion = production ?? undefined;

  // 2. A new run when one is asked for (retrain annotation, training spec changed, no model yet, schedule slot), or a retry.
  const specHash = trainingSpecHash(spec);
  if (previous.trainedSpecHash === undefined && production) status.trainedSpecHash = specHash;
  if (world.scheduledSlot && previous.lastScheduledSlot === undefined) status.lastScheduledSlot = world.scheduledSlot;
  if (!busy) {
    const request = metadata.annotations?.[RETRAIN_ANNOTATION];
    const next = nextRun({
      status,
      previous,
      specHash,
      request,
      slot: world.scheduledSlot,
      production,
      now,
    });
    if (next) {
      const runName = runNameFor({ name: metadata.name, generation, ...next });
      actions.push({ type: 'train', runName, trigger: next.trigger, generation, attempt: next.attempt });
      status.training = { runName, trigger: next.trigger, generation, attempt: next.attempt, startedAt: now };
      status.trainedSpecHash = specHash;
      if (request !== undefined) status.lastRetrainRequest = request;
      if (world.scheduledSlot) status.lastScheduledSlot = world.scheduledSlot;
      busy = true;
      condition({
        type: 'Progressing',
        status: 'True',
        reason: 'Training',
        message: `training run ${runName} (${describeTrigger(status.training)})`,
      });
      event('Normal', 'TrainingStarted', `training run ${runName} (${describeTrigger(status.training)})`);
    } else if (status.lastFailure?.retryAt && status.lastFailure.runName === status.training?.runName) {
      requeueAfterMs = Math.max(0, Date.parse(status.lastFailure.retryAt) - Date.parse(now));
    }
  }

  // 3. Serving runs Production at the spec's replicas.
  if (production) {
    const { serving } = world;
    const scaledToZero = spec.serving.replicas === 0;
    const replicasMatch = serving.replicas === undefined || serving.replicas === spec.serving.replicas;
    const rolled = scaledToZero
      ? !serving.running && replicasMatch
      : serving.running && serving.version === production && replicasMatch;
    if (!rolled) {
      actions.push({
        type: 'rollServing',
        version: production,
        replicas: spec.serving.replicas,
        port: spec.serving.port,
        image: spec.serving.image,
        resources: spec.serving.resources,
      });
      if (!scaledToZero && previous.targetVersion !== production && serving.version !== production)
        event('Normal', 'RollingServing', `rolling serving to ${production}`);
    }
    const ready = rolled && serving.ready && !scaledToZero;
    status.targetVersion = ready || scaledToZero ? undefined : production;
    condition(
      scaledToZero
        ? { type: 'Ready', status: 'False', reason: 'ScaledToZero', message: 'spec.serving.replicas is 0' }
        : ready
          ? {
              type: 'Ready',
              status: 'True',
              reason: 'Serving',
              message: `serving ${production} with ${spec.serving.replicas} replica(s)`,
            }
          : { type: 'Ready', status: 'False', reason: 'RollingOut', message: `serving is rolling to ${production}` },
    );
  } else {
    status.targetVersion = undefined;
    condition({
      type: 'Ready',
      status: 'False',
      reason: 'NoProduction',
      message: busy
        ? 'no Production model yet; the first one is training'
        : 'no Production model; retrain to create one',
    });
  }

  // 4. The site, when enabled.
  if (spec.frontend.enabled && !world.frontend.running)
    actions.push({ type: 'runFrontend', port: spec.frontend.port, image: spec.frontend.image });
  if (!spec.frontend.enabled && world.frontend.running) actions.push({ type: 'stopFrontend' });

  // 5. The report, once per slot; the first slot seen is adopted, as a CronJob skips slots missed before it existed.
  if (spec.report.enabled && world.reportSlot) {
    if (previous.lastReportSlot !== undefined && world.reportSlot !== previous.lastReportSlot) {
      actions.push({
        type: 'writeReport',
        slot: world.reportSlot,
        since: spec.report.since,
        format: spec.report.format,
      });
    }
    status.lastReportSlot = world.reportSlot;
  }

  if (!busy) condition({ type: 'Progressing', status: 'False', reason: 'Idle', message: 'no run in progress' });
  for (const [type, reason, message] of INITIAL_CONDITIONS) {
    if (!status.conditions.some((c) => c.type === type))
      condition({ type, status: type === 'Degraded' ? 'False' : 'Unknown', reason, message });
  }

  const next = withoutUndefined(status);
  if (stableJson(next) !== stableJson(previous)) actions.push({ type: 'updateStatus', status: next });
  actions.push(...events);
  return { actions, requeueAfterMs };
}

const INITIAL_CONDITIONS: [ConditionType, string, string][] = [
  ['Trained', 'NotTrained', 'no run has finished yet'],
  ['PromotionGatePassed', 'NotEvaluated', 'no candidate has been gated yet'],
  ['Degraded', 'AsExpected', 'no failure'],
];

interface NextRunInput {
  status: RecModelStatus;
  previous: RecModelStatus;
  specHash: string;
  request: string | undefined;
  slot: string | null;
  production: string | null;
  now: string;
}

/** Which run to start now, if any. One run serves every pending trigger, so a spec change retrains once. */
function nextRun(input: NextRunInput): { trigger: Trigger; token?: string; attempt: number } | null {
  const { status, previous, specHash, request, slot, production } = input;
  if (request !== undefined && request !== previous.lastRetrainRequest)
    return { trigger: 'annotation', token: request, attempt: 1 };
  if (status.trainedSpecHash === undefined && !production) return { trigger: 'initial', token: specHash, attempt: 1 };
  if (status.trainedSpecHash !== specHash) return { trigger: 'spec', token: specHash, attempt: 1 };
  if (slot && status.lastScheduledSlot !== undefined && slot !== status.lastScheduledSlot) {
    return { trigger: 'schedule', token: slot, attempt: 1 };
  }
  // A retry continues the failed run's trigger, under the next attempt's name.
  const failure = status.lastFailure;
  const training = status.training;
  if (failure && training && failure.runName === training.runName && failure.retryAt) {
    if (Date.parse(failure.retryAt) <= Date.parse(input.now)) {
      return { trigger: training.trigger, token: tokenOf(training, previous), attempt: training.attempt + 1 };
    }
  }
  return null;
}
