import { describe, expect, it } from 'vitest';
import { byPreference, DEFAULT_SELECTION, preferred, verdict } from './selection.ts';

const metrics = (ndcg: number, coverage: number, jaccard: number) => ({
  'ndcg@10': ndcg,
  'coverage@100': coverage,
  'jaccard@10': jaccard,
});
const judged = (ndcg: number, coverage: number, jaccard: number) => {
  const validation = metrics(ndcg, coverage, jaccard);
  return { validation, verdict: verdict(validation, DEFAULT_SELECTION) };
};

describe('the selection rule', () => {
  it('is eligible with coverage@100 >= 0.5 and top-10 Jaccard <= 0.10, and says which constraint fails', () => {
    expect(verdict(metrics(0.2, 0.5, 0.1), DEFAULT_SELECTION)).toEqual({ eligible: true, why: [] });
    expect(verdict(metrics(0.2, 0.49, 0.1), DEFAULT_SELECTION).why).toEqual(['coverage@100 0.490 < 0.5']);
    expect(verdict(metrics(0.2, 0.9, 0.27), DEFAULT_SELECTION).why).toEqual(['top-10 Jaccard 0.270 > 0.1']);
    expect(verdict(metrics(0.2, 0.3, 0.4), DEFAULT_SELECTION).why).toHaveLength(2);
    expect(verdict(metrics(0.2, 0.9, 0.27), { ...DEFAULT_SELECTION, maxJaccard: 0.3 }).eligible).toBe(true);
  });

  it('prefers eligibility, then NDCG@10, and keeps the earlier of equals', () => {
    const accurateButAlike = judged(0.24, 0.9, 0.27);
    const personal = judged(0.2, 0.9, 0.08);
    const better = judged(0.21, 0.9, 0.09);
    expect(preferred(personal, accurateButAlike, DEFAULT_SELECTION)).toBe(true);
    expect(preferred(better, personal, DEFAULT_SELECTION)).toBe(true);
    const twin = judged(0.21, 0.95, 0.05);
    expect(preferred(twin, better, DEFAULT_SELECTION)).toBe(false);
    expect(byPreference([accurateButAlike, personal, better, twin], DEFAULT_SELECTION)).toEqual([
      better,
      twin,
      personal,
      accurateButAlike,
    ]);
  });

  it('names a metric the validation lacks', () => {
    expect(() => verdict({ 'ndcg@10': 0.2, 'coverage@100': 0.9 }, DEFAULT_SELECTION)).toThrow(/no number "jaccard@10"/);
  });
});
