import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../csr.ts';
import { mulberry32 } from '../metrics/prng.ts';
import { alsScorer } from './als.ts';
import { catalogueFromFit } from './catalogue.ts';
import { foldInUser } from './fold-in.ts';
import { loadRecommender, recommenderFiles } from './load.ts';
import { memoryBundle } from './memory-bundle.ts';
import { Recommender } from './recommender.ts';

describe('ALS scorer', () => {
  const random = mulberry32(21);
  const items = 30;
  const model = {
    factors: 4,
    userFactors: Float32Array.from({ length: 5 * 4 }, () => random() - 0.5),
    itemFactors: Float32Array.from({ length: items * 4 }, () => random() - 0.5),
  };
  // Every item has one fit interaction, so the whole catalogue is a candidate.
  const fit = csrFromCoo(
    5,
    items,
    Uint32Array.from({ length: items }, (_, i) => i % 5),
    Uint32Array.from({ length: items }, (_, i) => i),
  );
  const catalogue = catalogueFromFit(
    fit,
    Uint32Array.from({ length: items }, (_, i) => i + 1),
  );
  const liked = Uint32Array.of(3, 7, 11);

  it('folds in a new user with the exact least-squares solve, also after a bundle round trip', () => {
    const fitted = new Recommender(alsScorer(model, { confidence: 2, regularization: 0.1 }), catalogue);
    const user = foldInUser(model.itemFactors, 4, liked, 2, 0.1);
    const expected = Float32Array.from({ length: items }, (_, i) => {
      let dot = 0;
      for (let f = 0; f < 4; f++) dot += model.itemFactors[i * 4 + f] * user[f];
      return dot;
    });
    const best = Array.from(expected.keys())
      .filter((i) => !liked.includes(i))
      .sort((a, b) => expected[b] - expected[a] || a - b)
      .slice(0, 5);
    expect([...fitted.recommendFromLiked(liked, 5).items]).toEqual(best);
    const loaded = loadRecommender(memoryBundle(recommenderFiles(fitted)));
    expect(loaded.recommendFromLiked(liked, 5)).toEqual(fitted.recommendFromLiked(liked, 5));
  });
});
