import { readBundle } from '@recsys/core/bundle/reader';
import { writeBundle } from '@recsys/core/bundle/writer';
import { loadRecommender, recommenderFiles } from '@recsys/core/recommender/load';
import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../../data/dataset.ts';
import { prepareDataset } from '../../data/prepare.ts';
import { readPrepared } from '../../data/prepared.ts';
import { fitVelocityTrend } from '../../models/ease/trend.ts';
import { fitAndEvaluate } from '../search.ts';
import { type FitWindow, fitWindow, isoTime, windowItems } from '../window.ts';
import { easeTrendFamily } from './ease-trend.ts';

const source = ml100kDir();
/** The research's F3 configuration (its validation winner on ml-100k). */
const F3 = { lambda: 100, window: 0.15, q: 0.25, p: 3, weight: 1 };

/**
 * The research port check (/work/research/FINDINGS.md "F3", fixtures.out): the F3 winner λ 100, window 0.15,
 * q 0.25, p 3, weight 1, fit on train (scored on validation) and on train + validation (scored on test).
 */
const research = {
  train: {
    windowStart: 31_631,
    trendingItems: 773,
    topTrend: [313, 272, 315, 50, 258, 100, 347, 300, 174, 181],
    trend: { max: 7665.627082, mean: 67.578217, std: 321.96629 },
    firstWarm: { user: 1, top: [313, 272, 315, 347, 302, 357, 237, 346, 475, 69], topScore: 23.330821 },
    metrics: { 'ndcg@10': 0.2198, 'recall@20': 0.2613, 'coverage@100': 0.835, mrr: 0.395, 'hit_rate@10': 0.581 },
  },
  fit: {
    windowStart: 38_410,
    trendingItems: 794,
    topTrend: [313, 272, 316, 315, 50, 181, 302, 288, 127, 300],
    trend: { max: 10668.072598, mean: 95.517359, std: 460.829511 },
    firstWarm: { user: 13, top: [288, 300, 269, 191, 286, 79, 195, 333, 210, 318], topScore: 1.974098 },
    metrics: { 'ndcg@10': 0.2389, 'recall@20': 0.2957, 'coverage@100': 0.875, mrr: 0.372, 'hit_rate@10': 0.579 },
  },
};
const tolerance = { 'ndcg@10': 0.002, 'recall@20': 0.003, 'coverage@100': 0.01, mrr: 0.005, 'hit_rate@10': 0.01 };

describe.skipIf(!source)('EASE + velocity trend on MovieLens 100K matches the research (F3)', () => {
  let data: PreparedDataset;
  const temp = tempDir('recsys-ease-');
  beforeAll(async () => {
    await prepareDataset({ source: source!, out: temp.dir });
    data = readPrepared(temp.dir);
  });
  afterAll(() => temp.cleanup());

  /** Trend statistics over the fit catalogue, as fixtures.py prints them (ties by ascending movie id). */
  function catalogueStats(window: FitWindow, scores: Float32Array) {
    const inCatalogue = new Uint8Array(window.interactions.cols);
    for (const item of window.interactions.indices) inCatalogue[item] = 1;
    const catalogue = [...inCatalogue.keys()].filter((i) => inCatalogue[i] === 1);
    const kept = catalogue.map((i) => scores[i]);
    const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
    const std = Math.sqrt(kept.reduce((a, b) => a + (b - mean) ** 2, 0) / kept.length);
    const top = catalogue
      .sort((a, b) => scores[b] - scores[a] || data.movieIds[a] - data.movieIds[b])
      .slice(0, 10)
      .map((i) => data.movieIds[i]);
    return { max: Math.max(...kept), mean, std, top, trending: kept.filter((t) => t > 0).length };
  }

  for (const name of ['train', 'fit'] as const) {
    it(`reproduces the research's trend, first warm user and metrics on the ${name} window`, async () => {
      const expected = research[name];
      const window = fitWindow(data, name);
      expect(Math.floor((1 - F3.window) * window.events)).toBe(expected.windowStart);

      const trend = fitVelocityTrend(windowItems(window), window.interactions.cols, F3);
      const stats = catalogueStats(window, trend.scores);
      expect(stats.trending).toBe(expected.trendingItems);
      expect(stats.top).toEqual(expected.topTrend);
      expect(stats.max).toBeCloseTo(expected.trend.max, 2);
      expect(stats.mean).toBeCloseTo(expected.trend.mean, 3);
      expect(stats.std).toBeCloseTo(expected.trend.std, 2);

      const trial = await fitAndEvaluate(easeTrendFamily, F3, window);
      const user = data.userIds.indexOf(expected.firstWarm.user);
      const ranking = trial.recommender.recommend(user, 10);
      expect([...ranking.items].map((i) => data.movieIds[i])).toEqual(expected.firstWarm.top);
      expect(ranking.scores[0]).toBeCloseTo(expected.firstWarm.topScore, 3);

      const measured = { ...trial.evaluation.warm.metrics, ...trial.evaluation.coverage } as Record<string, number>;
      for (const [metric, value] of Object.entries(expected.metrics)) {
        expect(
          Math.abs(measured[metric] - value),
          `${metric}: ${measured[metric]} vs research ${value}`,
        ).toBeLessThanOrEqual(tolerance[metric as keyof typeof tolerance]);
      }
    });
  }

  it('serves the same top-100 from a written bundle (itemknn + popularity blend) for every user with fit history', async () => {
    const window = fitWindow(data, 'fit');
    const trial = await fitAndEvaluate(easeTrendFamily, F3, window);
    const { dir } = await writeBundle({
      store: `${temp.dir}/store`,
      modelName: 'ease-trend',
      manifest: {
        model_type: trial.scorer.kind,
        params: F3,
        dataset: {
          fingerprint: data.manifest.fingerprint,
          cutoffs: { validation: data.manifest.cutoffs.validation, test: data.manifest.cutoffs.test },
          fit_cutoff: isoTime(window.cutoff),
        },
        metrics: { validation: { 'ndcg@10': trial.evaluation.warm.metrics['ndcg@10'] } },
        test_scored_for: null,
        parent_version: null,
      },
      files: recommenderFiles(trial.recommender),
    });
    const served = loadRecommender(await readBundle(dir));
    let users = 0;
    for (let user = 0; user < window.interactions.rows; user++) {
      if (!trial.recommender.knowsUser(user)) continue;
      users++;
      expect([...served.recommend(user, 100).items], `user ${user}`).toEqual([
        ...trial.recommender.recommend(user, 100).items,
      ]);
    }
    expect(users).toBe(806);
  });
});
