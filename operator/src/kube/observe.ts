import type { ObservedGate, ObservedRun, ObservedWorld, ScheduleState } from '@recsys/core/recmodel/reconcile';
import { handled } from '@recsys/core/recmodel/records';
import {
  observedGate,
  observedTraining,
  type RunResult,
  readRunResult,
  runDir,
} from '@recsys/core/recmodel/run-result';
import type { RecModel } from '@recsys/core/recmodel/types';
import {
  CRONJOB_SCHEDULED_ANNOTATION,
  frontendName,
  gateJobName,
  RECMODEL_LABEL,
  ROLE_LABEL,
  reportCronJobName,
  retrainCronJobName,
  servingName,
  VERSION_ANNOTATION,
} from './names.ts';
import { type Manifest, reportCronJob, retrainCronJob, sameSpec, servingArgs, type WorkloadConfig } from './objects.ts';

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

const ownedByCronJob = (job: Manifest, cronJob: string) =>
  job.metadata?.ownerReferences?.some((o: Manifest) => o.kind === 'CronJob' && o.name === cronJob) ?? false;

/** The Job a CronJob created for one slot: ours, labelled with the RecModel, stamped with the slot. */
export function cronJobRun(owned: OwnedObjects, recModel: string, slot: string): Manifest | undefined {
  return owned
    .jobs()
    .find(
      (job) =>
        job.metadata?.labels?.[RECMODEL_LABEL] === recModel &&
        job.metadata?.labels?.[ROLE_LABEL] === 'train' &&
        ownedByCronJob(job, retrainCronJobName(recModel)) &&
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

/** A failed step's own words (its result file) when it left them, else what the job controller says. */
function failureOf(result: RunResult | null, phase: Extract<JobPhase, { phase: 'Failed' }>) {
  if (result?.outcome === 'failed') return { ...result.failure, at: result.finished_at };
  return { reason: phase.reason, message: phase.message, at: phase.at };
}

function observeGate(
  owned: OwnedObjects,
  dir: string,
  runName: string,
  production: string | null,
): ObservedGate | undefined {
  const job = owned.job(gateJobName(runName, production));
  const phase = job ? jobPhase(job) : undefined;
  if (phase?.phase === 'Running') return { phase: 'Running' };
  const result = readRunResult(dir, 'gate');
  if (phase?.phase === 'Failed') {
    const failure = failureOf(result, phase);
    return { phase: 'Failed', reason: failure.reason, message: failure.message, finishedAt: failure.at };
  }
  if (phase && !result) {
    const message = `${dir}/gate.json is missing on the artifact volume; the gate Job exited without writing it`;
    return { phase: 'Failed', reason: 'NoResult', message, finishedAt: phase.at };
  }
  return result ? observedGate(result, production) : undefined;
}

function observeRun(
  owned: OwnedObjects,
  recModel: RecModel,
  store: string,
  production: string | null,
): ObservedRun | null {
  const runName = recModel.status?.training?.runName;
  if (!runName) return null;
  const job = jobForRun(owned, recModel, runName);
  if (!job) return null;
  const phase = jobPhase(job);
  if (phase.phase === 'Running') return { name: runName, phase: 'Running' };
  // A Job keeps the results of the run it carries under its own name (a CronJob's Job is named as the run).
  const dir = runDir(store, recModel.metadata.name, job.metadata.name);
  const result = readRunResult(dir, 'train');
  if (phase.phase === 'Failed') {
    const { reason, message, at } = failureOf(result, phase);
    return { name: runName, phase: 'Failed', failure: { reason, message }, finishedAt: at };
  }
  if (!result) {
    const message = `${dir}/train.json is missing on the artifact volume; the Job exited without writing it`;
    return { name: runName, phase: 'Failed', failure: { reason: 'NoResult', message }, finishedAt: phase.at };
  }
  const run = observedTraining(runName, result);
  const gate = run.phase === 'Succeeded' ? observeGate(owned, dir, runName, production) : undefined;
  return gate ? { ...run, gate } : run;
}

/** The latest slot a CronJob fired: its newest Job's, else its creation (the slot to adopt); null without it. */
function latestSlot(owned: OwnedObjects, cronJobName: string): string | null {
  const cronJob = owned.cronJob(cronJobName);
  if (!cronJob) return null;
  let latest: string | null = cronJob.metadata?.creationTimestamp ?? null;
  for (const job of owned.jobs()) {
    const slot = job.metadata?.annotations?.[CRONJOB_SCHEDULED_ANNOTATION];
    if (slot && ownedByCronJob(job, cronJobName) && (!latest || Date.parse(slot) > Date.parse(latest))) latest = slot;
  }
  return latest ? new Date(Date.parse(latest)).toISOString() : null;
}

/** The oldest trainer Job the retrain CronJob made outside its schedule (`kubectl create job --from=cronjob/…`) and no run followed yet. */
function adoptableRun(owned: OwnedObjects, recModel: RecModel): ObservedWorld['adoptableRun'] {
  const status = recModel.status ?? { conditions: [], history: [] };
  const since = status.training ? Date.parse(status.training.startedAt) : Number.NEGATIVE_INFINITY;
  const candidates = owned
    .jobs()
    .filter(
      (job) =>
        job.metadata?.labels?.[ROLE_LABEL] === 'train' &&
        ownedByCronJob(job, retrainCronJobName(recModel.metadata.name)) &&
        !job.metadata?.annotations?.[CRONJOB_SCHEDULED_ANNOTATION] &&
        job.metadata.name !== status.training?.runName &&
        !handled(status, job.metadata.name) &&
        Date.parse(job.metadata.creationTimestamp) > since,
    )
    .sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp));
  const job = candidates[0];
  return job
    ? { name: job.metadata.name, createdAt: new Date(Date.parse(job.metadata.creationTimestamp)).toISOString() }
    : null;
}

/** Whether a CronJob matches the one the spec asks for (none when it asks for none). */
function scheduleState(desired: Manifest | null, existing: Manifest | undefined): ScheduleState {
  if (!desired) return existing ? 'outdated' : 'current';
  return existing && sameSpec(desired.spec, existing.spec) ? 'current' : 'outdated';
}

/**
 * The serving Deployment as reconcile sees it. Outdated: its container runs other arguments than the spec asks for
 * at its version (an event stream or a fold-in cap changed), so it is rolled again.
 */
function observeServing(owned: OwnedObjects, recModel: RecModel, config: WorkloadConfig): ObservedWorld['serving'] {
  const deployment = owned.deployment(servingName(recModel.metadata.name));
  const replicas: number = deployment?.spec?.replicas ?? 0;
  const status = deployment?.status ?? {};
  const ready =
    deployment !== undefined &&
    (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1) &&
    (status.updatedReplicas ?? 0) >= replicas &&
    (status.readyReplicas ?? 0) >= replicas;
  const version = deployment?.spec?.template?.metadata?.annotations?.[VERSION_ANNOTATION] ?? null;
  const live = deployment?.spec?.template?.spec?.containers?.find((c: Manifest) => c.name === 'serving')?.args;
  let outdated = false;
  if (version && live) {
    try {
      outdated = !sameSpec(servingArgs(recModel, config, version, recModel.spec.serving), live);
    } catch {
      // The spec names a stream this operator cannot resolve: rolling serving reports why.
      outdated = true;
    }
  }
  return { running: deployment !== undefined, ready, version, replicas, outdated };
}

/**
 * Everything reconcile needs, from the informers' caches and the artifact volume. Production is the registry's
 * (the source of truth, on the volume); the RecModel status only shows it.
 */
export function observeWorld(
  recModel: RecModel,
  owned: OwnedObjects,
  config: WorkloadConfig & { store: string },
  productionVersion: string | null,
  now: Date,
): ObservedWorld {
  const { spec, metadata } = recModel;
  const frontend = owned.deployment(frontendName(metadata.name));
  const retrain = spec.schedule ? retrainCronJob(recModel, config, spec.schedule) : null;
  const report = spec.report.enabled ? reportCronJob(recModel, config) : null;
  return {
    now: now.toISOString(),
    productionVersion,
    run: observeRun(owned, recModel, config.store, productionVersion),
    serving: observeServing(owned, recModel, config),
    frontend: { running: frontend !== undefined && (frontend.spec?.replicas ?? 0) > 0 },
    scheduledSlot: spec.schedule ? latestSlot(owned, retrainCronJobName(metadata.name)) : null,
    reportSlot: spec.report.enabled ? latestSlot(owned, reportCronJobName(metadata.name)) : null,
    schedules: {
      retrain: scheduleState(retrain, owned.cronJob(retrainCronJobName(metadata.name))),
      report: scheduleState(report, owned.cronJob(reportCronJobName(metadata.name))),
    },
    adoptableRun: adoptableRun(owned, recModel),
  };
}
