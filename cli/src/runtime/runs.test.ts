import { writeFileSync } from 'node:fs';
import { decidePromotion } from '@recsys/core/promotion/gate';
import { DEFAULT_POLICY } from '@recsys/core/promotion/policy';
import { readRunResult, writeRunResult } from '@recsys/core/recmodel/run-result';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { RunDirectory } from './runs.ts';

const scratch = tempDir('recsys-runs-');
afterAll(() => scratch.cleanup());
const idle = { training: false, gating: false };
const at = '2026-11-29T10:00:00.000Z';
const candidate = { version: 'v2', production_version: 'v1', best: 'als', metrics: { 'ndcg@10': 0.2 } };
const score = (version: string, ndcg: number) => ({
  version,
  fit_cutoff: at,
  metrics: {
    'ndcg@10': ndcg,
    'precision@10': 0.1,
    'recall@20': 0.1,
    'hit_rate@10': 0.3,
    mrr: 0.2,
    'coverage@100': 0.6,
  },
  per_user_primary: [ndcg, ndcg],
});
const window = { from: at, to: at, interactions: 10, users: 2 };
const run = (name: string) => new RunDirectory(scratch.dir, 'movies', name);

describe('a local run directory as reconcile observes it', () => {
  it('is absent before it is created, and created once, in the store’s runs/ layout', () => {
    const once = run('once');
    expect(once.observe(idle, 'v1')).toBeNull();
    expect(once.create()).toBe(true);
    expect(once.create()).toBe(false);
    expect(once.dir).toBe(`${scratch.dir}/movies/runs/once`);
  });

  it('is Running while its child trains, and absent again when it was cut off without a result', () => {
    const cut = run('cut');
    cut.create();
    expect(cut.observe({ training: true, gating: false }, 'v1')).toEqual({ name: 'cut', phase: 'Running' });
    expect(cut.observe(idle, 'v1')).toBeNull();
  });

  it('reports a recorded training failure with its reason and time, and does not overwrite a step’s own result', () => {
    const broken = run('broken');
    broken.create();
    writeRunResult(broken.dir, {
      run: 'broken',
      step: 'train',
      outcome: 'failed',
      finished_at: at,
      failure: { reason: 'TrainingFailed', message: 'ENOENT: no such file /data/ml-100k/u.data' },
    });
    broken.recordFailureUnlessDone('train', 'TrainingFailed', 'recsys retrain ended with exit code 1');
    expect(broken.observe(idle, 'v1')).toEqual({
      name: 'broken',
      phase: 'Failed',
      failure: { reason: 'TrainingFailed', message: 'ENOENT: no such file /data/ml-100k/u.data' },
      finishedAt: at,
    });
    const killed = run('killed');
    killed.create();
    killed.recordFailureUnlessDone('train', 'TrainingFailed', 'recsys retrain ended with signal SIGKILL: no message');
    expect(readRunResult(killed.dir, 'train')).toMatchObject({ outcome: 'failed', failure: { message: /SIGKILL/ } });
  });

  it('carries the candidate, then the gate as Running, Decided or Failed; a discarded gate is gone', () => {
    const gated = run('gated');
    gated.create();
    writeRunResult(gated.dir, { run: 'gated', step: 'train', outcome: 'trained', finished_at: at, candidate });
    const trained = { name: 'gated', phase: 'Succeeded', candidate: { version: 'v2', metrics: candidate.metrics } };
    expect(gated.observe(idle, 'v1')).toEqual({ ...trained, finishedAt: at });
    expect(gated.observe({ training: false, gating: true }, 'v1')?.gate).toEqual({ phase: 'Running' });
    const decision = decidePromotion(DEFAULT_POLICY, score('v2', 0.1), score('v1', 0.3), window);
    writeRunResult(gated.dir, { run: 'gated', step: 'gate', outcome: 'decided', finished_at: at, decision });
    expect(gated.observe(idle, 'v1')?.gate).toMatchObject({ phase: 'Decided', decision: { verdict: 'retain' } });
    gated.discardGate();
    expect(gated.observe(idle, 'v1')?.gate).toBeUndefined();
    gated.recordFailureUnlessDone('gate', 'GateFailed', 'no dataset');
    expect(gated.observe(idle, 'v1')?.gate).toMatchObject({ phase: 'Failed', reason: 'GateFailed' });
  });

  it('takes a decision against a Production that has since moved as no decision, so the run is gated again', () => {
    const moved = run('moved');
    moved.create();
    writeRunResult(moved.dir, { run: 'moved', step: 'train', outcome: 'trained', finished_at: at, candidate });
    const decision = decidePromotion(DEFAULT_POLICY, score('v2', 0.4), score('v1', 0.3), window);
    writeRunResult(moved.dir, { run: 'moved', step: 'gate', outcome: 'decided', finished_at: at, decision });
    expect(moved.observe(idle, 'v1')?.gate).toMatchObject({ phase: 'Decided' });
    expect(moved.observe(idle, 'v3')?.gate).toBeUndefined();
    // Production moved to the candidate itself: the decision was applied (a crash before the status was written).
    expect(moved.observe(idle, 'v2')?.gate).toMatchObject({ phase: 'Decided' });
  });

  it('reads a result file that does not parse as a failure saying what is wrong', () => {
    const bad = run('bad');
    bad.create();
    writeRunResult(bad.dir, { run: 'bad', step: 'train', outcome: 'trained', finished_at: at, candidate });
    writeFileSync(`${bad.dir}/train.json`, '{"run":"bad","step":"train","outcome":"trained"}');
    expect(bad.observe(idle, 'v1')).toMatchObject({
      phase: 'Failed',
      failure: { reason: 'BadResult', message: expect.stringMatching(/train\.json is not a run result: .*candidate/) },
    });
  });
});
