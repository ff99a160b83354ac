import { csrFromCoo } from '@recsys/core/csr';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { PopularityScorer } from '@recsys/core/recommender/popularity';
import { Recommender } from '@recsys/core/recommender/recommender';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.ts';
import { sliceMetrics, warmMetrics } from './report.ts';

describe('flat metric reports', () => {
  it('carries the protocol metric keys, coverage and CIs in one object', () => {
    const fit = csrFromCoo(3, 3, Uint32Array.of(0, 1, 2), Uint32Array.of(0, 1, 2));
    const heldOut = csrFromCoo(3, 3, Uint32Array.of(0, 1), Uint32Array.of(1, 0));
    const popularity = new PopularityScorer(Float32Array.of(3, 2, 1), { variant: 'all_time' });
    const recommender = new Recommender(popularity, catalogueFromFit(fit, Uint32Array.of(1, 2, 3)));
    const evaluation = evaluate({ recommender, heldOut });
    const flat = warmMetrics(evaluation);
    for (const key of [
      'precision@5',
      'recall@20',
      'ndcg@10',
      'hit_rate@10',
      'mrr',
      'coverage@100',
      'coverage@20',
      'recall@100',
    ]) {
      expect(typeof flat[key], key).toBe('number');
    }
    expect(flat['ndcg@10']).toBe(evaluation.warm.metrics['ndcg@10']);
    expect(flat.users).toBe(2);
    expect(Object.keys(flat.ci).sort()).toEqual(['ndcg@10', 'recall@20']);
    expect(sliceMetrics(evaluation.warm)).not.toHaveProperty('coverage@100');
  });
});
