import { describe, expect, it } from 'vitest';
import type { Params } from './family.ts';
import { bisect, type Trial } from './search.ts';

/** A stand-in trial: eligible while the weight is at most `limit` (as the Jaccard limit would be met). */
function runner(limit: number) {
  const tried: number[] = [];
  const run = async (params: Params): Promise<Trial> => {
    tried.push(Number(params.weight));
    return trial(params, Number(params.weight) <= limit);
  };
  return { tried, run };
}
const trial = (params: Params, eligible: boolean): Trial => ({
  family: 'f',
  params,
  validation: { ci: { 'ndcg@10': [0, 0], 'recall@20': [0, 0] } },
  verdict: { eligible, why: eligible ? [] : ['top-10 Jaccard > 0.1'] },
  fit_seconds: 0,
});
const tradeoff = { param: 'weight', range: [0.02, 2] as [number, number], steps: 4 };

describe('the trade-off bisection', () => {
  it('halves an ineligible weight until it is accepted, then bisects towards the limit', async () => {
    const { tried, run } = runner(0.21);
    await bisect(tradeoff, trial({ weight: 1, lambda: 100 }, false), () => 10, run);
    // 1 → 0.5 (no) → 0.25 (no) → 0.13 (yes) → √(0.13·0.25) = 0.18 (yes).
    expect(tried).toEqual([0.5, 0.25, 0.13, 0.18]);
  });

  it('doubles an eligible weight until it is refused, within the range and the budget left', async () => {
    const up = runner(0.7);
    await bisect(tradeoff, trial({ weight: 0.2 }, true), () => 10, up.run);
    expect(up.tried).toEqual([0.4, 0.8, 0.57, 0.68]);
    const capped = runner(5);
    await bisect(tradeoff, trial({ weight: 1.5 }, true), () => 10, capped.run);
    expect(capped.tried).toEqual([2]);
    const broke = runner(0.7);
    let left = 2;
    await bisect(tradeoff, trial({ weight: 0.2 }, true), () => left--, broke.run);
    expect(broke.tried).toEqual([0.4, 0.8]);
  });
});
