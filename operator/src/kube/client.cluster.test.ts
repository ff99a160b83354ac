import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../testing/apiserver.ts';
import { kubeBinaries } from '../testing/kube-binaries.ts';
import { writeKubeconfig } from '../testing/kubeconfig.ts';
import { KubeClient } from './client.ts';
import type { Manifest } from './objects.ts';

const binaries = kubeBinaries();
const namespace = 'apply';

function deployment(limits: Record<string, string>, annotations: Record<string, string>): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'serving', namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'serving' } },
      template: {
        metadata: { labels: { app: 'serving' }, annotations },
        spec: { containers: [{ name: 'serving', image: 'serving:test', resources: { limits } }] },
      },
    },
  };
}

describe.skipIf(!binaries)('the operator client against a real API server', () => {
  let server: TestApiServer;
  let work: string;
  let client: KubeClient;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'recsys-client-'));
    server = await startTestApiServer({ binaries });
    expect(
      (await server.request('POST', '/api/v1/namespaces', { body: { metadata: { name: namespace } } })).status,
    ).toBe(201);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(
      writeKubeconfig(path.join(work, 'kubeconfig'), server.url, server.caCert, 'admin', server.adminToken),
    );
    client = new KubeClient(kubeConfig, namespace, 'client-test', () => undefined);
  });

  afterAll(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('removes a field the desired object stopped setting, and leaves an unchanged object alone', async () => {
    const read = async (): Promise<Manifest> =>
      JSON.parse((await server.request('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/serving`)).body);
    await client.apply(deployment({ cpu: '1', memory: '1Gi' }, { 'example.dev/a': 'x' }), undefined);
    const first = await read();
    expect(first.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '1', memory: '1Gi' });

    await client.apply(deployment({ cpu: '1' }, {}), first);
    const second = await read();
    expect(second.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '1' });
    expect(second.spec.template.metadata.annotations ?? {}).toEqual({});

    await client.apply(deployment({ cpu: '1' }, {}), second);
    expect((await read()).metadata.resourceVersion).toBe(second.metadata.resourceVersion);
  });
});
