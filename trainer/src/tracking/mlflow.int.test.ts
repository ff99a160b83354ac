import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { freePort } from '@recsys/core/testing/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackerContract } from './contract.ts';
import { createTracker } from './index.ts';
import type { MlflowTracker } from './mlflow.ts';
import { type MlflowServer, mlflowBin, startMlflowServer } from './testing/mlflow-server.ts';

interface RestVersion {
  model_version: {
    version: string;
    current_stage: string;
    run_id: string;
    source: string;
    aliases: string[];
    tags: unknown[];
  };
}
interface RestRun {
  run: { info: { status: string; artifact_uri: string }; data: { params: unknown[]; metrics: unknown[] } };
}

// RECSYS_MLFLOW_URI points the suite at a server that is already running instead of starting one.
const reuse = process.env.RECSYS_MLFLOW_URI;
const bin = reuse ? '' : mlflowBin();

describe.skipIf(bin === undefined)('MLflow tracker against a real mlflow server', () => {
  let root: { dir: string; cleanup: () => void };
  let server: MlflowServer;
  const spoolDir = () => path.join(root.dir, `spool-${randomUUID().slice(0, 8)}`);
  const rest = async (endpoint: string, query: Record<string, string>) => {
    const response = await fetch(`${server.uri}/api/2.0/${endpoint}?${new URLSearchParams(query)}`);
    expect(response.status, `${endpoint} ${await response.clone().text()}`).toBe(200);
    return response;
  };

  beforeAll(async () => {
    root = tempDir('tracking-mlflow-');
    server = reuse
      ? { uri: reuse, startSeconds: 0, stop: async () => {} }
      : await startMlflowServer(bin as string, path.join(root.dir, 'server'));
    console.log(`mlflow server healthy after ${server.startSeconds.toFixed(1)} s at ${server.uri}`);
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
  });

  trackerContract(
    async () => createTracker({ backend: 'mlflow', uri: server.uri, spoolDir: spoolDir() }),
    () => root.dir,
  );

  it('leaves the run, artifacts, version, stage and alias readable through the plain REST API', async () => {
    const tracker = createTracker({ backend: 'mlflow', uri: server.uri, spoolDir: spoolDir() });
    const bytes = randomBytes(5000);
    const file = path.join(root.dir, 'item_factors.f32');
    writeFileSync(file, bytes);
    const run = await tracker.startRun({ experiment: 'rest-readback', runName: 'als' });
    await run.logParams({ factors: 32 });
    await run.logMetrics({ 'validation.ndcg@10': 0.33 });
    await run.logArtifact(file, 'bundle');
    await run.end();
    const model = `als-${randomUUID().slice(0, 8)}`;
    const registered = await tracker.registerVersion({
      modelName: model,
      runId: run.runId,
      version: 'v7',
      artifactPath: 'bundle',
    });
    await tracker.transitionStage({ modelName: model, version: 'v7', stage: 'Staging' });
    await tracker.transitionStage({ modelName: model, version: 'v7', stage: 'Production' });

    const { run: stored } = (await (await rest('mlflow/runs/get', { run_id: run.runId })).json()) as RestRun;
    expect(stored.info.status).toBe('FINISHED');
    expect(stored.data.params).toEqual([{ key: 'factors', value: '32' }]);
    expect(stored.data.metrics).toMatchObject([{ key: 'validation_ndcg_at_10', value: 0.33, step: 0 }]);
    const artifactPath = `${stored.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '')}/bundle/item_factors.f32`;
    const download = Buffer.from(await (await rest(`mlflow-artifacts/artifacts/${artifactPath}`, {})).arrayBuffer());
    expect(download.equals(bytes)).toBe(true);

    const { model_version: byAlias } = (await (
      await rest('mlflow/registered-models/alias', { name: model, alias: 'production' })
    ).json()) as RestVersion;
    expect(byAlias).toMatchObject({
      version: registered.registry_version,
      current_stage: 'Production',
      run_id: run.runId,
    });
    expect(byAlias.tags).toContainEqual({ key: 'bundle_version', value: 'v7' });
    const { model_version: version } = (await (
      await rest('mlflow/model-versions/get', { name: model, version: registered.registry_version })
    ).json()) as RestVersion;
    expect(version.aliases).toEqual(['production']);
    expect(version.source).toBe(`runs:/${run.runId}/bundle`);
    const staging = await fetch(`${server.uri}/api/2.0/mlflow/registered-models/alias?name=${model}&alias=staging`);
    expect(staging.ok).toBe(false);
    expect(((await staging.json()) as { message: string }).message).toMatch(/alias staging not found/);
  });

  it('keeps a run logged while MLflow is unreachable in the spool and delivers it with resend()', async () => {
    const closedPort = await freePort();
    const deadUri = `http://127.0.0.1:${closedPort}`;
    const spool = spoolDir();
    const model = `offline-als-${randomUUID().slice(0, 8)}`;
    const offline = createTracker({ backend: 'mlflow', uri: deadUri, spoolDir: spool });
    const bundle = path.join(root.dir, `offline-bundle-${randomUUID().slice(0, 8)}`);
    mkdirSync(bundle);
    const manifest = randomBytes(1200);
    writeFileSync(path.join(bundle, 'manifest.json'), manifest);

    const run = await offline.startRun({
      experiment: 'offline',
      runName: 'als-offline',
      tags: { model_family: 'als' },
    });
    expect(run.runId).toMatch(/^local-/);
    await run.logParams({ factors: 16 });
    for (let step = 0; step < 3; step++) await run.logMetrics({ 'train.loss': 3 - step }, { step });
    await run.logMetrics({ 'validation.ndcg@10': 0.21 });
    await run.logArtifact(bundle, 'bundle');
    const failure = await run.end().then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failure?.message).toContain(deadUri);
    expect(failure?.message).toContain('GET /api/2.0/mlflow/experiments/get-by-name');
    expect(failure?.message).toContain('ECONNREFUSED');
    expect(failure?.message).toContain(spool);
    expect(failure?.message).toContain('resend()');
    // The spool holds its own copy: the bundle may go away before the server comes back.
    rmSync(bundle, { recursive: true });

    await expect(
      offline.registerVersion({ modelName: model, runId: run.runId, version: 'v1', artifactPath: 'bundle' }),
    ).rejects.toThrow(/kept in the spool/);
    await expect(offline.transitionStage({ modelName: model, version: 'v1', stage: 'Production' })).rejects.toThrow(
      deadUri,
    );
    expect(readdirSync(spool).filter((name) => name.endsWith('.json') && name !== 'run-ids.json')).toHaveLength(3);

    const live = createTracker({ backend: 'mlflow', uri: server.uri, spoolDir: spool }) as MlflowTracker;
    const report = await live.resend();
    expect(report.pending).toBe(0);
    expect(report.delivered).toHaveLength(3);
    expect(live.spool.entries()).toEqual([]);

    const serverRunId = live.spool.runIds()[run.runId];
    expect(serverRunId).toMatch(/^[0-9a-f]{32}$/);
    const delivered = await live.getRun(run.runId);
    expect(delivered).toMatchObject({
      run_id: serverRunId,
      experiment: 'offline',
      run_name: 'als-offline',
      status: 'FINISHED',
      params: { factors: '16' },
      metrics: { train_loss: 1, validation_ndcg_at_10: 0.21 },
      tags: { model_family: 'als' },
    });
    expect((await live.metricHistory(serverRunId, 'train.loss')).map((p) => p.value)).toEqual([3, 2, 1]);
    const artifact = `bundle/${path.basename(bundle)}/manifest.json`;
    expect((await live.readArtifact(serverRunId, artifact)).equals(manifest)).toBe(true);
    expect(await live.getVersion(model, 'v1')).toMatchObject({
      run_id: serverRunId,
      stage: 'Production',
      aliases: ['production'],
    });
    const { model_version: byAlias } = (await (
      await rest('mlflow/registered-models/alias', { name: model, alias: 'production' })
    ).json()) as RestVersion;
    expect(byAlias.run_id).toBe(serverRunId);
    expect(await live.resend()).toEqual({ delivered: [], pending: 0 });
  });
});
