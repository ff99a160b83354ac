import { describe, expect, it } from 'vitest';
import { metricColumns, scoreUserRanking } from './ranking.ts';

/** Item i at rank i + 1: the ranked list 0, 1, 2, …, 99. */
const identityRanking = Uint32Array.from({ length: 100 }, (_, i) => i);
const d = (rank: number) => 1 / Math.log2(rank + 1);

function scoreOne(ranked: Uint32Array, relevant: number[]) {
  const columns = metricColumns(1);
  scoreUserRanking(ranked, Uint32Array.from(relevant), columns, 0);
  return Object.fromEntries(Object.entries(columns).map(([key, values]) => [key, values[0]]));
}

describe('per-user ranking metrics (hand-computed)', () => {
  it('counts an item missing from the catalogue in |relevant| as an unavoidable miss', () => {
    // Hits at ranks 1 and 3; item 5000 is not in the catalogue, so no list can contain it.
    const m = scoreOne(identityRanking, [0, 2, 5000]);
    expect(m['precision@5']).toBeCloseTo(2 / 5, 12);
    expect(m['recall@5']).toBeCloseTo(2 / 3, 12);
    expect(m['ndcg@5']).toBeCloseTo((d(1) + d(3)) / (d(1) + d(2) + d(3)), 12);
    expect(m['ndcg@5']).toBeCloseTo(1.5 / 2.130929753571457, 12);
    expect(m['hit_rate@5']).toBe(1);
    expect(m.mrr).toBe(1);
    expect(m['recall@100']).toBeCloseTo(2 / 3, 12);
  });

  it('takes IDCG over min(|relevant|, K) when |relevant| > K', () => {
    // 25 relevant items: the top 5 and ranks 30–49.
    const relevant = [0, 1, 2, 3, 4, ...Array.from({ length: 20 }, (_, i) => 29 + i)];
    const m = scoreOne(identityRanking, relevant);
    expect(m['precision@5']).toBe(1);
    expect(m['recall@5']).toBeCloseTo(5 / 25, 12);
    expect(m['ndcg@5']).toBeCloseTo(1, 12);
    const dcg5 = d(1) + d(2) + d(3) + d(4) + d(5);
    const idcg10 = dcg5 + d(6) + d(7) + d(8) + d(9) + d(10);
    expect(m['precision@10']).toBe(0.5);
    expect(m['ndcg@10']).toBeCloseTo(dcg5 / idcg10, 12);
    expect(m['precision@20']).toBe(0.25);
    expect(m['recall@20']).toBeCloseTo(0.2, 12);
    expect(m['recall@100']).toBe(1);
  });

  it('scores zero everywhere when nothing relevant is ranked', () => {
    const m = scoreOne(identityRanking, [100, 101]);
    for (const value of Object.values(m)) expect(value).toBe(0);
  });

  it('finds the first hit for MRR beyond K but only within the top 100', () => {
    const m = scoreOne(identityRanking, [39, 77]);
    expect(m['hit_rate@20']).toBe(0);
    expect(m.mrr).toBeCloseTo(1 / 40, 12);
    expect(m['recall@100']).toBe(1);
    const longList = Uint32Array.from({ length: 150 }, (_, i) => i);
    const deep = scoreOne(longList, [120]);
    expect(deep.mrr).toBe(0);
    expect(deep['recall@100']).toBe(0);
  });

  it('counts a duplicated held-out item once', () => {
    const m = scoreOne(identityRanking, [1, 1]);
    expect(m['recall@5']).toBe(1);
    expect(m['ndcg@5']).toBeCloseTo(d(2) / d(1), 12);
    expect(m.mrr).toBe(0.5);
  });

  it('refuses a user with nothing held out', () => {
    expect(() => scoreOne(identityRanking, [])).toThrow(/no held-out items/);
  });
});
