import { type Csr, csrFromCoo } from '@recsys/core/csr';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { BlendScorer } from '@recsys/core/recommender/blend';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { FactorScorer } from '@recsys/core/recommender/factors';
import { loadRecommender, recommenderFiles } from '@recsys/core/recommender/load';
import { memoryBundle } from '@recsys/core/recommender/memory-bundle';
import { Recommender } from '@recsys/core/recommender/recommender';
import type { Scorer } from '@recsys/core/recommender/scorer';
import { describe, expect, it } from 'vitest';
import { fitItemKnn } from '../models/itemknn/fit.ts';
import { fitPopularity } from '../models/popularity/fit.ts';
import { evaluate } from './evaluate.ts';

/** Synthetic interactions with a popularity skew; events in "time" order, users × items. */
function synthetic(seed: number, users: number, items: number, events: number) {
  const random = mulberry32(seed);
  const user = new Uint32Array(events);
  const item = new Uint32Array(events);
  const seen = new Set<number>();
  for (let e = 0; e < events; ) {
    const u = Math.floor(random() * users);
    const i = Math.floor(items * random() ** 2);
    if (seen.has(u * items + i)) continue;
    seen.add(u * items + i);
    user[e] = u;
    item[e] = i;
    e++;
  }
  const split = (from: number, to: number): Csr =>
    csrFromCoo(users, items, user.subarray(from, to), item.subarray(from, to));
  const fitEnd = Math.floor(events * 0.85);
  return { fit: split(0, fitEnd), test: split(fitEnd, events), fitItems: item.subarray(0, fitEnd) };
}

const users = 150;
const items = 120;
const data = synthetic(3, users, items, 3000);
const movieIds = Uint32Array.from({ length: items }, (_, i) => (i * 37) % 1000);
const catalogue = catalogueFromFit(data.fit, movieIds);
const random = mulberry32(9);
const factorModel = {
  factors: 4,
  userFactors: Float32Array.from({ length: users * 4 }, () => random() - 0.5),
  itemFactors: Float32Array.from({ length: items * 4 }, () => random() - 0.5),
};
const trending = fitPopularity(data.fitItems, items, { window: 0.15 });
const factors = new FactorScorer(factorModel);
const models: [string, Scorer][] = [
  ['popularity', fitPopularity(data.fitItems, items)],
  ['trending popularity', trending],
  ['item-item cosine', fitItemKnn(data.fit, { neighbours: null })],
  ['pruned item-item cosine', fitItemKnn(data.fit, { neighbours: 10 })],
  ['factors', factors],
  [
    'blend',
    new BlendScorer(
      [
        { scorer: factors, weight: 1 },
        { scorer: trending, weight: 2 },
      ],
      catalogue.inCatalogue,
    ),
  ],
];

describe('train/serve parity', () => {
  it.each(models)('%s: the evaluation ranking equals the loaded bundle’s Recommender output', (_name, scorer) => {
    const evaluation = evaluate({
      recommender: new Recommender(scorer, catalogue),
      heldOut: data.test,
      keepRankings: true,
    });
    const served = loadRecommender(memoryBundle(recommenderFiles(new Recommender(scorer, catalogue))));
    expect(evaluation.warm.users).toBeGreaterThan(50);
    const rankings = evaluation.warm.rankings!;
    evaluation.warm.userIndices.forEach((user, u) => {
      expect([...served.recommend(user, 100).items]).toEqual([...rankings[u]]);
    });
  });
});
