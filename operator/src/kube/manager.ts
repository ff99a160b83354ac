import { randomBytes } from 'node:crypto';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { ConflictError } from '@recsys/core/recmodel/effects';
import { apiError, KubeClient } from './client.ts';
import { type ObjectCache, RecModelReconciler, type ReconcilerOptions } from './controller.ts';
import { Informers } from './informers.ts';
import { LeaderElector } from './leader.ts';
import { DEFAULT_RETRY, type RetryPolicy, WorkQueue } from './work-queue.ts';

export interface OperatorOptions extends Omit<ReconcilerOptions, 'log'> {
  namespace: string;
  identity?: string;
  leaseName?: string;
  leaseDurationSeconds?: number;
  leaseRetryMs?: number;
  /** Restart the watches when no event (or relist) arrived for this long: a silent stall. */
  watchStallMs?: number;
  /** Reconcile every RecModel at least this often, even with no event. */
  resyncMs?: number;
  /** How a failing reconcile is retried (exponential backoff with jitter). */
  retry?: RetryPolicy;
  log?: (line: string) => void;
}

/**
 * The operator's manager (controller-runtime's Manager): Lease leader election, the informers and their watchdog,
 * a periodic resync, and the work queue that hands one RecModel at a time to the reconciler and retries failures
 * with exponential backoff and jitter. Only the Lease holder reconciles; a clean stop gives the Lease up.
 */
export class RecModelOperator {
  readonly options: Required<Omit<OperatorOptions, 'log' | 'keysSecret' | 'movieLensBaseUrl' | 'eventStream'>> &
    Pick<OperatorOptions, 'log' | 'keysSecret' | 'movieLensBaseUrl' | 'eventStream'>;
  readonly #kubeConfig: KubeConfig;
  readonly #elector: LeaderElector;
  readonly #queue: WorkQueue;
  #informers: Informers | undefined;
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
      retry: DEFAULT_RETRY,
      ...options,
    };
    this.#kubeConfig = kubeConfig;
    const log = (line: string) => this.#log(line);
    const client = new KubeClient(kubeConfig, this.options.namespace, this.options.identity, log);
    const reconciler = new RecModelReconciler(client, this.#cache(), { ...this.options, log });
    this.#queue = new WorkQueue({
      handle: (name) => reconciler.reconcile(name),
      retry: this.options.retry,
      onFailure: (name, error, retryInMs) => {
        // A conflict only means the RecModel changed since it was read: the retry reads the newer one.
        if (!(error instanceof ConflictError))
          this.#log(`reconcile ${name} failed: ${(error as Error).message}; retrying in ${retryInMs} ms`);
      },
    });
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

  /** Waits for the Lease, starts the informers and reconciles until stop(); calls onLeadershipLost if it slips away. */
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
    this.#resync = setInterval(() => this.#queue.addAll(this.#informers?.recModelNames() ?? []), this.options.resyncMs);
    this.#resync.unref();
  }

  /** Finishes the reconcile in flight, stops the watches and releases the Lease for the next leader. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    clearInterval(this.#resync);
    await this.#queue.stop();
    await this.#stopInformers();
    await this.#elector
      .release()
      .catch((error) => this.#log(`could not release the lease: ${(error as Error).message}`));
  }

  /** Reconciles a RecModel now (or after `afterMs`). */
  enqueue(name: string, afterMs = 0): void {
    if (!this.#stopped) this.#queue.add(name, afterMs);
  }

  /** The reconciler reads whichever informers run now (the watchdog replaces them). */
  #cache(): ObjectCache {
    const current = () => this.#informers?.cache;
    return {
      recModel: (name) => current()?.recModel(name),
      owned: {
        job: (name) => current()?.owned.job(name),
        jobs: () => current()?.owned.jobs() ?? [],
        deployment: (name) => current()?.owned.deployment(name),
        cronJob: (name) => current()?.owned.cronJob(name),
      },
    };
  }

  async #startInformers(): Promise<void> {
    const informers = new Informers(this.#kubeConfig, this.options.namespace, {
      enqueue: (name) => this.enqueue(name),
      activity: () => {
        this.#lastWatchActivity = Date.now();
      },
      error: (error, retryInMs) => this.#log(`${apiError('watch', error).message}; watching again in ${retryInMs} ms`),
    });
    this.#informers = informers;
    await informers.start();
    this.#lastWatchActivity = Date.now();
    this.#queue.addAll(informers.recModelNames());
  }

  async #stopInformers(): Promise<void> {
    const informers = this.#informers;
    this.#informers = undefined;
    await informers?.stop();
  }

  /** A watch can stall without an error (a proxy holding a dead connection): relist and watch again. */
  async #checkWatches(): Promise<void> {
    if (this.#stopped || Date.now() - this.#lastWatchActivity < this.options.watchStallMs) return;
    this.watchRestarts += 1;
    this.#log(`no watch event for ${this.options.watchStallMs} ms; restarting the watches`);
    await this.#stopInformers();
    if (!this.#stopped) await this.#startInformers();
  }
}
