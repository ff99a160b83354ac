import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Tracker, TrackingError } from './tracker.ts';

/**
 * The behaviour both backends promise, run by embedded.test.ts and mlflow.int.test.ts. `open` gives a tracker
 * for one test; `scratch` a directory for the files the test logs. Names are unique per test so tests can
 * share one server.
 */
export function trackerContract(open: () => Promise<Tracker>, scratch: () => string): void {
  let tracker: Tracker;
  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  afterEach(async () => {
    await tracker?.close();
  });

  /** A bundle-like directory: a manifest, raw Float32 embeddings and an opaque index, each with known bytes. */
  function writeBundle(): { dir: string; files: Record<string, Buffer> } {
    const dir = path.join(scratch(), unique('bundle'));
    mkdirSync(path.join(dir, 'index'), { recursive: true });
    const embeddings = new Float32Array(64).map((_, i) => Math.sin(i) * 0.5);
    const files: Record<string, Buffer> = {
      'manifest.json': Buffer.from(JSON.stringify({ model_name: 'als', version: 'v1' })),
      'item_factors.f32': Buffer.from(embeddings.buffer),
      'index/items.usearch': randomBytes(3000),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
    return { dir, files };
  }

  describe('runs', () => {
    it('reads back params, metrics per split and K, tags, status and times', async () => {
      tracker = await open();
      const experiment = unique('exp');
      const run = await tracker.startRun({ experiment, runName: 'als-fit', tags: { model_family: 'als' } });
      await run.logParams({ factors: 64, regularization: 0.05, use_bm25: false, dataset: 'ml-100k' });
      for (let step = 0; step < 5; step++) await run.logMetrics({ 'train.loss': 10 / (step + 1) }, { step });
      await run.logMetrics({ 'validation.ndcg@10': 0.3125, 'validation.recall@20': 0.41, 'test.ndcg@10': 0.29 });
      await run.setTags({ git_commit: 'abc123', model_family: 'als-cg' });
      await run.end('FINISHED');

      const read = await tracker.getRun(run.runId);
      expect(read).toMatchObject({ run_id: run.runId, experiment, run_name: 'als-fit', status: 'FINISHED' });
      expect(Date.parse(read.start_time)).toBeLessThanOrEqual(Date.parse(read.end_time as string));
      expect(read.params).toEqual({ factors: '64', regularization: '0.05', use_bm25: 'false', dataset: 'ml-100k' });
      expect(read.metrics).toEqual({
        train_loss: 2,
        validation_ndcg_at_10: 0.3125,
        validation_recall_at_20: 0.41,
        test_ndcg_at_10: 0.29,
      });
      expect(read.tags).toEqual({ model_family: 'als-cg', git_commit: 'abc123' });
      const history = await tracker.metricHistory(run.runId, 'train.loss');
      expect(history.map((p) => [p.step, p.value])).toEqual([0, 1, 2, 3, 4].map((s) => [s, 10 / (s + 1)]));
    });

    it('stores artifacts, files and directories, and gives back the same bytes', async () => {
      tracker = await open();
      const { dir, files } = writeBundle();
      const decision = path.join(scratch(), 'decision.json');
      writeFileSync(decision, JSON.stringify({ verdict: 'promote', summary: 'first model' }));
      const run = await tracker.startRun({ experiment: unique('exp'), runName: 'artifacts' });
      await run.logArtifact(dir, 'bundle');
      await run.logArtifact(decision);
      await run.end();

      const bundle = `bundle/${path.basename(dir)}`;
      expect(await tracker.listArtifacts(run.runId)).toEqual(
        ['decision.json', ...Object.keys(files).map((name) => `${bundle}/${name}`)].sort(),
      );
      for (const [name, bytes] of Object.entries(files)) {
        expect((await tracker.readArtifact(run.runId, `${bundle}/${name}`)).equals(bytes)).toBe(true);
      }
      expect(JSON.parse((await tracker.readArtifact(run.runId, 'decision.json')).toString())).toEqual({
        verdict: 'promote',
        summary: 'first model',
      });
    });

    it('records a failed run as FAILED', async () => {
      tracker = await open();
      const run = await tracker.startRun({ experiment: unique('exp'), runName: 'broken' });
      await run.end('FAILED');
      expect((await tracker.getRun(run.runId)).status).toBe('FAILED');
    });

    it('refuses what MLflow would refuse before sending anything', async () => {
      tracker = await open();
      const run = await tracker.startRun({ experiment: unique('exp'), runName: 'refusals' });
      await run.logParams({ factors: 64 });
      await run.logParams({ factors: 64 });
      await expect(run.logParams({ factors: 32 })).rejects.toThrow(/param "factors" is already "64"/);
      await expect(run.setTags({ 'bad@key': 'x' })).rejects.toThrow(TrackingError);
      await expect(run.logParams({ 'als/../factors': 1 })).rejects.toThrow(/path segment/);
      await expect(run.logMetrics({ 'validation.mrr': Number.NaN })).rejects.toThrow(/expected a finite number/);
      await expect(run.logArtifact(path.join(scratch(), 'missing.bin'))).rejects.toThrow(/does not exist/);
      const note = path.join(scratch(), 'note.txt');
      writeFileSync(note, 'note');
      await expect(run.logArtifact(note, '../outside')).rejects.toThrow(/contains "\.\."/);
      await run.end();
      await expect(run.logMetrics({ 'validation.mrr': 0.5 })).rejects.toThrow(/already ended/);
      expect((await tracker.getRun(run.runId)).params).toEqual({ factors: '64' });
    });
  });

  describe('registry', () => {
    async function finishedRun(name: string): Promise<string> {
      const run = await tracker.startRun({ experiment: unique('exp'), runName: name });
      await run.logArtifact(writeBundle().dir, 'bundle');
      await run.end();
      return run.runId;
    }

    it('registers versions from runs under our bundle version, oldest first', async () => {
      tracker = await open();
      const model = unique('als');
      const [runA, runB] = [await finishedRun('a'), await finishedRun('b')];
      const first = await tracker.registerVersion({
        modelName: model,
        runId: runA,
        version: '20260101T000000Z',
        artifactPath: 'bundle',
      });
      expect(first).toMatchObject({
        model_name: model,
        version: '20260101T000000Z',
        run_id: runA,
        stage: 'None',
        aliases: [],
      });
      expect(first.source).toContain('bundle');
      const again = await tracker.registerVersion({
        modelName: model,
        runId: runA,
        version: '20260101T000000Z',
        artifactPath: 'bundle',
      });
      expect(again.registry_version).toBe(first.registry_version);
      await expect(
        tracker.registerVersion({ modelName: model, runId: runB, version: '20260101T000000Z', artifactPath: 'bundle' }),
      ).rejects.toThrow(/already has version 20260101T000000Z from run/);
      await tracker.registerVersion({
        modelName: model,
        runId: runB,
        version: '20260102T000000Z',
        artifactPath: 'bundle',
      });
      const versions = await tracker.listVersions(model);
      expect(versions.map((v) => [v.version, v.run_id])).toEqual([
        ['20260101T000000Z', runA],
        ['20260102T000000Z', runB],
      ]);
      expect(Number(versions[1].registry_version)).toBeGreaterThan(Number(versions[0].registry_version));
      await expect(tracker.getVersion(model, 'never-registered')).rejects.toThrow(TrackingError);
    });

    it('moves None → Staging → Production with the aliases in step, archiving the replaced Production', async () => {
      tracker = await open();
      const model = unique('als');
      const runs = [await finishedRun('v1'), await finishedRun('v2')];
      for (const [i, runId] of runs.entries()) {
        await tracker.registerVersion({ modelName: model, runId, version: `v${i + 1}`, artifactPath: 'bundle' });
      }
      const stageOf = async () =>
        Object.fromEntries((await tracker.listVersions(model)).map((v) => [v.version, [v.stage, v.aliases.join(',')]]));

      expect(await tracker.transitionStage({ modelName: model, version: 'v1', stage: 'Staging' })).toMatchObject({
        stage: 'Staging',
        aliases: ['staging'],
      });
      await tracker.transitionStage({ modelName: model, version: 'v1', stage: 'Production' });
      expect(await stageOf()).toEqual({ v1: ['Production', 'production'], v2: ['None', ''] });

      await tracker.transitionStage({ modelName: model, version: 'v2', stage: 'Staging' });
      expect(await stageOf()).toEqual({ v1: ['Production', 'production'], v2: ['Staging', 'staging'] });
      await tracker.transitionStage({ modelName: model, version: 'v2', stage: 'Production' });
      expect(await stageOf()).toEqual({ v1: ['Archived', ''], v2: ['Production', 'production'] });
      expect((await tracker.getVersion(model, 'v2')).aliases).toEqual(['production']);
    });

    it('keeps one Staging version: a newer candidate archives the retained one', async () => {
      tracker = await open();
      const model = unique('als');
      for (const version of ['v1', 'v2']) {
        await tracker.registerVersion({
          modelName: model,
          runId: await finishedRun(version),
          version,
          artifactPath: 'bundle',
        });
        await tracker.transitionStage({ modelName: model, version, stage: 'Staging' });
      }
      const versions = await tracker.listVersions(model);
      expect(versions.map((v) => [v.version, v.stage, v.aliases])).toEqual([
        ['v1', 'Archived', []],
        ['v2', 'Staging', ['staging']],
      ]);
      await expect(
        tracker.transitionStage({ modelName: model, version: 'v1', stage: 'Bogus' as never }),
      ).rejects.toThrow(/not one of None, Staging, Production, Archived/);
    });
  });
}
