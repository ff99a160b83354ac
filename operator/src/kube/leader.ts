import { type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';

export interface LeaderElectionOptions {
  namespace: string;
  leaseName: string;
  identity: string;
  /** How long a holder that stops renewing keeps the lease. */
  leaseDurationSeconds: number;
  /** How often the holder renews and a candidate retries. */
  retryPeriodMs: number;
  /** How long the leader keeps leading while renewals fail (client-go's RenewDeadline); 2/3 of the lease by default. */
  renewDeadlineMs?: number;
  /** Where a failed attempt is reported; the elector retries it either way. */
  log?: (line: string) => void;
}

const statusOf = (error: unknown) => (error as { code?: number }).code;

/** What a candidate saw of the Lease, and when by its own clock it last saw it change (client-go's observedTime). */
interface Observed {
  record: string;
  at: number;
}

/**
 * Lease leader election (coordination.k8s.io/v1), the client-go protocol: take the lease when it is free or
 * expired, renew it while leading, and treat a conflicting write as losing the race. An API error is retried
 * every retry period; a leader gives up only once no renewal succeeded for the renew deadline. A lease counts
 * as expired when its record has not changed for the lease duration by the local clock, so clock skew between
 * nodes never lets a standby take a lease its holder still renews.
 */
export class LeaderElector {
  readonly options: LeaderElectionOptions;
  readonly #api: CoordinationV1Api;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #observed: Observed | undefined;
  #renewedAt = 0;

  constructor(api: CoordinationV1Api, options: LeaderElectionOptions) {
    this.#api = api;
    this.options = options;
  }

  get leading(): boolean {
    return this.#leading;
  }

  get #renewDeadlineMs(): number {
    return this.options.renewDeadlineMs ?? (this.options.leaseDurationSeconds * 2000) / 3;
  }

  /** Resolves once this process leads; then keeps renewing and calls onLost if the lease slips away. */
  async acquire(onLost: () => void): Promise<void> {
    while (!this.#stopped) {
      if ((await this.#attempt('acquire')) === true) {
        this.#leading = true;
        this.#renewedAt = Date.now();
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
      const outcome = await this.#attempt('renew');
      if (this.#stopped) return;
      if (outcome === 'held-by-another' || (!outcome && Date.now() - this.#renewedAt >= this.#renewDeadlineMs)) {
        this.#leading = false;
        onLost();
        return;
      }
      if (outcome) this.#renewedAt = Date.now();
      this.#schedule(onLost);
    }, this.options.retryPeriodMs);
  }

  /** One try; an API error counts as "not this time" and is logged, never thrown. */
  async #attempt(what: 'acquire' | 'renew'): Promise<boolean | 'held-by-another'> {
    try {
      const outcome = await this.#tryAcquireOrRenew();
      return outcome === 'held' ? 'held-by-another' : outcome === 'ours';
    } catch (error) {
      this.options.log?.(
        `could not ${what} the lease (${statusOf(error) ?? 'no status'}: ${(error as Error).message}); retrying in ${this.options.retryPeriodMs} ms`,
      );
      return false;
    }
  }

  /** Whether the lease's record stayed the same for its whole duration, judged by this process's clock. */
  #expired(spec: NonNullable<V1Lease['spec']>): boolean {
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.acquireTime, spec.leaseDurationSeconds]);
    const now = Date.now();
    if (this.#observed?.record !== record) this.#observed = { record, at: now };
    const duration = (spec.leaseDurationSeconds ?? this.options.leaseDurationSeconds) * 1000;
    return now - this.#observed.at > duration;
  }

  /** 'ours' when we hold the lease now, 'held' when another live holder does, 'lost-race' on a conflicting write. */
  async #tryAcquireOrRenew(): Promise<'ours' | 'held' | 'lost-race'> {
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
        return 'ours';
      } catch (createError) {
        if (statusOf(createError) === 409) return 'lost-race';
        throw createError;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    if (holder && holder !== identity && !this.#expired(spec)) return 'held';
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
      return 'ours';
    } catch (error) {
      if (statusOf(error) === 409) return 'lost-race';
      throw error;
    }
  }
}
