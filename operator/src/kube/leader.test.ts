import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderElector } from './leader.ts';

/** An in-memory Lease API (the cluster tier runs the same elector against a real API server). */
class FakeLeases {
  lease: V1Lease | undefined;
  /** How many of the next calls fail with a 503, as an API server that is starting or overloaded does. */
  failures = 0;
  #version = 0;

  #fail(): void {
    if (this.failures <= 0) return;
    this.failures -= 1;
    throw Object.assign(new Error('service unavailable'), { code: 503 });
  }

  readNamespacedLease = async (): Promise<V1Lease> => {
    this.#fail();
    if (!this.lease) throw Object.assign(new Error('not found'), { code: 404 });
    return structuredClone(this.lease);
  };

  createNamespacedLease = async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
    this.#fail();
    if (this.lease) throw Object.assign(new Error('exists'), { code: 409 });
    return this.#store(body);
  };

  replaceNamespacedLease = async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
    this.#fail();
    if (body.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) {
      throw Object.assign(new Error('conflict'), { code: 409 });
    }
    return this.#store(body);
  };

  #store(body: V1Lease): V1Lease {
    this.#version += 1;
    this.lease = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(this.#version) } };
    return structuredClone(this.lease);
  }
}

const SECOND = 1000;

function elector(leases: FakeLeases, identity: string): LeaderElector {
  return new LeaderElector(leases as unknown as CoordinationV1Api, {
    namespace: 'ns',
    leaseName: 'lease',
    identity,
    leaseDurationSeconds: 15,
    retryPeriodMs: 2 * SECOND,
    log: () => undefined,
  });
}

describe('leader election', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps trying while the API server answers errors, and leads once it answers', async () => {
    const leases = new FakeLeases();
    leases.failures = 3;
    const candidate = elector(leases, 'a');
    const acquired = candidate.acquire(() => undefined);
    await vi.advanceTimersByTimeAsync(3 * 2 * SECOND);
    await expect(acquired).resolves.toBeUndefined();
    expect(candidate.leading).toBe(true);
    expect(leases.lease?.spec?.holderIdentity).toBe('a');
    candidate.stop();
  });

  it('keeps leading through failed renewals and gives up only after the renew deadline (2/3 of the lease)', async () => {
    const leases = new FakeLeases();
    const leader = elector(leases, 'a');
    const onLost = vi.fn();
    await leader.acquire(onLost);
    leases.failures = 1;
    await vi.advanceTimersByTimeAsync(2 * SECOND);
    expect(onLost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(30 * SECOND);
    expect(onLost).not.toHaveBeenCalled();
    expect(leader.leading).toBe(true);

    leases.failures = Number.POSITIVE_INFINITY;
    await vi.advanceTimersByTimeAsync(8 * SECOND);
    expect(onLost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(4 * SECOND);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(leader.leading).toBe(false);
  });

  it('steps down at once when another holder took the lease', async () => {
    const leases = new FakeLeases();
    const leader = elector(leases, 'a');
    const onLost = vi.fn();
    await leader.acquire(onLost);
    const lease = leases.lease;
    if (!lease?.spec) throw new Error('no lease written');
    lease.spec = { ...lease.spec, holderIdentity: 'b', renewTime: new Date() };
    await vi.advanceTimersByTimeAsync(2 * SECOND);
    expect(onLost).toHaveBeenCalledTimes(1);
  });

  it('judges expiry by when it saw the record change, so a holder with a skewed clock keeps its lease', async () => {
    const leases = new FakeLeases();
    const holderClockBehind = () => new Date(Date.now() - 3600 * SECOND);
    leases.lease = {
      metadata: { name: 'lease', namespace: 'ns', resourceVersion: '0' },
      spec: { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: holderClockBehind() },
    };
    const renewing = setInterval(() => {
      const spec = leases.lease?.spec;
      if (spec) spec.renewTime = holderClockBehind();
    }, 2 * SECOND);
    const standby = elector(leases, 'a');
    let leading = false;
    void standby
      .acquire(() => undefined)
      .then(() => {
        leading = true;
      });
    await vi.advanceTimersByTimeAsync(60 * SECOND);
    expect(leading).toBe(false);
    expect(leases.lease?.spec?.holderIdentity).toBe('b');

    clearInterval(renewing);
    await vi.advanceTimersByTimeAsync(14 * SECOND);
    expect(leading).toBe(false);
    await vi.advanceTimersByTimeAsync(4 * SECOND);
    expect(leading).toBe(true);
    expect(leases.lease?.spec?.holderIdentity).toBe('a');
    standby.stop();
  });
});
