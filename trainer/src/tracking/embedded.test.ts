import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackerContract } from './contract.ts';
import { createTracker } from './index.ts';

let root: { dir: string; cleanup: () => void };
beforeAll(() => {
  root = tempDir('tracking-embedded-');
});
afterAll(() => root.cleanup());

describe('embedded tracker', () => {
  trackerContract(
    async () => createTracker({ backend: 'embedded', path: `${root.dir}/store` }),
    () => root.dir,
  );

  it('keeps what it recorded across reopening the store', async () => {
    const path = `${root.dir}/reopen`;
    const first = createTracker({ backend: 'embedded', path });
    const run = await first.startRun({ experiment: 'reopen', runName: 'r' });
    await run.logMetrics({ 'validation.ndcg@10': 0.25 });
    await run.end();
    await first.close();
    const second = createTracker({ backend: 'embedded', path });
    expect((await second.getRun(run.runId)).metrics).toEqual({ validation_ndcg_at_10: 0.25 });
    expect(await second.resend()).toEqual({ delivered: [], pending: 0 });
    await second.close();
  });
});
