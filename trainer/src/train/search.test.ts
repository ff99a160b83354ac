import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../data/dataset.ts';
import { readPrepared } from '../data/prepared.ts';
import { syntheticDataset } from '../testing/synthetic.ts';
import { alsFamily } from './families/als.ts';
import { itemKnnFamily } from './families/itemknn.ts';
import type { Params } from './family.ts';
import { bisect, searchFamily, type Trial } from './search.ts';
import { DEFAULT_SELECTION } from './selection.ts';
import { validationFolds } from './window.ts';

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
  folds: [],
  verdict: { eligible, why: eligible ? [] : ['top-10 Jaccard > 0.1'] },
  confirmed: true,
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

describe('the search over rolling-origin folds', () => {
  const scratch = tempDir();
  let data: PreparedDataset;
  beforeAll(async () => {
    data = readPrepared(
      (await syntheticDataset(scratch.dir, { users: 400, items: 150, interactions: 15_000 })).prepared,
    );
  }, 60_000);
  afterAll(() => scratch.cleanup());

  it('screens every candidate on the protocol validation, then confirms the best quarter on every fold', async () => {
    const folds = validationFolds(data, 3);
    const { ranked } = await searchFamily(itemKnnFamily, { folds }, 6, DEFAULT_SELECTION);
    expect(ranked).toHaveLength(6);
    const confirmed = ranked.filter((trial) => trial.confirmed);
    expect(confirmed).toHaveLength(2);
    expect(ranked.slice(0, 2)).toEqual(confirmed);
    for (const trial of confirmed) {
      expect(trial.folds.map((f) => f.fold)).toEqual(['fold 1 of 3', 'fold 2 of 3', 'train']);
      // Users pooled over the folds.
      expect(trial.validation.users).toBe(trial.folds.reduce((n, f) => n + (f.metrics.users as number), 0));
    }
    for (const trial of ranked.slice(2)) expect(trial.folds.map((f) => f.fold)).toEqual(['train']);
  }, 60_000);

  it('confirms nothing twice with one fold, and pools a seeded family over its seeds', async () => {
    const single = await searchFamily(itemKnnFamily, { folds: validationFolds(data, 1) }, 3, DEFAULT_SELECTION);
    expect(single.ranked.every((trial) => trial.confirmed && trial.folds.length === 1)).toBe(true);
    const als = await searchFamily(alsFamily, { folds: validationFolds(data, 1) }, 2, DEFAULT_SELECTION);
    const [best] = als.ranked;
    expect(best.confirmed).toBe(true);
    expect(best.params.seed).toBe(alsFamily.seeds![0]);
    // Two seeds on the one fold: each warm user counted once per seed.
    const screenedUsers = als.ranked[1].validation.users as number;
    expect(best.validation.users).toBe(2 * screenedUsers);
  }, 120_000);
});
