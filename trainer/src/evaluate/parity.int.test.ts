import { readBundle } from '@recsys/core/bundle/reader';
import { writeBundle } from '@recsys/core/bundle/writer';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { BlendScorer } from '@recsys/core/recommender/blend';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { FactorScorer } from '@recsys/core/recommender/factors';
import { loadRecommender, recommenderFiles } from '@recsys/core/recommender/load';
import { Recommender } from '@recsys/core/recommender/recommender';
import type { Scorer } from '@recsys/core/recommender/scorer';
import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../data/dataset.ts';
import { prepareDataset } from '../data/prepare.ts';
import { readPrepared } from '../data/prepared.ts';
import { fitItemKnn } from '../models/itemknn/fit.ts';
import { fitPopularity } from '../models/popularity/fit.ts';
import { evaluate } from './evaluate.ts';

const source = ml100kDir();
const users = 100;

describe.skipIf(!source)('train/serve parity through a written bundle (ml-100k)', () => {
  let data: PreparedDataset;
  const temp = tempDir('recsys-parity-');
  beforeAll(async () => {
    await prepareDataset({ source: source!, out: `${temp.dir}/prepared` });
    data = readPrepared(`${temp.dir}/prepared`);
  });
  afterAll(() => temp.cleanup());

  function models(): [string, Scorer][] {
    const { train, validation } = data.manifest.interactions;
    const fitItems = data.events.item.subarray(0, train + validation);
    const items = data.fit.cols;
    const random = mulberry32(5);
    // A factor model of the right shape; the ALS fit itself is tested where it lives.
    const factors = new FactorScorer({
      factors: 8,
      userFactors: Float32Array.from({ length: data.fit.rows * 8 }, () => random() - 0.5),
      itemFactors: Float32Array.from({ length: items * 8 }, () => random() - 0.5),
    });
    const trending = fitPopularity(fitItems, items, { window: 0.15 });
    return [
      ['popularity', fitPopularity(fitItems, items)],
      ['itemknn', fitItemKnn(data.fit, { neighbours: 50 })],
      ['factors', factors],
      [
        'blend',
        new BlendScorer(
          [
            { scorer: factors, weight: 1 },
            { scorer: trending, weight: 1.5 },
          ],
          catalogueFromFit(data.fit, data.movieIds).inCatalogue,
        ),
      ],
    ];
  }

  it('the evaluation ranking equals the loaded bundle’s output item for item, for every model type', async () => {
    for (const [name, scorer] of models()) {
      const fitted = new Recommender(scorer, catalogueFromFit(data.fit, data.movieIds));
      // Test has only 76 warm users; the validation slice selects ≥ 100 users with fit history (only rankings matter here).
      const evaluation = evaluate({ recommender: fitted, heldOut: data.validation, keepRankings: true });
      const { dir } = await writeBundle({
        store: `${temp.dir}/store`,
        modelName: name,
        manifest: {
          model_type: scorer.kind,
          params: {},
          dataset: {
            fingerprint: data.manifest.fingerprint,
            cutoffs: { validation: data.manifest.cutoffs.validation, test: data.manifest.cutoffs.test },
            fit_cutoff: data.manifest.cutoffs.test,
          },
          metrics: { validation: { 'ndcg@10': evaluation.warm.metrics['ndcg@10'] } },
          test_scored_for: null,
          parent_version: null,
        },
        files: recommenderFiles(fitted),
      });
      const served = loadRecommender(await readBundle(dir));
      expect(served.scorer.kind, name).toBe(scorer.kind);
      const checked = Math.min(users, evaluation.warm.users);
      expect(checked, name).toBe(users);
      for (let u = 0; u < checked; u++) {
        const user = evaluation.warm.userIndices[u];
        expect([...served.recommend(user, 100).items], `${name}, user ${user}`).toEqual([
          ...evaluation.warm.rankings![u],
        ]);
      }
    }
  });
});
