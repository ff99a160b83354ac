import type { ObservedGate, ObservedRun, ObservedWorld } from '@recsys/core/recmodel/reconcile';
import type { RecModel } from '@recsys/core/recmodel/types';
import { readGateResult, readRunResult } from './artifacts.ts';
import {
  CRONJOB_SCHEDULED_ANNOTATION,
  frontendName,
  gateJobName,
  RECMODEL_LABEL,
  ROLE_LABEL,
  retrainCronJobName,
  servingName,
  VERSION_ANNOTATION,
} from './names.ts';
import type { Manifest } from './objects.ts';

/** The owned objects the informers hold, in one namespace. */
export interface OwnedObjects {
  job(name: string): Manifest | undefined;
  jobs(): readonly Manifest[];
  deployment(name: string): Manifest | undefined;
  cronJob(name: string): Manifest | undefined;
}

type JobPhase =
  | { phase: 'Running' }
  | { phase: 'Succeeded'; at?: string }
  | { phase: 'Failed'; reason: string; message: string; at?: string };

/** A Job's phase from the conditions the job controller (or a test playing it) writes. */
export function jobPhase(job: Manifest): JobPhase {
  const conditions: Manifest[] = job.status?.conditions ?? [];
  const done = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const complete = done('Complete');
  if (complete) return { phase: 'Succeeded', at: complete.lastTransitionTime };
  const failed = done('Failed');
  if (failed) {
    return {
      phase: 'Failed',
      reason: failed.reason ?? 'JobFailed',
      message: failed.message ?? `Job ${job.metadata?.name} failed`,
      at: failed.lastTransitionTime,
    };
  }
  return { phase: 'Running' };
}

/** The Job a CronJob created for one slot: ours, labelled with the RecModel, stamped with the slot. */
export function cronJobRun(owned: OwnedObjects, recModel: string, slot: string): Manifest | undefined {
  return owned
    .jobs()
    .find(
      (job) =>
        job.metadata?.labels?.[RECMODEL_LABEL] === recModel &&
        job.metadata?.labels?.[ROLE_LABEL] === 'train' &&
        job.metadata?.ownerReferences?.some((o: Manifest) => o.kind === 'CronJob') &&
        Date.parse(job.metadata?.annotations?.[CRONJOB_SCHEDULED_ANNOTATION] ?? '') === Date.parse(slot),
    );
}

/** The Job carrying a run: the one named after it, or for a scheduled run the one the CronJob created for its slot. */
export function jobForRun(owned: OwnedObjects, recModel: RecModel, runName: string): Manifest | undefined {
  const training = recModel.status?.training;
  const byName = owned.job(runName);
  if (byName) return byName;
  if (training?.runName === runName && training.trigger === 'schedule' && recModel.status?.lastScheduledSlot) {
    return cronJobRun(owned, recModel.metadata.name, recModel.status.lastScheduledSlot);
  }
  return undefined;
}

function observeGate(owned: OwnedObjects, store: string, model: string, runName: string): ObservedGate | undefined {
  const job = owned.job(gateJobName(runName));
  if (!job) return undefined;
  const phase = jobPhase(job);
  if (phase.phase === 'Running') return { phase: 'Running' };
  if (phase.phase === 'Failed')
    return { phase: 'Failed', reason: phase.reason, message: phase.message, finishedAt: phase.at };
  const result = readGateResult(store, model, job.metadata.name);
  if (!result.ok) return { phase: 'Failed', reason: result.reason, message: result.message, finishedAt: phase.at };
  return { phase: 'Decided', decision: result.decision };
}

function observeRun(owned: OwnedObjects, recModel: RecModel, store: string): ObservedRun | null {
  const runName = recModel.status?.training?.runName;
  if (!runName) return null;
  const job = jobForRun(owned, recModel, runName);
  if (!job) return null;
  const model = recModel.metadata.name;
  const phase = jobPhase(job);
  if (phase.phase === 'Running') return { name: runName, phase: 'Running' };
  if (phase.phase === 'Failed') {
    return {
      name: runName,
      phase: 'Failed',
      failure: { reason: phase.reason, message: phase.message },
      finishedAt: phase.at,
    };
  }
  const result = readRunResult(store, model, job.metadata.name);
  if (!result.ok) return { name: runName, phase: 'Failed', failure: result, finishedAt: phase.at };
  return {
    name: runName,
    phase: 'Succeeded',
    candidate: { version: result.version, metrics: result.metrics },
    finishedAt: phase.at,
    gate: observeGate(owned, store, model, runName),
  };
}

/** The latest retrain slot: the newest Job the CronJob created, else the CronJob's creation (the slot to adopt). */
export function scheduledSlot(owned: OwnedObjects, recModel: RecModel): string | null {
  if (!recModel.spec.schedule) return null;
  const cronJob = owned.cronJob(retrainCronJobName(recModel.metadata.name));
  if (!cronJob) return null;
  let latest: string = cronJob.metadata?.creationTimestamp ?? null;
  for (const job of owned.jobs()) {
    const slot = job.metadata?.annotations?.[CRONJOB_SCHEDULED_ANNOTATION];
    const fromCron = job.metadata?.ownerReferences?.some(
      (o: Manifest) => o.kind === 'CronJob' && o.name === cronJob.metadata.name,
    );
    if (slot && fromCron && (!latest || Date.parse(slot) > Date.parse(latest))) latest = slot;
  }
  return latest ? new Date(Date.parse(latest)).toISOString() : null;
}

/** Everything reconcile needs, from the informers' caches and the artifact volume. The RecModel's status is the decider. */
export function observeWorld(recModel: RecModel, owned: OwnedObjects, store: string, now: Date): ObservedWorld {
  const deployment = owned.deployment(servingName(recModel.metadata.name));
  const replicas: number = deployment?.spec?.replicas ?? 0;
  const status = deployment?.status ?? {};
  const ready =
    deployment !== undefined &&
    (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1) &&
    (status.updatedReplicas ?? 0) >= replicas &&
    (status.readyReplicas ?? 0) >= replicas;
  const frontend = owned.deployment(frontendName(recModel.metadata.name));
  return {
    now: now.toISOString(),
    productionVersion: recModel.status?.productionVersion ?? null,
    run: observeRun(owned, recModel, store),
    serving: {
      running: deployment !== undefined,
      ready,
      version: deployment?.spec?.template?.metadata?.annotations?.[VERSION_ANNOTATION] ?? null,
      replicas,
    },
    frontend: { running: frontend !== undefined && (frontend.spec?.replicas ?? 0) > 0 },
    scheduledSlot: scheduledSlot(owned, recModel),
    // The report CronJob writes reports itself; the operator has no report step to carry out.
    reportSlot: null,
  };
}
