import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDataset } from '../data/prepare.ts';
import { train } from './train.ts';

const source = ml100kDir();
const scratch = tempDir('recsys-train-int-');
afterAll(() => scratch.cleanup());

describe.runIf(source)('recsys train on ml-100k', () => {
  it('chooses, on validation alone, a winner whose lists differ between people and that beats trending popularity', async () => {
    await prepareDataset({ source: source!, out: `${scratch.dir}/prepared` });
    const result = await train({ data: `${scratch.dir}/prepared`, store: `${scratch.dir}/store` });
    const winner = result.models[result.best];
    for (const [name, m] of Object.entries(result.models)) {
      console.log(
        name,
        JSON.stringify(m.params),
        'validation',
        m.validation['ndcg@10'],
        'test',
        m.test['ndcg@10'],
        m.test['recall@20'],
        m.test['coverage@100'],
        m.test['jaccard@10'],
      );
    }
    expect(winner.eligible).toBe(true);
    // Issue 15's bar: above trending popularity's 0.2126, lists that differ, the statement's coverage floor.
    expect(winner.test['ndcg@10']).toBeGreaterThanOrEqual(0.22);
    expect(winner.test['jaccard@10']).toBeLessThanOrEqual(0.1);
    expect(winner.deployed['jaccard@10']).toBeLessThanOrEqual(0.1);
    expect(winner.test['coverage@100']).toBeGreaterThanOrEqual(0.5);
    expect(winner.test['recall@20']).toBeGreaterThanOrEqual(0.25);
    expect(winner.test['ndcg@10']).toBeGreaterThan(result.models.popularity.test['ndcg@10'] as number);
  }, 300_000);
});
