import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { Recommender } from '@recsys/core/recommender/recommender';
import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../data/dataset.ts';
import { prepareDataset } from '../data/prepare.ts';
import { readPrepared } from '../data/prepared.ts';
import { fitItemKnn } from '../models/itemknn/fit.ts';
import { fitPopularity } from '../models/popularity/fit.ts';
import { evaluate } from './evaluate.ts';

const source = ml100kDir();

// PROTOCOL.md's reference table: test metrics of models refit on train + validation.
const references = {
  'popularity, all time': { 'ndcg@10': 0.1233, 'recall@20': 0.116, 'hit_rate@10': 0.395, mrr: 0.195, cov: 0.33 },
  'item-item cosine, no pruning': {
    'ndcg@10': 0.1242,
    'recall@20': 0.114,
    'hit_rate@10': 0.303,
    mrr: 0.216,
    cov: 0.61,
  },
};

describe.skipIf(!source)('reference numbers on MovieLens 100K (PROTOCOL.md)', () => {
  let data: PreparedDataset;
  const temp = tempDir('recsys-eval-');
  beforeAll(async () => {
    await prepareDataset({ source: source!, out: temp.dir });
    data = readPrepared(temp.dir);
  });
  afterAll(() => temp.cleanup());

  function scoreOnTest(name: keyof typeof references) {
    const { train, validation } = data.manifest.interactions;
    const fitItems = data.events.item.subarray(0, train + validation);
    const catalogue = catalogueFromFit(data.fit, data.movieIds);
    const popular = new Recommender(fitPopularity(fitItems, data.fit.cols), catalogue);
    const scorer = name === 'popularity, all time' ? popular.scorer : fitItemKnn(data.fit, { neighbours: null });
    return evaluate({ recommender: new Recommender(scorer, catalogue), coldStart: popular, heldOut: data.test });
  }

  it.each(Object.keys(references) as (keyof typeof references)[])('%s reproduces the reference', (name) => {
    const result = scoreOnTest(name);
    const reference = references[name];
    expect(result.warm.users).toBe(76);
    expect(result.cold?.users).toBe(132);
    expect(result.warm.metrics['ndcg@10']).toBeGreaterThanOrEqual(reference['ndcg@10'] - 0.002);
    expect(result.warm.metrics['ndcg@10']).toBeLessThanOrEqual(reference['ndcg@10'] + 0.002);
    // The table rounds the other metrics to 3 decimals (coverage to 2).
    for (const key of ['recall@20', 'hit_rate@10', 'mrr'] as const) {
      expect(Math.abs(result.warm.metrics[key] - reference[key])).toBeLessThanOrEqual(0.0015);
    }
    expect(Math.abs(result.coverage['coverage@100'] - reference.cov)).toBeLessThanOrEqual(0.005);
    const [lo, hi] = result.warm.ci['ndcg@10'];
    expect(lo).toBeLessThan(result.warm.metrics['ndcg@10']);
    expect(hi).toBeGreaterThan(result.warm.metrics['ndcg@10']);
  });
});
