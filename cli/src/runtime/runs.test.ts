import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { RunDirectory } from './runs.ts';

const scratch = tempDir('recsys-runs-');
afterAll(() => scratch.cleanup());
const idle = { training: false, gating: false };
const candidate = { version: 'v2', metrics: { 'ndcg@10': 0.2 } };

describe('a local run directory as reconcile observes it', () => {
  it('is absent before it is created, and created once', () => {
    const run = new RunDirectory(scratch.dir, 'once');
    expect(run.observe(idle)).toBeNull();
    expect(run.create()).toBe(true);
    expect(run.create()).toBe(false);
  });

  it('is Running while its child trains, and absent again when it was cut off without a result', () => {
    const run = new RunDirectory(scratch.dir, 'cut');
    run.create();
    expect(run.observe({ training: true, gating: false })).toEqual({ name: 'cut', phase: 'Running' });
    expect(run.observe(idle)).toBeNull();
  });

  it('reports a recorded training failure with its reason and time', () => {
    const run = new RunDirectory(scratch.dir, 'broken');
    run.create();
    run.write('trainFailure', {
      reason: 'TrainingFailed',
      message: 'exit code 1: boom',
      finished_at: '2026-11-29T10:00:00.000Z',
    });
    expect(run.observe(idle)).toEqual({
      name: 'broken',
      phase: 'Failed',
      failure: { reason: 'TrainingFailed', message: 'exit code 1: boom' },
      finishedAt: '2026-11-29T10:00:00.000Z',
    });
  });

  it('carries the candidate, then the gate as Running, Decided or Failed; a discarded gate is gone', () => {
    const run = new RunDirectory(scratch.dir, 'gated');
    run.create();
    run.write('candidate', candidate);
    expect(run.observe(idle)).toEqual({ name: 'gated', phase: 'Succeeded', candidate });
    expect(run.observe({ training: false, gating: true })?.gate).toEqual({ phase: 'Running' });
    run.write('decision', { verdict: 'retain', failed_rules: ['ndcg@10'] });
    expect(run.observe(idle)?.gate).toMatchObject({ phase: 'Decided', decision: { verdict: 'retain' } });
    run.discardGate();
    expect(run.observe(idle)?.gate).toBeUndefined();
    run.write('gateFailure', { reason: 'GateFailed', message: 'no dataset', finished_at: '2026-11-29T10:00:00.000Z' });
    expect(run.observe(idle)?.gate).toMatchObject({ phase: 'Failed', reason: 'GateFailed' });
  });
});
