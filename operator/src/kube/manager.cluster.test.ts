import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConflictError } from '@recsys/core/recmodel/effects';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../testing/apiserver.ts';
import { kubeBinaries } from '../testing/kube-binaries.ts';
import { writeKubeconfig } from '../testing/kubeconfig.ts';
import { testOperatorOptions } from '../testing/operator-options.ts';
import { installRecModelCrd } from '../testing/recmodel-crd.ts';
import { KubeClient } from './client.ts';
import { type ObjectCache, RecModelReconciler } from './controller.ts';
import { type OperatorOptions, RecModelOperator } from './manager.ts';

const binaries = kubeBinaries();
const namespace = 'manager';

describe.skipIf(!binaries)('the operator manager against a real API server', () => {
  let server: TestApiServer;
  let work: string;
  let kubeConfig: KubeConfig;
  const operators: RecModelOperator[] = [];

  function operator(
    identity: string,
    options: Partial<OperatorOptions>,
    log?: (line: string) => void,
    config: KubeConfig = kubeConfig,
  ) {
    const started = new RecModelOperator(config, {
      ...testOperatorOptions(namespace, work),
      identity,
      leaseRetryMs: 250,
      log,
      ...options,
    });
    operators.push(started);
    return started;
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'recsys-manager-'));
    server = await startTestApiServer({ binaries });
    await installRecModelCrd(server, namespace);
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(
      writeKubeconfig(path.join(work, 'kubeconfig'), server.url, server.caCert, 'admin', server.adminToken),
    );
  });

  afterAll(async () => {
    for (const started of operators) await started.stop();
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('retries a failing apply with growing delays, and recovers once the apply can succeed', async () => {
    // The operator's ServiceAccount may not create Jobs yet: every trainer Job it creates is refused (403).
    const role = (jobVerbs: string[]) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'operator', namespace },
      rules: [
        { apiGroups: ['recsys.dev'], resources: ['recmodels'], verbs: ['list', 'watch', 'patch'] },
        { apiGroups: ['recsys.dev'], resources: ['recmodels/status'], verbs: ['update'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: jobVerbs },
        { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch', 'create', 'patch'] },
        { apiGroups: [''], resources: ['services', 'events'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ],
    });
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'operator', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'operator' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace }],
    };
    const apply = async (object: unknown) =>
      expect((await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(object) })).code).toBe(0);
    await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'operator', namespace } });
    await apply(role(['list', 'watch']));
    await apply(binding);
    const limited = new KubeConfig();
    limited.loadFromFile(
      server.kubeconfigForToken('operator', await server.tokenForServiceAccount(namespace, 'operator')),
    );
    const retries: { at: number; delay: number }[] = [];
    const lines: string[] = [];
    const leader = operator(
      'retrying',
      { retry: { baseMs: 200, maxMs: 10_000, jitter: 0 } },
      (line) => {
        lines.push(line);
        const delay = /reconcile refused failed: create Job .*forbidden.*; retrying in (\d+) ms/.exec(line)?.[1];
        if (delay) retries.push({ at: Date.now(), delay: Number(delay) });
      },
      limited,
    );
    await leader.start(() => undefined);
    await apply({
      apiVersion: 'recsys.dev/v1alpha1',
      kind: 'RecModel',
      metadata: { name: 'refused', namespace },
      spec: { dataset: { source: '/artifacts/data/synth' }, report: { enabled: false }, frontend: { enabled: false } },
    });
    await vi.waitFor(() => expect(retries.length, lines.join('\n')).toBeGreaterThanOrEqual(5), {
      timeout: 30_000,
      interval: 100,
    });
    const delays = retries.map((r) => r.delay);
    console.log(`retry delays of a refused Job create: ${delays.join(', ')} ms`);
    expect(delays.slice(0, 5)).toEqual([200, 400, 800, 1_600, 3_200]);
    // The attempts really are spaced by those delays: the fifth came at least 1.6 s after the fourth.
    expect((retries[4]?.at ?? 0) - (retries[3]?.at ?? 0)).toBeGreaterThanOrEqual(1_500);

    await apply(role(['list', 'watch', 'create']));
    const jobs = async () =>
      JSON.parse((await server.request('GET', `/apis/batch/v1/namespaces/${namespace}/jobs`)).body).items as unknown[];
    await vi.waitFor(async () => expect(await jobs()).toHaveLength(1), { timeout: 30_000, interval: 200 });
  });

  it('gives the Lease up on a clean stop, so a standby leads at once instead of after the lease duration', async () => {
    const readLease = async () =>
      JSON.parse(
        (await server.request('GET', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/recsys-operator`))
          .body,
      );
    await operators[0]?.stop();
    // The mechanism, not a stopwatch: no holder and a one-second duration, so the next candidate takes it at once.
    const released = await readLease();
    expect(released.spec.holderIdentity).toBeUndefined();
    expect(released.spec.leaseDurationSeconds).toBe(1);
    await operator('standby', {}).start(() => undefined);
    expect((await readLease()).spec.holderIdentity).toBe('standby');
  });

  it('adds its finalizer under the resourceVersion it read, so a finalizer another controller added meanwhile survives', async () => {
    const other = 'finalizers';
    expect((await server.request('POST', '/api/v1/namespaces', { body: { metadata: { name: other } } })).status).toBe(
      201,
    );
    const base = `/apis/recsys.dev/v1alpha1/namespaces/${other}/recmodels`;
    const created = await server.request('POST', base, {
      body: {
        apiVersion: 'recsys.dev/v1alpha1',
        kind: 'RecModel',
        metadata: { name: 'shared', namespace: other },
        spec: {
          dataset: { source: '/artifacts/data/synth' },
          report: { enabled: false },
          frontend: { enabled: false },
        },
      },
    });
    expect(created.status, created.body).toBe(201);
    const cached = JSON.parse(created.body);
    // Another controller adds its own finalizer after the operator's cache last saw the object.
    const added = await server.request('PATCH', `${base}/shared`, {
      body: { metadata: { finalizers: ['other.dev/keep'] } },
      contentType: 'application/merge-patch+json',
    });
    expect(added.status, added.body).toBe(200);
    const cache: ObjectCache = {
      recModel: () => cached,
      owned: { job: () => undefined, jobs: () => [], deployment: () => undefined, cronJob: () => undefined },
    };
    const reconciler = new RecModelReconciler(
      new KubeClient(kubeConfig, other, 'finalizer-test', () => undefined),
      cache,
      {
        ...testOperatorOptions(other, work),
        log: () => undefined,
      },
    );
    await expect(reconciler.reconcile('shared')).rejects.toBeInstanceOf(ConflictError);
    const now = JSON.parse((await server.request('GET', `${base}/shared`)).body);
    expect(now.metadata.finalizers).toEqual(['other.dev/keep']);
  });
});
