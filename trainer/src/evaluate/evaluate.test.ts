import { csrFromCoo } from '@recsys/core/csr';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { PopularityScorer } from '@recsys/core/recommender/popularity';
import { Recommender } from '@recsys/core/recommender/recommender';
import { describe, expect, it } from 'vitest';
import { evaluate, sampleUsers } from './evaluate.ts';

// 4 users × 5 items. Fit: u0 {0}, u1 {0, 1}, u2 {2}, u3 nothing. Items 3 and 4 are outside the fit catalogue.
const fit = csrFromCoo(4, 5, Uint32Array.of(0, 1, 1, 2), Uint32Array.of(0, 0, 1, 2));
// Held out: u0 {1, 4}, u1 {3}, u3 {0}; u2 has nothing held out.
const heldOut = csrFromCoo(4, 5, Uint32Array.of(0, 0, 1, 3), Uint32Array.of(1, 4, 3, 0));
const movieIds = Uint32Array.of(5, 4, 3, 2, 1);
const popularity = new PopularityScorer(Float32Array.of(2, 1, 1, 0, 0), { variant: 'all_time' });
const recommender = new Recommender(popularity, catalogueFromFit(fit, movieIds));

describe('evaluate (hand-computed)', () => {
  const result = evaluate({ recommender, coldStart: recommender, heldOut, keepRankings: true });

  it('evaluates warm users only: held-out positives and fit history', () => {
    expect([...result.warm.userIndices]).toEqual([0, 1]);
    // u0: candidates 1 and 2 tie, item 2 has the smaller movie id; u1: only item 2 is left.
    expect(result.warm.rankings?.map((r) => [...r])).toEqual([[2, 1], [2]]);
  });

  it('averages per-user metrics, counting uncatalogued held-out items as misses', () => {
    const d = (rank: number) => 1 / Math.log2(rank + 1);
    // u0 hits at rank 2 of |relevant| = 2 (item 4 cannot be ranked); u1's only item is not in the catalogue.
    expect([...result.warm.perUser['ndcg@5']]).toEqual([d(2) / (d(1) + d(2)), 0]);
    expect(result.warm.metrics['ndcg@5']).toBeCloseTo(d(2) / (d(1) + d(2)) / 2, 12);
    expect(result.warm.metrics['recall@20']).toBe(0.25);
    expect(result.warm.metrics['precision@5']).toBeCloseTo(0.1, 12);
    expect(result.warm.metrics.mrr).toBe(0.25);
    expect(result.warm.metrics['hit_rate@10']).toBe(0.5);
    expect(result.warm.ci['ndcg@10'][0]).toBeLessThanOrEqual(result.warm.metrics['ndcg@10']);
  });

  it('measures coverage over every user with fit history, including those with nothing held out', () => {
    // Item 0 only appears in u2's list (u2 has no held-out items): without u2 coverage would be 2/3.
    expect(result.coverage['coverage@100']).toBe(1);
    expect(result.coverage['coverage@20']).toBe(1);
  });

  it('scores the cold slice through the cold-start path', () => {
    expect([...result.cold!.userIndices]).toEqual([3]);
    expect(result.cold!.rankings?.map((r) => [...r])).toEqual([[0, 2, 1]]);
    expect(result.cold!.metrics['ndcg@10']).toBe(1);
  });

  it('skips the cold slice without a cold-start path and refuses mismatched data', () => {
    expect(evaluate({ recommender, heldOut }).cold).toBeNull();
    const other = csrFromCoo(3, 5, Uint32Array.of(0), Uint32Array.of(0));
    expect(() => evaluate({ recommender, heldOut: other })).toThrow(/held-out data is 3×5 but the fit data is 4×5/);
  });
});

describe('evaluate on many users: a fixed sample', () => {
  // 6,000 users × 40 items from a seeded generator: every user has fit history, two in three something held out.
  const users = 6000;
  const random = mulberry32(11);
  const fitRows: number[] = [];
  const fitCols: number[] = [];
  const heldRows: number[] = [];
  const heldCols: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let n = 0; n < 3; n++) {
      fitRows.push(u);
      fitCols.push(Math.floor(random() ** 2 * 40));
    }
    if (u % 3 !== 0) {
      heldRows.push(u);
      heldCols.push(Math.floor(random() ** 2 * 40));
    }
  }
  const manyFit = csrFromCoo(users, 40, Uint32Array.from(fitRows), Uint32Array.from(fitCols));
  const manyHeld = csrFromCoo(users, 40, Uint32Array.from(heldRows), Uint32Array.from(heldCols));
  const ids = Uint32Array.from({ length: 40 }, (_, i) => i + 1);
  const model = (weights: (item: number) => number) =>
    new Recommender(
      new PopularityScorer(
        Float32Array.from({ length: 40 }, (_, i) => weights(i)),
        { variant: 'all_time' },
      ),
      catalogueFromFit(manyFit, ids),
    );
  const popular = model((i) => 40 - i);
  const contrarian = model((i) => i);

  it('scores at most maxUsers held-out users and lists, and says how many of how many', () => {
    const sampled = evaluate({ recommender: popular, heldOut: manyHeld, maxUsers: 1000 });
    expect(sampled.warm.users).toBe(1000);
    expect(sampled.sample).toEqual({
      held_out_users: 4000,
      held_out_users_scored: 1000,
      users_with_history: 6000,
      lists_scored: 1000,
    });
    const whole = evaluate({ recommender: popular, heldOut: manyHeld, maxUsers: Number.POSITIVE_INFINITY });
    expect(whole.sample.held_out_users_scored).toBe(4000);
    // A sample of a quarter estimates the whole: within a few hundredths here, tighter as it grows.
    expect(Math.abs(sampled.warm.metrics['ndcg@10'] - whole.warm.metrics['ndcg@10'])).toBeLessThan(0.03);
    expect(sampled.beyond['novelty@10']).toBeCloseTo(whole.beyond['novelty@10'], 1);
  });

  it('scores every model on the same users, so comparisons stay paired', () => {
    const a = evaluate({ recommender: popular, heldOut: manyHeld, maxUsers: 500 });
    const b = evaluate({ recommender: contrarian, heldOut: manyHeld, maxUsers: 500 });
    expect([...a.warm.userIndices]).toEqual([...b.warm.userIndices]);
    expect(a.warm.metrics['ndcg@10']).toBeGreaterThan(b.warm.metrics['ndcg@10']);
  });

  it('keeps a sampled user sampled from any smaller set that holds it', () => {
    const all = Array.from({ length: 5000 }, (_, u) => u);
    const evens = all.filter((u) => u % 2 === 0);
    const fromAll = sampleUsers(all, 300);
    expect(fromAll).toHaveLength(300);
    expect(sampleUsers(all, 300)).toEqual(fromAll);
    const fromEvens = new Set(sampleUsers(evens, 300));
    for (const u of fromAll.filter((u) => u % 2 === 0)) expect(fromEvens.has(u)).toBe(true);
    expect(sampleUsers(evens.slice(0, 10), 300)).toEqual(evens.slice(0, 10));
  });
});
