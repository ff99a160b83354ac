import { condition, type Draft, event } from '../draft.ts';
import { describeTrigger, handled, tokenOf } from '../records.ts';
import { runNameFor, trainingSpecHash } from '../run-name.ts';
import { RETRAIN_ANNOTATION, type RecModelStatus, type Trigger } from '../types.ts';

/** The run we launched is not there (its creation was lost, or it was deleted before we read it): create it again. */
export function relaunchLostRun(draft: Draft): void {
  const training = draft.previous.training;
  if (training && draft.world.run?.name !== training.runName && !handled(draft.previous, training.runName)) {
    const { runName, trigger, generation, attempt } = training;
    draft.actions.push({ type: 'train', runName, trigger, generation, attempt });
    draft.busy = true;
  }
  draft.status.productionVersion = draft.production ?? undefined;
}

/** A trainer run this reconciler did not start (e.g. a Job created by hand from the retrain CronJob) is followed too. */
export function adoptRun(draft: Draft): void {
  const adoptable = draft.world.adoptableRun;
  if (draft.busy || !adoptable) return;
  const training = { runName: adoptable.name, trigger: 'manual' as const, generation: draft.generation, attempt: 1 };
  draft.status.training = { ...training, startedAt: adoptable.createdAt };
  draft.busy = true;
  const message = `following run ${adoptable.name} (${describeTrigger(draft.status.training)})`;
  condition(draft, { type: 'Progressing', status: 'True', reason: 'Training', message });
  event(draft, 'Normal', 'TrainingAdopted', message);
}

/** A new run when one is asked for (retrain annotation, training spec changed, no model yet, schedule slot), or a retry. */
export function startNextRun(draft: Draft): void {
  const { status, previous, spec, world, metadata, generation } = draft;
  const specHash = trainingSpecHash(spec);
  if (previous.trainedSpecHash === undefined && draft.production) status.trainedSpecHash = specHash;
  if (world.scheduledSlot && previous.lastScheduledSlot === undefined) status.lastScheduledSlot = world.scheduledSlot;
  if (draft.busy) return;
  const request = metadata.annotations?.[RETRAIN_ANNOTATION];
  const next = nextRun(draft, specHash, request);
  if (!next) {
    if (status.lastFailure?.retryAt && status.lastFailure.runName === status.training?.runName)
      draft.requeueAfterMs = Math.max(0, Date.parse(status.lastFailure.retryAt) - Date.parse(draft.now));
    return;
  }
  const runName = runNameFor({ name: metadata.name, generation, ...next });
  draft.actions.push({ type: 'train', runName, trigger: next.trigger, generation, attempt: next.attempt });
  status.training = { runName, trigger: next.trigger, generation, attempt: next.attempt, startedAt: draft.now };
  status.trainedSpecHash = specHash;
  if (request !== undefined) status.lastRetrainRequest = request;
  if (world.scheduledSlot) status.lastScheduledSlot = world.scheduledSlot;
  draft.busy = true;
  const message = `training run ${runName} (${describeTrigger(status.training)})`;
  condition(draft, { type: 'Progressing', status: 'True', reason: 'Training', message });
  event(draft, 'Normal', 'TrainingStarted', message);
}

/** Which run to start now, if any. One run serves every pending trigger, so a spec change retrains once. */
function nextRun(
  draft: Draft,
  specHash: string,
  request: string | undefined,
): { trigger: Trigger; token?: string; attempt: number } | null {
  const { status, previous } = draft;
  const slot = draft.world.scheduledSlot;
  if (request !== undefined && request !== previous.lastRetrainRequest)
    return { trigger: 'annotation', token: request, attempt: 1 };
  if (status.trainedSpecHash === undefined && !draft.production)
    return { trigger: 'initial', token: specHash, attempt: 1 };
  if (status.trainedSpecHash !== specHash) return { trigger: 'spec', token: specHash, attempt: 1 };
  if (slot && status.lastScheduledSlot !== undefined && slot !== status.lastScheduledSlot)
    return { trigger: 'schedule', token: slot, attempt: 1 };
  return retry(status, previous, draft.now);
}

/** A retry continues the failed run's trigger, under the next attempt's name, once its backoff has passed. */
function retry(
  status: RecModelStatus,
  previous: RecModelStatus,
  now: string,
): { trigger: Trigger; token?: string; attempt: number } | null {
  const { lastFailure: failure, training } = status;
  if (!failure || !training || failure.runName !== training.runName || !failure.retryAt) return null;
  if (Date.parse(failure.retryAt) > Date.parse(now)) return null;
  return { trigger: training.trigger, token: tokenOf(training, previous), attempt: training.attempt + 1 };
}
