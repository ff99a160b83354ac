import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrepared } from '../data/prepared.ts';
import type { FlatMetrics } from '../evaluate/report.ts';
import { syntheticDataset } from '../testing/synthetic.ts';
import { chooseConfiguration, RECHECKS } from './choose.ts';
import { popularityFamily } from './families/popularity.ts';
import type { ModelFamily } from './family.ts';
import type { Trial } from './search.ts';
import { fitWindow, fullHistory } from './window.ts';

const scratch = tempDir('recsys-choose-');
let context: Parameters<typeof chooseConfiguration>[2];

beforeAll(async () => {
  const { prepared } = await syntheticDataset(scratch.dir, { users: 300, items: 120, interactions: 8_000 });
  const data = readPrepared(prepared);
  // Popularity gives everyone the same list: its top-10 Jaccard is 1, so no refit can meet a 0.1 ceiling.
  context = {
    refitWindow: fitWindow(data, 'fit'),
    history: fullHistory(data),
    rule: { metric: 'ndcg@10', minCoverage: 0, maxJaccard: 0.1 },
  };
});
afterAll(() => scratch.cleanup());

/** Popularity, counting its fits. */
function counted(): { family: ModelFamily; fits: () => number } {
  let fits = 0;
  return {
    family: {
      ...popularityFamily,
      fit: (window, params) => {
        fits++;
        return popularityFamily.fit(window, params);
      },
    },
    fits: () => fits,
  };
}

const trial = (window: number | null, eligible: boolean): Trial => ({
  family: 'popularity',
  params: { window },
  validation: { 'ndcg@10': 0.1, ci: {} as FlatMetrics['ci'] },
  folds: [],
  verdict: { eligible, why: eligible ? [] : ['top-10 Jaccard 1.000 > 0.1'] },
  confirmed: true,
  fit_seconds: 0,
});

describe('chooseConfiguration', () => {
  it('fits each re-checked candidate once, the best included, when every refit fails the rule', async () => {
    const { family, fits } = counted();
    const ranked = [trial(null, true), trial(0.5, true), trial(0.25, true), trial(0.1, true), trial(0.05, true)];
    const choice = await chooseConfiguration(family, ranked, context);
    expect(choice.trial).toBe(ranked[0]);
    expect(choice.verdict.eligible).toBe(false);
    expect(choice.verdict.why).toHaveLength(RECHECKS);
    expect(choice.verdict.why[0]).toContain('refit top-10 Jaccard');
    expect(fits()).toBe(RECHECKS);
  });

  it('fits the best once more only when validation had already ruled it out', async () => {
    const { family, fits } = counted();
    const ranked = [trial(null, false), trial(0.5, true)];
    const choice = await chooseConfiguration(family, ranked, context);
    expect(choice.trial).toBe(ranked[0]);
    expect(choice.verdict.why[0]).toBe('validation top-10 Jaccard 1.000 > 0.1');
    expect(fits()).toBe(2);
  });
});
