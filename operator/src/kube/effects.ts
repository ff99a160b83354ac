import { crashPoint, pausePoint } from '@recsys/core/bundle/crash';
import type { ProductionRegistry, RecModelEffects } from '@recsys/core/recmodel/effects';
import { discardRunResult, runDir } from '@recsys/core/recmodel/run-result';
import type { RecModel } from '@recsys/core/recmodel/types';
import type { KubeClient } from './client.ts';
import { frontendName, gateJobName, reportCronJobName, retrainCronJobName, servingName } from './names.ts';
import {
  frontendDeployment,
  gateJob,
  type Manifest,
  reportCronJob,
  retrainCronJob,
  service,
  servingDeployment,
  servingDisruptionBudget,
  trainerJob,
  type WorkloadConfig,
} from './objects.ts';
import { cronJobRun, jobForRun, type OwnedObjects } from './observe.ts';

export interface KubeEffectsContext {
  recModel: RecModel;
  /** The RecModel as the API server returned it (uid and resourceVersion for owner references and status). */
  raw: Manifest;
  client: KubeClient;
  owned: OwnedObjects;
  config: WorkloadConfig;
  /** The store as this process mounts the artifact volume (results are read and discarded there). */
  store: string;
  registry: ProductionRegistry;
  log: (line: string) => void;
}

/** Core's effects port carried out with Kubernetes objects: Jobs for runs and gates, Deployments, CronJobs. */
export function kubeEffects(context: KubeEffectsContext): RecModelEffects {
  const { recModel, raw, client, owned, config, registry, log } = context;
  const name = recModel.metadata.name;
  return {
    runExists: (runName) => {
      if (jobForRun(owned, recModel, runName)) return true;
      // A scheduled run is the Job the CronJob already created for the slot: adopt it, do not start another.
      const slot = recModel.status?.lastScheduledSlot;
      return recModel.status?.training?.runName === runName && slot !== undefined && !!cronJobRun(owned, name, slot);
    },
    startTraining: async (action) => {
      await client.createIfAbsent(trainerJob(recModel, config, action.runName, action.trigger));
      // Durability tests kill the process here: the Job exists, the status naming it does not yet.
      crashPoint('operator:job-created');
    },
    gateStartedOrDone: (action) => owned.job(gateJobName(action.runName, action.productionVersion)) !== undefined,
    startGate: (action) => client.createIfAbsent(gateJob(recModel, config, action)),
    applyDecision: async (decision) => {
      // Race tests land another promotion here, between the decision and its compare-and-set.
      await pausePoint('operator:apply');
      return registry.applyDecision(name, decision);
    },
    discardGate: async (runName) => discardRunResult(runDir(context.store, name, runName), 'gate'),
    rollServing: async (action) => {
      const deployment = servingDeployment(recModel, config, action.version, action);
      await client.createOrPatch(deployment, owned.deployment(deployment.metadata.name));
      await client.createIfAbsent(service(recModel, servingName(name), 'serving', action.port));
      await client.createIfAbsent(servingDisruptionBudget(recModel));
    },
    runFrontend: async (action) => {
      const deployment = frontendDeployment(recModel, action.port, action.image, 1, config.keysSecret);
      await client.createOrPatch(deployment, owned.deployment(deployment.metadata.name));
      await client.createIfAbsent(service(recModel, frontendName(name), 'frontend', action.port));
    },
    stopFrontend: async () => {
      const existing = owned.deployment(frontendName(name));
      const { port, image } = recModel.spec.frontend;
      if (existing)
        await client.createOrPatch(frontendDeployment(recModel, port, image, 0, config.keysSecret), existing);
    },
    schedule: async (action) => {
      const cronJobName = action.job === 'retrain' ? retrainCronJobName(name) : reportCronJobName(name);
      if (action.schedule === null) return client.deleteIfPresent('batch/v1', 'CronJob', cronJobName);
      const desired =
        action.job === 'retrain' ? retrainCronJob(recModel, config, action.schedule) : reportCronJob(recModel, config);
      await client.createOrPatch(desired, owned.cronJob(cronJobName), true);
    },
    // The slot was observed from the Job the report CronJob created for it, which writes the report.
    writeReport: async (action) => log(`${name}: the report CronJob wrote the report of ${action.slot}`),
    writeStatus: (status) => client.replaceStatus(raw, status),
    emitEvent: (action) => client.event(raw, action.eventType, action.reason, action.message),
    log,
  };
}
