import { type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';

export interface LeaderElectionOptions {
  namespace: string;
  leaseName: string;
  identity: string;
  /** How long a holder that stops renewing keeps the lease. */
  leaseDurationSeconds: number;
  /** How often the holder renews and a candidate retries. */
  retryPeriodMs: number;
}

const statusOf = (error: unknown) => (error as { code?: number }).code;

/**
 * Lease leader election (coordination.k8s.io/v1), the client-go protocol: take the lease when it is free or
 * expired, renew it while leading, and treat a conflicting write as losing the race.
 */
export class LeaderElector {
  readonly options: LeaderElectionOptions;
  readonly #api: CoordinationV1Api;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(api: CoordinationV1Api, options: LeaderElectionOptions) {
    this.#api = api;
    this.options = options;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Resolves once this process leads; then keeps renewing and calls onLost if the lease slips away. */
  async acquire(onLost: () => void): Promise<void> {
    while (!this.#stopped) {
      if (await this.#tryAcquireOrRenew()) {
        this.#leading = true;
        this.#schedule(onLost);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.retryPeriodMs));
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * Stops renewing and, if this process holds the Lease, gives it up at once (client-go's ReleaseOnCancel: no
   * holder, a one-second duration), so a standby takes over without waiting out the lease duration.
   */
  async release(): Promise<void> {
    this.stop();
    if (!this.#leading) return;
    this.#leading = false;
    const { namespace, leaseName, identity } = this.options;
    try {
      const lease = await this.#api.readNamespacedLease({ name: leaseName, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      lease.spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: new V1MicroTime() };
      await this.#api.replaceNamespacedLease({ name: leaseName, namespace, body: lease });
    } catch (error) {
      // Not releasing only delays the next leader until the Lease expires.
      if (statusOf(error) !== 409 && statusOf(error) !== 404) throw error;
    }
  }

  #schedule(onLost: () => void): void {
    this.#timer = setTimeout(async () => {
      if (this.#stopped) return;
      const renewed = await this.#tryAcquireOrRenew().catch(() => false);
      if (!renewed) {
        this.#leading = false;
        onLost();
        return;
      }
      this.#schedule(onLost);
    }, this.options.retryPeriodMs);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName, identity, leaseDurationSeconds } = this.options;
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name: leaseName, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      try {
        await this.#api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name: leaseName, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createError) {
        if (statusOf(createError) === 409) return false;
        throw createError;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    const renewedAt = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewedAt + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < Date.now();
    if (holder && holder !== identity && !expired) return false;
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: now,
      ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await this.#api.replaceNamespacedLease({ name: leaseName, namespace, body: lease });
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }
}
