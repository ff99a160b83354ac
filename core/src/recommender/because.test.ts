import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../csr.ts';
import { becauseYouLiked } from './because.ts';
import { BlendScorer } from './blend.ts';
import { FactorScorer } from './factors.ts';
import { ItemKnnScorer } from './item-knn.ts';
import { PopularityScorer } from './popularity.ts';

// Five items; row i holds i's neighbours. Items 0 and 1 are the liked ones.
//   2 is close to 0 (0.9) and far from 1 (0.2); 3 is close to 1 (0.5), barely to 0 (0.1); 4 has no liked neighbour.
const neighbours = {
  indptr: Uint32Array.of(0, 2, 4, 6, 8, 9),
  indices: Uint32Array.of(2, 3, 2, 3, 0, 1, 0, 1, 2),
  similarities: Float32Array.of(0.9, 0.1, 0.2, 0.5, 0.9, 0.2, 0.1, 0.5, 0.3),
};
const history = csrFromCoo(1, 5, Uint32Array.of(0, 0), Uint32Array.of(0, 1));
const itemKnn = new ItemKnnScorer(neighbours, history, { neighbours: null });
const liked = Uint32Array.of(0, 1);

describe('because you liked', () => {
  it('names the liked item most similar to each recommended one, by hand-checked item-kNN similarities', () => {
    expect([...becauseYouLiked(itemKnn, liked, Uint32Array.of(2, 3, 4))]).toEqual([0, 1, -1]);
    // The order of the liked list is only the order of the answer's positions.
    expect([...becauseYouLiked(itemKnn, Uint32Array.of(1, 0), Uint32Array.of(2, 3))]).toEqual([1, 0]);
  });

  it('uses the cosine of factor vectors, and names nothing for a dissimilar item', () => {
    const factors = new FactorScorer({
      factors: 2,
      userFactors: Float32Array.of(1, 1),
      itemFactors: Float32Array.of(1, 0, 0, 1, 0.9, 0.1, 0.2, 0.8, -1, -1),
    });
    expect([...becauseYouLiked(factors, liked, Uint32Array.of(2, 3, 4))]).toEqual([0, 1, -1]);
  });

  it('never explains an item by itself, and explains nothing without likes', () => {
    const factors = new FactorScorer({
      factors: 1,
      userFactors: Float32Array.of(1),
      itemFactors: Float32Array.of(1, 1),
    });
    expect([...becauseYouLiked(factors, Uint32Array.of(0, 1), Uint32Array.of(0))]).toEqual([1]);
    expect([...becauseYouLiked(itemKnn, new Uint32Array(0), Uint32Array.of(2))]).toEqual([-1]);
  });

  it('keeps the answer of a blend’s item-to-item part, and has none from popularity alone', () => {
    const blend = new BlendScorer([{ scorer: itemKnn, weight: 2 }], new Uint8Array(5).fill(1));
    expect([...becauseYouLiked(blend, liked, Uint32Array.of(2, 3))]).toEqual([0, 1]);
    const popularity = new PopularityScorer(Float32Array.of(5, 4, 3, 2, 1), { variant: 'all_time' });
    expect([...becauseYouLiked(popularity, liked, Uint32Array.of(2, 3))]).toEqual([-1, -1]);
  });
});
