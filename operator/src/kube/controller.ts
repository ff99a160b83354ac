import { randomBytes } from 'node:crypto';
import {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type Informer,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  makeInformer,
  type ObjectCache,
  PatchStrategy,
} from '@kubernetes/client-node';
import { crashPoint } from '@recsys/core/bundle/crash';
import { parseRecModel } from '@recsys/core/recmodel/parse';
import { type ReconcileAction, reconcile } from '@recsys/core/recmodel/reconcile';
import {
  RECMODEL_GROUP,
  RECMODEL_KIND,
  RECMODEL_PLURAL,
  RECMODEL_VERSION,
  type RecModel,
} from '@recsys/core/recmodel/types';
import { LeaderElector } from './leader.ts';
import {
  FIELD_MANAGER,
  FINALIZER,
  frontendName,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  reportCronJobName,
  retrainCronJobName,
  servingName,
} from './names.ts';
import {
  frontendDeployment,
  gateJob,
  type Manifest,
  reportCronJob,
  retrainCronJob,
  service,
  servingDeployment,
  storeIn,
  trainerJob,
  type WorkloadConfig,
} from './objects.ts';
import { cronJobRun, jobForRun, type OwnedObjects, observeWorld } from './observe.ts';

export interface OperatorOptions extends WorkloadConfig {
  namespace: string;
  /** Where the operator itself mounts the artifact volume (it reads run results there). */
  artifactRoot: string;
  identity?: string;
  leaseName?: string;
  leaseDurationSeconds?: number;
  leaseRetryMs?: number;
  /** Restart the watches when no event (or relist) arrived for this long: a silent stall. */
  watchStallMs?: number;
  /** Reconcile every RecModel at least this often, even with no event. */
  resyncMs?: number;
  log?: (line: string) => void;
}

type Cached<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;
const statusOf = (error: unknown) => (error as { code?: number }).code;

/**
 * The Kubernetes runtime of the RecModel reconciler: informers feed a queue, each key is reconciled by the pure
 * core `reconcile`, and its actions are carried out idempotently (create-if-absent, merge patches, status
 * replaced under optimistic concurrency). Only the Lease holder acts.
 */
export class RecModelOperator {
  readonly options: Required<Omit<OperatorOptions, 'log' | 'keysSecret' | 'movieLensBaseUrl'>> &
    Pick<OperatorOptions, 'log' | 'keysSecret' | 'movieLensBaseUrl'>;
  readonly #objects: KubernetesObjectApi;
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #elector: LeaderElector;
  readonly #kubeConfig: KubeConfig;
  #recModels: Cached<KubernetesObject> | undefined;
  #jobs: Cached<KubernetesObject> | undefined;
  #deployments: Cached<KubernetesObject> | undefined;
  #cronJobs: Cached<KubernetesObject> | undefined;
  readonly #queue = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #draining: Promise<void> | undefined;
  #lastWatchActivity = Date.now();
  #watchdog: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #stopped = false;
  /** How many times the watchdog restarted the watches; a test reads it. */
  watchRestarts = 0;

  constructor(kubeConfig: KubeConfig, options: OperatorOptions) {
    this.options = {
      identity: `recsys-operator-${randomBytes(4).toString('hex')}`,
      leaseName: 'recsys-operator',
      leaseDurationSeconds: 15,
      leaseRetryMs: 2_000,
      watchStallMs: 5 * 60_000,
      resyncMs: 60_000,
      ...options,
    };
    this.#kubeConfig = kubeConfig;
    this.#objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#elector = new LeaderElector(kubeConfig.makeApiClient(CoordinationV1Api), {
      namespace: this.options.namespace,
      leaseName: this.options.leaseName,
      identity: this.options.identity,
      leaseDurationSeconds: this.options.leaseDurationSeconds,
      retryPeriodMs: this.options.leaseRetryMs,
    });
  }

  /** An operator from a kubeconfig file, or from the in-cluster ServiceAccount when none is given. */
  static connect(kubeconfigFile: string | undefined, options: OperatorOptions): RecModelOperator {
    const kubeConfig = new KubeConfig();
    if (kubeconfigFile) kubeConfig.loadFromFile(kubeconfigFile);
    else if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new Error(
        'no --kubeconfig given and not running in a pod (KUBERNETES_SERVICE_HOST is unset); pass --kubeconfig <file> to reach a cluster from outside',
      );
    } else kubeConfig.loadFromCluster();
    return new RecModelOperator(kubeConfig, options);
  }

  #log(line: string): void {
    this.options.log?.(`${new Date().toISOString()} ${this.options.identity} ${line}`);
  }

  /** Waits for the Lease, starts the informers and reconciles until stop(); exits the process if leadership is lost. */
  async start(onLeadershipLost: () => void = () => process.exit(1)): Promise<void> {
    this.#log('waiting for the lease');
    await this.#elector.acquire(() => {
      this.#log('lost the lease; stopping');
      void this.stop().then(onLeadershipLost);
    });
    if (this.#stopped) return;
    this.#log('leading');
    await this.#startInformers();
    this.#watchdog = setInterval(() => void this.#checkWatches(), Math.min(this.options.watchStallMs, 30_000)).unref();
    this.#resync = setInterval(() => this.#enqueueAll(), this.options.resyncMs).unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#elector.stop();
    clearInterval(this.#watchdog);
    clearInterval(this.#resync);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    await this.#stopInformers();
    await this.#draining;
  }

  async #startInformers(): Promise<void> {
    const { namespace } = this.options;
    const apps = this.#kubeConfig.makeApiClient(AppsV1Api);
    const batch = this.#kubeConfig.makeApiClient(BatchV1Api);
    const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    this.#recModels = makeInformer(
      this.#kubeConfig,
      `/apis/${RECMODEL_GROUP}/${RECMODEL_VERSION}/namespaces/${namespace}/${RECMODEL_PLURAL}`,
      () =>
        this.#custom.listNamespacedCustomObject({
          group: RECMODEL_GROUP,
          version: RECMODEL_VERSION,
          namespace,
          plural: RECMODEL_PLURAL,
        }),
    );
    this.#jobs = makeInformer(
      this.#kubeConfig,
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
      () => batch.listNamespacedJob({ namespace, labelSelector: selector }),
      selector,
    );
    this.#deployments = makeInformer(
      this.#kubeConfig,
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      () => apps.listNamespacedDeployment({ namespace, labelSelector: selector }),
      selector,
    );
    this.#cronJobs = makeInformer(
      this.#kubeConfig,
      `/apis/batch/v1/namespaces/${namespace}/cronjobs`,
      () => batch.listNamespacedCronJob({ namespace, labelSelector: selector }),
      selector,
    );
    const onRecModel = (object: KubernetesObject) => {
      this.#lastWatchActivity = Date.now();
      this.enqueue(object.metadata?.name ?? '');
    };
    const onOwned = (object: KubernetesObject) => {
      this.#lastWatchActivity = Date.now();
      const owner = object.metadata?.ownerReferences?.find((o) => o.kind === RECMODEL_KIND);
      if (owner) this.enqueue(owner.name);
      // A Job the retrain CronJob created belongs to the RecModel named in its labels.
      const recModel = object.metadata?.labels?.['recsys.dev/recmodel'];
      if (!owner && recModel) this.enqueue(recModel);
    };
    this.#recModels.on('add', onRecModel);
    this.#recModels.on('update', onRecModel);
    this.#recModels.on('delete', onRecModel);
    for (const informer of [this.#jobs, this.#deployments, this.#cronJobs]) {
      informer.on('add', onOwned);
      informer.on('update', onOwned);
      informer.on('delete', onOwned);
    }
    for (const informer of [this.#recModels, this.#jobs, this.#deployments, this.#cronJobs]) {
      informer.on('connect', () => {
        this.#lastWatchActivity = Date.now();
      });
      informer.on('error', (error) => this.#log(`watch error: ${(error as Error)?.message ?? error}`));
    }
    // Owned objects first, so the first reconcile of each RecModel sees them.
    await Promise.all([this.#jobs.start(), this.#deployments.start(), this.#cronJobs.start()]);
    await this.#recModels.start();
    this.#lastWatchActivity = Date.now();
    this.#enqueueAll();
  }

  async #stopInformers(): Promise<void> {
    const informers = [this.#recModels, this.#jobs, this.#deployments, this.#cronJobs];
    this.#recModels = this.#jobs = this.#deployments = this.#cronJobs = undefined;
    await Promise.all(informers.map((informer) => informer?.stop().catch(() => undefined)));
  }

  /** A watch can stall without an error (a proxy holding a dead connection): relist and watch again. */
  async #checkWatches(): Promise<void> {
    if (this.#stopped || Date.now() - this.#lastWatchActivity < this.options.watchStallMs) return;
    this.watchRestarts += 1;
    this.#log(`no watch event for ${this.options.watchStallMs} ms; restarting the watches`);
    await this.#stopInformers();
    if (!this.#stopped) await this.#startInformers();
  }

  #enqueueAll(): void {
    for (const recModel of this.#recModels?.list(this.options.namespace) ?? [])
      this.enqueue(recModel.metadata?.name ?? '');
  }

  enqueue(name: string, afterMs = 0): void {
    if (!name || this.#stopped) return;
    if (afterMs > 0) {
      clearTimeout(this.#timers.get(name));
      this.#timers.set(
        name,
        setTimeout(() => this.enqueue(name), afterMs),
      );
      return;
    }
    this.#queue.add(name);
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#queue.size > 0) this.enqueue([...this.#queue][0] ?? '');
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.size > 0 && !this.#stopped) {
      const name = [...this.#queue][0] as string;
      this.#queue.delete(name);
      try {
        const requeue = await this.#reconcileOne(name);
        if (requeue !== null) this.enqueue(name, requeue);
      } catch (error) {
        this.#log(`reconcile ${name} failed: ${(error as Error).message}; retrying in 2 s`);
        this.enqueue(name, 2_000);
      }
    }
  }

  #owned(): OwnedObjects {
    const { namespace } = this.options;
    return {
      job: (name) => this.#jobs?.get(name, namespace) as Manifest | undefined,
      jobs: () => (this.#jobs?.list(namespace) ?? []) as Manifest[],
      deployment: (name) => this.#deployments?.get(name, namespace) as Manifest | undefined,
      cronJob: (name) => this.#cronJobs?.get(name, namespace) as Manifest | undefined,
    };
  }

  /** One level-triggered pass over a RecModel; returns when to look again (ms) or null. */
  async #reconcileOne(name: string): Promise<number | null> {
    const { namespace } = this.options;
    const raw = this.#recModels?.get(name, namespace) as Manifest | undefined;
    if (!raw) return null;
    if (raw.metadata.deletionTimestamp) {
      await this.#finalize(raw);
      return null;
    }
    if (!raw.metadata.finalizers?.includes(FINALIZER)) {
      await this.#objects.patch(
        {
          apiVersion: raw.apiVersion,
          kind: raw.kind,
          metadata: { name, namespace, finalizers: [...(raw.metadata.finalizers ?? []), FINALIZER] },
        },
        undefined,
        undefined,
        FIELD_MANAGER,
        undefined,
        PatchStrategy.MergePatch,
      );
      return null;
    }
    const parsed = parseRecModel({
      apiVersion: raw.apiVersion,
      kind: raw.kind,
      metadata: raw.metadata,
      spec: raw.spec,
      status: raw.status,
    });
    if (!parsed.ok) {
      await this.#event(
        raw,
        'Warning',
        'InvalidSpec',
        parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      );
      return null;
    }
    const recModel = parsed.recModel;
    await this.#ensureSchedules(recModel);
    const world = observeWorld(
      recModel,
      this.#owned(),
      storeIn({ ...this.options, artifactMount: this.options.artifactRoot }),
      new Date(),
    );
    const { actions, requeueAfterMs } = reconcile(recModel, world);
    for (const action of actions) await this.#act(recModel, raw, action, world.scheduledSlot);
    return requeueAfterMs;
  }

  async #act(recModel: RecModel, raw: Manifest, action: ReconcileAction, slot: string | null): Promise<void> {
    switch (action.type) {
      case 'train': {
        const owned = this.#owned();
        if (jobForRun(owned, recModel, action.runName)) return;
        // A scheduled run is the Job the CronJob already created for the slot: adopt it, do not start another.
        if (action.trigger === 'schedule' && slot && cronJobRun(owned, recModel.metadata.name, slot)) return;
        await this.#createIfAbsent(trainerJob(recModel, this.options, action.runName, action.trigger));
        // Durability tests kill the process here: the Job exists, the status naming it does not yet.
        crashPoint('operator:job-created');
        return;
      }
      case 'evaluateGate':
        await this.#createIfAbsent(
          gateJob(recModel, this.options, action.runName, action.candidateVersion, action.policy),
        );
        return;
      case 'promote':
      case 'retain':
        // The decision is recorded by updateStatus and announced by emitEvent; serving follows via rollServing.
        this.#log(`${recModel.metadata.name}: ${action.type} ${action.version}`);
        return;
      case 'rollServing': {
        const deployment = servingDeployment(recModel, this.options, action.version, action);
        await this.#createOrPatch(deployment, this.#owned().deployment(deployment.metadata.name));
        await this.#createIfAbsent(service(recModel, servingName(recModel.metadata.name), 'serving', action.port));
        return;
      }
      case 'runFrontend': {
        const deployment = frontendDeployment(recModel, action.port, action.image, 1, this.options.keysSecret);
        await this.#createOrPatch(deployment, this.#owned().deployment(deployment.metadata.name));
        await this.#createIfAbsent(service(recModel, frontendName(recModel.metadata.name), 'frontend', action.port));
        return;
      }
      case 'stopFrontend': {
        const name = frontendName(recModel.metadata.name);
        const existing = this.#owned().deployment(name);
        if (existing)
          await this.#createOrPatch(
            {
              ...frontendDeployment(
                recModel,
                recModel.spec.frontend.port,
                recModel.spec.frontend.image,
                0,
                this.options.keysSecret,
              ),
            },
            existing,
          );
        return;
      }
      case 'writeReport':
        // The report CronJob writes the report on its own schedule.
        return;
      case 'updateStatus':
        await this.#custom.replaceNamespacedCustomObjectStatus({
          group: RECMODEL_GROUP,
          version: RECMODEL_VERSION,
          namespace: this.options.namespace,
          plural: RECMODEL_PLURAL,
          name: recModel.metadata.name,
          body: { ...raw, status: action.status },
        });
        return;
      case 'emitEvent':
        await this.#event(raw, action.eventType, action.reason, action.message);
        return;
    }
  }

  /** The retrain CronJob follows spec.schedule; the report CronJob follows spec.report. */
  async #ensureSchedules(recModel: RecModel): Promise<void> {
    const owned = this.#owned();
    if (recModel.spec.schedule) {
      const desired = retrainCronJob(recModel, this.options, recModel.spec.schedule);
      await this.#createOrPatch(desired, owned.cronJob(retrainCronJobName(recModel.metadata.name)), true);
    }
    if (recModel.spec.report.enabled) {
      const desired = reportCronJob(recModel, this.options);
      await this.#createOrPatch(desired, owned.cronJob(reportCronJobName(recModel.metadata.name)), true);
    }
  }

  async #createIfAbsent(object: Manifest): Promise<void> {
    try {
      await this.#objects.create(object, undefined, undefined, FIELD_MANAGER);
      this.#log(`created ${object.kind} ${object.metadata.name}`);
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
  }

  /** Creates the object, or merge-patches its spec when it differs from what the cache holds. */
  async #createOrPatch(desired: Manifest, existing: Manifest | undefined, specOnly = false): Promise<void> {
    if (!existing) {
      await this.#createIfAbsent(desired);
      return;
    }
    if (specOnly ? sameSpec(desired.spec, existing.spec) : sameSpec(desired, existing)) return;
    await this.#objects.patch(
      {
        apiVersion: desired.apiVersion,
        kind: desired.kind,
        metadata: {
          name: desired.metadata.name,
          namespace: desired.metadata.namespace,
          annotations: desired.metadata.annotations,
        },
        spec: desired.spec,
      },
      undefined,
      undefined,
      FIELD_MANAGER,
      undefined,
      PatchStrategy.MergePatch,
    );
    this.#log(`patched ${desired.kind} ${desired.metadata.name}`);
  }

  async #event(raw: Manifest, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date();
    await this.#core.createNamespacedEvent({
      namespace: this.options.namespace,
      body: {
        metadata: {
          name: `${raw.metadata.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
          namespace: this.options.namespace,
        },
        involvedObject: {
          apiVersion: raw.apiVersion,
          kind: raw.kind,
          name: raw.metadata.name,
          namespace: this.options.namespace,
          uid: raw.metadata.uid,
          resourceVersion: raw.metadata.resourceVersion,
        },
        type,
        reason,
        // The Event API caps the message at 1 KiB.
        message: message.slice(0, 1024),
        source: { component: 'recsys-operator' },
        reportingComponent: 'recsys.dev/operator',
        reportingInstance: this.options.identity,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }

  /** Deleting a RecModel stops its schedules at once (garbage collection may lag), then lets it go. */
  async #finalize(raw: Manifest): Promise<void> {
    if (!raw.metadata.finalizers?.includes(FINALIZER)) return;
    for (const name of [retrainCronJobName(raw.metadata.name), reportCronJobName(raw.metadata.name)]) {
      if (!this.#owned().cronJob(name)) continue;
      try {
        await this.#objects.delete({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name, namespace: this.options.namespace },
        });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    await this.#objects.patch(
      {
        apiVersion: raw.apiVersion,
        kind: raw.kind,
        metadata: {
          name: raw.metadata.name,
          namespace: this.options.namespace,
          finalizers: (raw.metadata.finalizers as string[]).filter((f) => f !== FINALIZER),
        },
      },
      undefined,
      undefined,
      FIELD_MANAGER,
      undefined,
      PatchStrategy.MergePatch,
    );
    this.#log(`finalized ${raw.metadata.name}`);
  }
}

/** True when every field the operator sets in `desired` has the same value in `existing` (defaults aside). */
export function sameSpec(desired: unknown, existing: unknown): boolean {
  if (desired === null || typeof desired !== 'object') return desired === existing;
  if (existing === null || typeof existing !== 'object') return false;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(existing) && desired.length === existing.length && desired.every((d, i) => sameSpec(d, existing[i]))
    );
  }
  return Object.entries(desired).every(([k, v]) => sameSpec(v, (existing as Record<string, unknown>)[k]));
}
