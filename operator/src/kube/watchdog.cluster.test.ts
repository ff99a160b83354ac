import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../testing/apiserver.ts';
import { kubeBinaries } from '../testing/kube-binaries.ts';
import { writeKubeconfig } from '../testing/kubeconfig.ts';
import { testOperatorOptions } from '../testing/operator-options.ts';
import { installRecModelCrd } from '../testing/recmodel-crd.ts';
import { type StallProxy, startStallProxy } from '../testing/stall-proxy.ts';
import { RecModelOperator } from './manager.ts';

const binaries = kubeBinaries();
const namespace = 'stall';

function recModel(name: string): string {
  return JSON.stringify({
    apiVersion: 'recsys.dev/v1alpha1',
    kind: 'RecModel',
    metadata: { name, namespace },
    spec: { dataset: { source: '/artifacts/data/synth' }, report: { enabled: false }, frontend: { enabled: false } },
  });
}

describe.skipIf(!binaries)('operator watchdog', () => {
  let server: TestApiServer;
  let proxy: StallProxy;
  let operator: RecModelOperator;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'recsys-watchdog-'));
    server = await startTestApiServer({ binaries });
    await installRecModelCrd(server, namespace);
    proxy = await startStallProxy(server.url);
  });

  afterAll(async () => {
    await operator?.stop();
    await proxy?.close();
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('restarts watches that went silent without an error, and then sees what changed meanwhile', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(
      writeKubeconfig(path.join(work, 'kubeconfig'), proxy.url, server.caCert, 'admin', server.adminToken),
    );
    operator = new RecModelOperator(kubeConfig, {
      ...testOperatorOptions(namespace, work),
      watchStallMs: 3_000,
      resyncMs: 600_000,
    });
    await operator.start(() => undefined);
    const first = await server.kubectl(['apply', '-f', '-'], { input: recModel('before') });
    expect(first.code, first.stderr).toBe(0);
    const jobs = async () =>
      JSON.parse((await server.request('GET', `/apis/batch/v1/namespaces/${namespace}/jobs`)).body).items as {
        metadata: { labels: Record<string, string> };
      }[];
    await vi.waitFor(
      async () => expect((await jobs()).map((j) => j.metadata.labels['recsys.dev/recmodel'])).toEqual(['before']),
      {
        timeout: 10_000,
        interval: 200,
      },
    );

    const restartsBefore = operator.watchRestarts;
    // Frozen for 15 s: the watchdog (3 s of silence, checked every 3 s) must notice while no byte moves.
    proxy.freeze({ releaseAfterMs: 15_000 });
    const second = await server.kubectl(['apply', '-f', '-'], { input: recModel('during-stall') });
    expect(second.code, second.stderr).toBe(0);
    await vi.waitFor(() => expect(operator.watchRestarts).toBeGreaterThan(restartsBefore), {
      timeout: 12_000,
      interval: 100,
    });
    await vi.waitFor(
      async () =>
        expect((await jobs()).map((j) => j.metadata.labels['recsys.dev/recmodel']).sort()).toEqual([
          'before',
          'during-stall',
        ]),
      { timeout: 40_000, interval: 250 },
    );
  });
});
