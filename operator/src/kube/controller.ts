import { carryOut, type ProductionRegistry } from '@recsys/core/recmodel/effects';
import { parseRecModel } from '@recsys/core/recmodel/parse';
import { reconcile } from '@recsys/core/recmodel/reconcile';
import type { RecModel } from '@recsys/core/recmodel/types';
import type { KubeClient } from './client.ts';
import { kubeEffects } from './effects.ts';
import { FINALIZER, reportCronJobName, retrainCronJobName } from './names.ts';
import { type Manifest, storeIn, type WorkloadConfig } from './objects.ts';
import { type OwnedObjects, observeWorld } from './observe.ts';

/** What the manager's informers hold for one namespace. */
export interface ObjectCache {
  recModel(name: string): Manifest | undefined;
  owned: OwnedObjects;
}

export interface ReconcilerOptions extends WorkloadConfig {
  /** Where this process mounts the artifact volume (it reads run results and the registry there). */
  artifactRoot: string;
  /** The registry that decides a RecModel's Production (its store on the volume; its tracker mirrors decisions). */
  registryFor: (recModel: RecModel, store: string) => ProductionRegistry;
  log: (line: string) => void;
}

/**
 * The RecModel reconciler, one key at a time and nothing else (controller-runtime's Reconciler): observe the
 * RecModel and what it owns → let core's pure `reconcile` decide → carry the actions out through core's effects
 * port. Queues, retries, watches and leadership are the manager's.
 */
export class RecModelReconciler {
  readonly #client: KubeClient;
  readonly #cache: ObjectCache;
  readonly #options: ReconcilerOptions;

  constructor(client: KubeClient, cache: ObjectCache, options: ReconcilerOptions) {
    this.#client = client;
    this.#cache = cache;
    this.#options = options;
  }

  /** One level-triggered pass; resolves with when to look again (ms) or null, rejects to be retried with backoff. */
  async reconcile(name: string): Promise<number | null> {
    const raw = this.#cache.recModel(name);
    if (!raw) return null;
    if (raw.metadata.deletionTimestamp) {
      await this.#finalize(raw);
      return null;
    }
    if (!raw.metadata.finalizers?.includes(FINALIZER)) {
      await this.#setFinalizers(raw, [...(raw.metadata.finalizers ?? []), FINALIZER]);
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
      const problems = parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
      await this.#client.event(raw, 'Warning', 'InvalidSpec', problems);
      return null;
    }
    return this.#reconcileValid(parsed.recModel, raw);
  }

  async #reconcileValid(recModel: RecModel, raw: Manifest): Promise<number | null> {
    const { artifactRoot, log } = this.#options;
    const store = storeIn({ ...this.#options, artifactMount: artifactRoot });
    const registry = this.#options.registryFor(recModel, store);
    const { owned } = this.#cache;
    const world = observeWorld(
      recModel,
      owned,
      { ...this.#options, store },
      registry.production(recModel.metadata.name),
      new Date(),
    );
    const { actions, requeueAfterMs } = reconcile(recModel, world);
    const effects = kubeEffects({
      recModel,
      raw,
      client: this.#client,
      owned,
      config: this.#options,
      store,
      registry,
      log,
    });
    const error = await carryOut(actions, effects);
    if (error) throw error;
    return requeueAfterMs;
  }

  /** Deleting a RecModel stops its schedules at once (garbage collection may lag), then lets it go. */
  async #finalize(raw: Manifest): Promise<void> {
    if (!raw.metadata.finalizers?.includes(FINALIZER)) return;
    for (const name of [retrainCronJobName(raw.metadata.name), reportCronJobName(raw.metadata.name)]) {
      if (this.#cache.owned.cronJob(name)) await this.#client.deleteIfPresent('batch/v1', 'CronJob', name);
    }
    await this.#setFinalizers(
      raw,
      (raw.metadata.finalizers as string[]).filter((f) => f !== FINALIZER),
    );
    this.#options.log(`finalized ${raw.metadata.name}`);
  }

  /**
   * A merge patch replaces the whole list, so it carries the resourceVersion it was computed from: a finalizer
   * another controller changed meanwhile makes it a ConflictError (retried on a fresh read), never a silent undo.
   */
  #setFinalizers(raw: Manifest, finalizers: string[]): Promise<void> {
    const { name, namespace, resourceVersion } = raw.metadata;
    return this.#client.patch({
      apiVersion: raw.apiVersion,
      kind: raw.kind,
      metadata: { name, namespace, resourceVersion, finalizers },
    });
  }
}
