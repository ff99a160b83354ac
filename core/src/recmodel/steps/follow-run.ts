import type { PromotionDecision } from '../../promotion/gate.ts';
import { condition, type Draft, event } from '../draft.ts';
import type { ObservedRun } from '../reconcile.ts';
import {
  appendHistory,
  describeTrigger,
  failureMessage,
  failureOf,
  failureReason,
  historyEntry,
  retainMessage,
} from '../records.ts';
import type { TrainingRunStatus } from '../types.ts';

type Candidate = NonNullable<ObservedRun['candidate']>;

/** The run we launched last: wait for it, gate its candidate, act on the gate's decision, or record its failure. */
export function followRun(draft: Draft): void {
  const training = draft.previous.training;
  const run = training && draft.world.run?.name === training.runName ? draft.world.run : null;
  if (!training || !run) return;
  const decided = draft.previous.history.some((h) => h.runName === run.name);
  if (run.phase === 'Running') {
    draft.busy = true;
    const message = `training run ${run.name} (${describeTrigger(training)})`;
    condition(draft, { type: 'Progressing', status: 'True', reason: 'Training', message });
  } else if (run.phase === 'Failed' || run.gate?.phase === 'Failed') {
    recordFailure(draft, training, run);
  } else if (!decided && !run.candidate) {
    recordMissingCandidate(draft, training, run);
  } else if (!decided && run.candidate) {
    const gate = run.gate;
    if (!gate || gate.phase === 'Running') awaitGate(draft, run, run.candidate);
    else if (gate.phase === 'Decided') actOnDecision(draft, training, run, run.candidate, gate.decision);
  }
}

function recordFailure(draft: Draft, training: TrainingRunStatus, run: ObservedRun): void {
  if (draft.previous.lastFailure?.runName === run.name) return;
  const trainFailed = run.phase === 'Failed';
  const failure = trainFailed ? run.failure : run.gate?.phase === 'Failed' ? run.gate : undefined;
  const lastFailure = failureOf(training, run, failure, trainFailed ? 'train' : 'gate', draft.now);
  draft.status.lastFailure = lastFailure;
  draft.status.stagingVersion = undefined;
  const message = failureMessage(lastFailure);
  condition(draft, { type: 'Degraded', status: 'True', reason: failureReason(lastFailure), message });
  if (trainFailed) condition(draft, { type: 'Trained', status: 'False', reason: 'TrainingFailed', message });
  event(draft, 'Warning', failureReason(lastFailure), message);
}

function recordMissingCandidate(draft: Draft, training: TrainingRunStatus, run: ObservedRun): void {
  if (draft.previous.lastFailure?.runName === run.name) return;
  const failure = { reason: 'NoCandidate', message: 'the run succeeded but reported no candidate version' };
  draft.status.lastFailure = failureOf(training, run, failure, 'train', draft.now);
  const message = failureMessage(draft.status.lastFailure);
  condition(draft, { type: 'Degraded', status: 'True', reason: 'TrainingFailed', message });
  event(draft, 'Warning', 'TrainingFailed', message);
}

/** The run trained a candidate: true while its gate runs and once it has decided. */
function trainedConditions(draft: Draft, run: ObservedRun, candidate: Candidate): void {
  const message = `run ${run.name} trained ${candidate.version}`;
  condition(draft, { type: 'Trained', status: 'True', reason: 'TrainingSucceeded', message });
  condition(draft, { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'the last run succeeded' });
}

function awaitGate(draft: Draft, run: ObservedRun, candidate: Candidate): void {
  const { version } = candidate;
  draft.busy = true;
  if (!run.gate) {
    draft.actions.push({
      type: 'evaluateGate',
      runName: run.name,
      candidateVersion: version,
      productionVersion: draft.production,
      policy: draft.spec.promotion,
    });
  }
  if (draft.previous.stagingVersion !== version)
    event(draft, 'Normal', 'Trained', `run ${run.name} trained candidate ${version}; evaluating the promotion gate`);
  draft.status.stagingVersion = version;
  trainedConditions(draft, run, candidate);
  const against = draft.production ?? 'no Production (first model)';
  const message = `comparing ${version} with ${against} on the gate window`;
  condition(draft, { type: 'Progressing', status: 'True', reason: 'EvaluatingGate', message });
}

function actOnDecision(
  draft: Draft,
  training: TrainingRunStatus,
  run: ObservedRun,
  candidate: Candidate,
  decision: PromotionDecision,
): void {
  const { version } = candidate;
  const entry = historyEntry(training, run.name, version, decision, draft.now);
  trainedConditions(draft, run, candidate);
  draft.status.stagingVersion = undefined;
  if (decision.verdict === 'promote') {
    const previousVersion = draft.production;
    draft.actions.push({ type: 'promote', runName: run.name, version, previousVersion, decision });
    draft.status.history = appendHistory(draft.status.history, entry, previousVersion);
    draft.status.productionNdcgAt10 = entry.metrics['ndcg@10'] ?? candidate.metrics['ndcg@10'];
    draft.production = version;
    condition(draft, { type: 'PromotionGatePassed', status: 'True', reason: 'Promoted', message: decision.summary });
    event(draft, 'Normal', 'Promoted', decision.summary);
  } else {
    draft.actions.push({ type: 'retain', runName: run.name, version, decision });
    draft.status.history = appendHistory(draft.status.history, entry, null);
    const message = retainMessage(decision);
    condition(draft, { type: 'PromotionGatePassed', status: 'False', reason: 'Retained', message });
    event(draft, 'Warning', 'Retained', message);
  }
}
