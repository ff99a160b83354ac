import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../csr.ts';
import { becauseYouLiked } from './because.ts';
import { BlendScorer } from './blend.ts';
import { FactorScorer } from './factors.ts';
import { ItemKnnScorer } from './item-knn.ts';
import { PopularityScorer } from './popularity.ts';
import type { Scorer } from './scorer.ts';

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

  it('gives the same answers through the pairwise shortcut as through full similarity scans', () => {
    const items = 40;
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const factors = new FactorScorer({
      factors: 6,
      userFactors: new Float32Array(6),
      itemFactors: Float32Array.from({ length: items * 6 }, () => random() - 0.5),
    });
    const rows = Array.from({ length: items }, (_, i) =>
      [...new Set([(i + 1) % items, (i * 7) % items, (i * 13 + 5) % items])].filter((j) => j !== i),
    );
    const sparse = new ItemKnnScorer(
      {
        indptr: Uint32Array.from([0, ...rows.map((_, i) => rows.slice(0, i + 1).flat().length)]),
        indices: Uint32Array.from(rows.flat()),
        similarities: Float32Array.from(rows.flat(), () => random()),
      },
      csrFromCoo(1, items, Uint32Array.of(0), Uint32Array.of(0)),
      { neighbours: 3 },
    );
    const blend = new BlendScorer(
      [
        { scorer: factors, weight: 1 },
        {
          scorer: new PopularityScorer(Float32Array.from({ length: items }, random), { variant: 'trending' }),
          weight: 2,
        },
      ],
      new Uint8Array(items).fill(1),
    );
    const liked = Uint32Array.of(3, 9, 17, 25, 31);
    const recommended = Uint32Array.of(0, 1, 2, 8, 20, 33, 39);
    for (const scorer of [factors, sparse, blend]) {
      expect(scorer.similarityTo, scorer.kind).toBeDefined();
      const scanned = new Float32Array(items);
      const paired = new Float32Array(liked.length);
      for (const item of recommended) {
        scorer.scoreSimilar(Uint32Array.of(item), scanned);
        scorer.similarityTo!(item, liked, paired);
        for (let l = 0; l < liked.length; l++) expect(paired[l]).toBeCloseTo(scanned[liked[l]], 5);
      }
      const scansOnly: Scorer = {
        kind: scorer.kind,
        items: scorer.items,
        comparesItems: scorer.comparesItems,
        scoreUser: (user, out) => scorer.scoreUser(user, out),
        scoreFromLiked: (liked, out) => scorer.scoreFromLiked(liked, out),
        scoreSimilar: (seeds, out) => scorer.scoreSimilar(seeds, out),
        withHistory: (history) => scorer.withHistory(history),
        bundleFiles: () => scorer.bundleFiles(),
      };
      const answer = [...becauseYouLiked(scorer, liked, recommended)];
      expect(answer).toEqual([...becauseYouLiked(scansOnly, liked, recommended)]);
      expect(answer.some((at) => at >= 0)).toBe(true);
    }
  });
});
