import {
  AppsV1Api,
  BatchV1Api,
  type ObjectCache as ClientCache,
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';
import { RECMODEL_GROUP, RECMODEL_KIND, RECMODEL_PLURAL, RECMODEL_VERSION } from '@recsys/core/recmodel/types';
import type { ObjectCache } from './controller.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, RECMODEL_LABEL } from './names.ts';
import type { Manifest } from './objects.ts';

type Cached = Informer<KubernetesObject> & ClientCache<KubernetesObject>;

const RELIST_MIN_MS = 1_000;
const RELIST_MAX_MS = 30_000;

/**
 * The watches of one namespace: RecModels, and the Jobs, Deployments and CronJobs the operator owns (one label
 * selector). Every change names the RecModel to reconcile; `activity` is called on any event or (re)connect.
 */
export class Informers {
  readonly #recModels: Cached;
  readonly #jobs: Cached;
  readonly #deployments: Cached;
  readonly #cronJobs: Cached;
  readonly #namespace: string;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    namespace: string,
    handlers: {
      enqueue: (recModel: string) => void;
      activity: () => void;
      error: (error: unknown, retryInMs: number) => void;
    },
  ) {
    this.#namespace = namespace;
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    const list = { namespace, labelSelector: selector };
    this.#recModels = makeInformer(
      kubeConfig,
      `/apis/${RECMODEL_GROUP}/${RECMODEL_VERSION}/namespaces/${namespace}/${RECMODEL_PLURAL}`,
      () =>
        custom.listNamespacedCustomObject({
          group: RECMODEL_GROUP,
          version: RECMODEL_VERSION,
          namespace,
          plural: RECMODEL_PLURAL,
        }),
    );
    this.#jobs = makeInformer(
      kubeConfig,
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
      () => batch.listNamespacedJob(list),
      selector,
    );
    this.#deployments = makeInformer(
      kubeConfig,
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      () => apps.listNamespacedDeployment(list),
      selector,
    );
    this.#cronJobs = makeInformer(
      kubeConfig,
      `/apis/batch/v1/namespaces/${namespace}/cronjobs`,
      () => batch.listNamespacedCronJob(list),
      selector,
    );
    const onRecModel = (object: KubernetesObject) => {
      handlers.activity();
      handlers.enqueue(object.metadata?.name ?? '');
    };
    const onOwned = (object: KubernetesObject) => {
      handlers.activity();
      // An owned object names its RecModel in a label, also when a CronJob (not the RecModel) created it.
      const owner = object.metadata?.ownerReferences?.find((o) => o.kind === RECMODEL_KIND)?.name;
      handlers.enqueue(owner ?? object.metadata?.labels?.[RECMODEL_LABEL] ?? '');
    };
    for (const [informer, handler] of [
      [this.#recModels, onRecModel],
      [this.#jobs, onOwned],
      [this.#deployments, onOwned],
      [this.#cronJobs, onOwned],
    ] as const) {
      for (const event of ['add', 'update', 'delete'] as const) informer.on(event, handler);
      let retryMs = RELIST_MIN_MS;
      informer.on('connect', () => {
        retryMs = RELIST_MIN_MS;
        handlers.activity();
      });
      // client-node stops an informer whose list or watch failed: list and watch again after a growing delay.
      informer.on('error', (error) => {
        handlers.error(error, retryMs);
        const timer = setTimeout(() => {
          if (!this.#stopped) informer.start().catch((e) => handlers.error(e, retryMs));
        }, retryMs);
        this.#timers.add(timer);
        retryMs = Math.min(retryMs * 2, RELIST_MAX_MS);
      });
    }
  }

  /** Owned objects first, so the first reconcile of each RecModel sees them. */
  async start(): Promise<void> {
    await Promise.all([this.#jobs.start(), this.#deployments.start(), this.#cronJobs.start()]);
    await this.#recModels.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    await Promise.all(
      [this.#recModels, this.#jobs, this.#deployments, this.#cronJobs].map((i) => i.stop().catch(() => undefined)),
    );
  }

  recModelNames(): string[] {
    return this.#recModels.list(this.#namespace).map((r) => r.metadata?.name ?? '');
  }

  get cache(): ObjectCache {
    const ns = this.#namespace;
    const get = (informer: Cached, name: string) => informer.get(name, ns) as Manifest | undefined;
    return {
      recModel: (name) => get(this.#recModels, name),
      owned: {
        job: (name) => get(this.#jobs, name),
        jobs: () => this.#jobs.list(ns) as Manifest[],
        deployment: (name) => get(this.#deployments, name),
        cronJob: (name) => get(this.#cronJobs, name),
      },
    };
  }
}
