import { csrFromCoo } from '@recsys/core/csr';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { PopularityScorer } from '@recsys/core/recommender/popularity';
import { Recommender } from '@recsys/core/recommender/recommender';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.ts';
import { pooledMetrics, sliceMetrics, warmMetrics } from './report.ts';

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

  it('pools evaluations over every (evaluation, user) pair and averages their list metrics', () => {
    // Popularity ranks items 0, 1, 2 (unseen ones only). Fold A: user 0 (seen 0) wants 1 → rank 1.
    // Fold B: users 0 (seen 0) and 1 (seen 1) want 2 → rank 2 for both.
    const popularity = new PopularityScorer(Float32Array.of(3, 2, 1), { variant: 'all_time' });
    const movieIds = Uint32Array.of(1, 2, 3);
    const recommender = (users: number[], items: number[]) =>
      new Recommender(
        popularity,
        catalogueFromFit(csrFromCoo(3, 3, Uint32Array.from(users), Uint32Array.from(items)), movieIds),
      );
    const foldA = evaluate({
      recommender: recommender([0, 1, 1, 1], [0, 0, 1, 2]),
      heldOut: csrFromCoo(3, 3, Uint32Array.of(0), Uint32Array.of(1)),
    });
    const foldB = evaluate({
      recommender: recommender([0, 1, 2, 2, 2], [0, 1, 0, 1, 2]),
      heldOut: csrFromCoo(3, 3, Uint32Array.of(0, 1), Uint32Array.of(2, 2)),
    });
    const pooled = pooledMetrics([foldA, foldB]);
    const d2 = 1 / Math.log2(3);
    // Three (evaluation, user) pairs: MRR 1, 1/2, 1/2; NDCG@10 1, d(2), d(2).
    expect(pooled.users).toBe(3);
    expect(pooled.mrr).toBeCloseTo((1 + 0.5 + 0.5) / 3, 12);
    expect(pooled['ndcg@10']).toBeCloseTo((1 + 2 * d2) / 3, 12);
    expect(pooled['coverage@100']).toBeCloseTo(
      (foldA.coverage['coverage@100'] + foldB.coverage['coverage@100']) / 2,
      12,
    );
    expect(pooled['distinct@10']).toBe((foldA.beyond['distinct@10'] + foldB.beyond['distinct@10']) / 2);
    expect(pooledMetrics([foldA])).toEqual(warmMetrics(foldA));
  });
});
