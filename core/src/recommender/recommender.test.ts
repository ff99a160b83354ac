import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../csr.ts';
import { catalogueFromFit } from './catalogue.ts';
import { FactorScorer } from './factors.ts';
import { ItemKnnScorer } from './item-knn.ts';
import { PopularityScorer } from './popularity.ts';
import { Recommender } from './recommender.ts';

// 3 users × 6 items; item 5 has no fit interaction, so it is outside the fit catalogue.
const fit = csrFromCoo(3, 6, Uint32Array.of(0, 0, 1, 1, 1, 2), Uint32Array.of(0, 1, 1, 2, 3, 4));
const movieIds = Uint32Array.of(60, 50, 40, 30, 20, 10);
const catalogue = catalogueFromFit(fit, movieIds);
const attributes = {
  genres: ['Comedy', 'Drama'],
  itemGenres: Uint8Array.of(1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1),
  years: Uint32Array.of(1990, 1995, 0, 2000, 1980, 1999),
};
const popularity = new PopularityScorer(Float32Array.of(6, 5, 4, 3, 2, 100), { variant: 'all_time' });

describe('Recommender', () => {
  it('excludes seen items and items outside the fit catalogue', () => {
    const recommender = new Recommender(popularity, catalogue);
    expect([...recommender.recommend(0, 10).items]).toEqual([2, 3, 4]);
    expect([...recommender.recommend(0, 10, { excludeSeen: false }).items]).toEqual([0, 1, 2, 3, 4]);
  });

  it('applies genre and year filters on top of the candidates', () => {
    const recommender = new Recommender(popularity, catalogue, attributes);
    expect([...recommender.recommend(2, 10, { filter: { genres: ['Comedy'] } }).items]).toEqual([0, 2]);
    expect([...recommender.recommend(2, 10, { filter: { yearFrom: 1990, yearTo: 1999 } }).items]).toEqual([0, 1]);
    expect([...recommender.recommend(2, 10, { filter: { genres: ['Drama'], yearFrom: 1991 } }).items]).toEqual([1, 3]);
    expect(() => recommender.recommend(2, 10, { filter: { genres: ['Western'] } })).toThrow(/unknown genre "Western"/);
  });

  it('breaks ties by ascending movie id', () => {
    const flat = new PopularityScorer(new Float32Array(6).fill(1), { variant: 'all_time' });
    expect([...new Recommender(flat, catalogue).recommend(2, 3).items]).toEqual([3, 2, 1]);
  });

  it('knows only users with fit history and refuses the rest', () => {
    const empty = csrFromCoo(2, 6, Uint32Array.of(0), Uint32Array.of(0));
    const recommender = new Recommender(popularity, catalogueFromFit(empty, movieIds));
    expect(recommender.knowsUser(0)).toBe(true);
    expect(recommender.knowsUser(1)).toBe(false);
    expect(() => recommender.recommend(1, 5)).toThrow(/no fit history/);
  });

  it('scores item-item as the sum of similarities and excludes the liked items', () => {
    // Neighbours: 0 ↔ 2 (0.5), 1 ↔ 2 (0.25), 1 ↔ 3 (0.9).
    const neighbours = {
      indptr: Uint32Array.of(0, 1, 3, 5, 6, 6, 6),
      indices: Uint32Array.of(2, 2, 3, 0, 1, 1),
      similarities: Float32Array.of(0.5, 0.25, 0.9, 0.5, 0.25, 0.9),
    };
    const recommender = new Recommender(new ItemKnnScorer(neighbours, fit, { neighbours: null }), catalogue);
    const ranked = recommender.recommendFromLiked(Uint32Array.of(0, 1), 3);
    expect([...ranked.items]).toEqual([3, 2, 4]);
    expect([...ranked.scores]).toEqual([Math.fround(0.9), 0.75, 0]);
    expect([...recommender.similar(Uint32Array.of(2), 2).items]).toEqual([0, 1]);
    expect([...recommender.recommend(0, 2).items]).toEqual([3, 2]);
  });

  it('scores factors by dot product, folds in through the injected solver, and ranks similar by cosine', () => {
    const model = {
      factors: 2,
      userFactors: Float32Array.of(1, 0, 0, 1, 1, 1),
      itemFactors: Float32Array.of(1, 0, 0, 2, 3, 0, 1, 1, 0, 0.5, 9, 9),
    };
    const foldIn = (liked: Uint32Array) => (liked[0] === 1 ? Float32Array.of(0, 1) : Float32Array.of(1, 0));
    const recommender = new Recommender(new FactorScorer(model, { foldIn }), catalogue);
    expect([...recommender.recommend(0, 3).items]).toEqual([2, 3, 4]);
    expect([...recommender.recommendFromLiked(Uint32Array.of(1), 2).items]).toEqual([3, 4]);
    // Cosine to item 0 = (1, 0): item 2 = 1, item 3 ≈ 0.707, items 1 and 4 = 0.
    expect([...recommender.similar(Uint32Array.of(0), 3).items]).toEqual([2, 3, 4]);
    const noFoldIn = new Recommender(new FactorScorer(model), catalogue);
    expect(() => noFoldIn.recommendFromLiked(Uint32Array.of(1), 2)).toThrow(/no fold-in solver/);
  });

  it('refuses a scorer and catalogue of different sizes', () => {
    const small = new PopularityScorer(new Float32Array(3), { variant: 'all_time' });
    expect(() => new Recommender(small, catalogue)).toThrow(/covers 3 items but the catalogue has 6/);
  });
});
