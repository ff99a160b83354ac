import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../csr.ts';
import { mulberry32 } from '../metrics/prng.ts';
import { userActivity } from './activity.ts';
import { BlendScorer } from './blend.ts';
import { catalogueFromFit, catalogueWithHistory } from './catalogue.ts';
import { FactorScorer } from './factors.ts';
import { ItemKnnScorer } from './item-knn.ts';
import { loadRecommender, recommenderFiles, SCORER_FILE } from './load.ts';
import { memoryBundle } from './memory-bundle.ts';
import { PopularityScorer } from './popularity.ts';
import { Recommender } from './recommender.ts';
import type { Scorer } from './scorer.ts';

const random = mulberry32(11);
const users = 20;
const items = 15;
const rowOf: number[] = [];
const colOf: number[] = [];
for (let u = 0; u < users; u++)
  for (let i = 0; i < items - 1; i++)
    if (random() < 0.3) {
      rowOf.push(u);
      colOf.push(i);
    }
const fit = csrFromCoo(users, items, Uint32Array.from(rowOf), Uint32Array.from(colOf));
const catalogue = catalogueFromFit(
  fit,
  Uint32Array.from({ length: items }, (_, i) => 100 - i),
);
const attributes = {
  genres: ['A', 'B'],
  itemGenres: Uint8Array.from({ length: items * 2 }, () => (random() < 0.5 ? 1 : 0)),
  years: Uint32Array.from({ length: items }, () => 1980 + Math.floor(random() * 30)),
};
const randomVector = (n: number) => Float32Array.from({ length: n }, () => random() - 0.5);
const popularity = new PopularityScorer(
  Float32Array.from({ length: items }, () => Math.floor(random() * 5)),
  { variant: 'trending', window: 0.15 },
);
const knn = new ItemKnnScorer(
  {
    indptr: Uint32Array.from({ length: items + 1 }, (_, i) => 2 * i),
    indices: Uint32Array.from({ length: 2 * items }, (_, e) => (Math.floor(e / 2) + 1 + (e % 2)) % items),
    similarities: randomVector(2 * items),
  },
  fit,
  { neighbours: 2 },
);
const factorModel = { factors: 3, userFactors: randomVector(users * 3), itemFactors: randomVector(items * 3) };
const foldIn = (liked: Uint32Array) => Float32Array.of(liked.length, 1, -1);
const factors = new FactorScorer(factorModel, { foldIn, foldInParams: { regularization: 0.05 } });
const blend = new BlendScorer(
  [
    { scorer: factors, weight: 1 },
    { scorer: popularity, weight: 4 },
  ],
  catalogue.inCatalogue,
);

const scorers: [string, Scorer][] = [
  ['popularity', popularity],
  ['itemknn', knn],
  ['factors', factors],
  ['blend', blend],
];

describe('bundle round trip', () => {
  it.each(scorers)('%s: the loaded recommender ranks exactly as the fitted one', (_kind, scorer) => {
    const fitted = new Recommender(scorer, catalogue, attributes);
    const loaded = loadRecommender(memoryBundle(recommenderFiles(fitted)), { makeFoldIn: () => foldIn });
    expect(loaded.scorer.kind).toBe(scorer.kind);
    const liked = Uint32Array.of(1, 4);
    const filter = { genres: ['A'], yearFrom: 1985 };
    for (let u = 0; u < users; u++) {
      if (!fitted.knowsUser(u)) continue;
      expect(loaded.recommend(u, 10)).toEqual(fitted.recommend(u, 10));
      expect(loaded.recommend(u, 10, { filter })).toEqual(fitted.recommend(u, 10, { filter }));
    }
    expect(loaded.recommendFromLiked(liked, 10)).toEqual(fitted.recommendFromLiked(liked, 10));
    expect(loaded.similar(liked, 10)).toEqual(fitted.similar(liked, 10));
  });

  it('names the unknown scorer kind', () => {
    const files = recommenderFiles(new Recommender(popularity, catalogue));
    files[SCORER_FILE] = { kind: 'svd++' };
    expect(() => loadRecommender(memoryBundle(files))).toThrow(/unknown scorer kind "svd\+\+"/);
  });
});

describe('BlendScorer', () => {
  it('adds weighted z-scores of its parts over the catalogue', () => {
    const mask = Uint8Array.of(1, 1, 1, 0);
    const a = new PopularityScorer(Float32Array.of(1, 2, 3, 50), { variant: 'all_time' });
    const b = new PopularityScorer(Float32Array.of(30, 10, 20, 0), { variant: 'all_time' });
    const out = new Float32Array(4);
    new BlendScorer(
      [
        { scorer: a, weight: 1 },
        { scorer: b, weight: 2 },
      ],
      mask,
    ).scoreUser(0, out);
    // Population sd over the catalogue: a → 0.8165 (mean 2), b → 8.165 (mean 20).
    const sd = Math.sqrt(2 / 3);
    expect(out[0]).toBeCloseTo(-1 / sd + (2 * 10) / (10 * sd), 5);
    expect(out[1]).toBeCloseTo(0 + (2 * -10) / (10 * sd), 5);
    expect(out[2]).toBeCloseTo(1 / sd + 0, 5);
  });

  it('ranks similar movies by the parts that compare items only, never by the trend part', () => {
    // A trend that puts item 13 far above everything: a blend of it would name 13 next to every seed.
    const hot = Float32Array.from({ length: items }, (_, i) => (i === 13 ? 1000 : i % 3));
    const trend = new PopularityScorer(hot, { variant: 'trending', window: 0.15 });
    const withTrend = new Recommender(
      new BlendScorer(
        [
          { scorer: knn, weight: 1 },
          { scorer: trend, weight: 5 },
        ],
        catalogue.inCatalogue,
      ),
      catalogue,
    );
    const alone = new Recommender(knn, catalogue);
    for (let seed = 0; seed < items - 1; seed++) {
      const seeds = Uint32Array.of(seed);
      expect(withTrend.similar(seeds, 5), `seed ${seed}`).toEqual(alone.similar(seeds, 5));
    }
    expect(withTrend.scorer.comparesItems).toBe(true);

    // Two parts that compare items are blended with their weights; the trend still stays out.
    const both = new BlendScorer(
      [
        { scorer: knn, weight: 1 },
        { scorer: factors, weight: 2 },
        { scorer: trend, weight: 5 },
      ],
      catalogue.inCatalogue,
    );
    const withoutTrend = new BlendScorer(
      [
        { scorer: knn, weight: 1 },
        { scorer: factors, weight: 2 },
      ],
      catalogue.inCatalogue,
    );
    const seeds = Uint32Array.of(2, 7);
    const [a, b] = [new Float32Array(items), new Float32Array(items)];
    both.scoreSimilar(seeds, a);
    withoutTrend.scoreSimilar(seeds, b);
    expect([...a]).toEqual([...b]);
  });

  it('answers similar with popularity only when no part compares items', () => {
    const popular = new BlendScorer([{ scorer: popularity, weight: 1 }], catalogue.inCatalogue);
    expect(popular.comparesItems).toBe(false);
    const [a, b] = [new Float32Array(items), new Float32Array(items)];
    popular.scoreSimilar(Uint32Array.of(1), a);
    popular.scoreUser(0, b);
    expect([...a]).toEqual([...b]);
  });
});

describe('withHistory: a fitted model that knows every interaction', () => {
  // The history: the fit data plus later interactions, and a user the fit never saw (row 20).
  const later = { user: [0, 3, 20, 20], item: [5, 9, 1, 4] };
  const rowOfAll: number[] = [...rowOf];
  const colOfAll: number[] = [...colOf];
  later.user.forEach((u, e) => {
    rowOfAll.push(u);
    colOfAll.push(later.item[e]);
  });
  const order = rowOfAll.map((_, e) => e).sort((a, b) => rowOfAll[a] - rowOfAll[b]);
  const history = csrFromCoo(
    users + 1,
    items,
    Uint32Array.from(order, (e) => rowOfAll[e]),
    Uint32Array.from(order, (e) => colOfAll[e]),
  );
  const catalogueAll = catalogueWithHistory(fit, history, catalogue.movieIds);

  it('keeps the fit catalogue as the candidates and knows the new user', () => {
    expect([...catalogueAll.inCatalogue]).toEqual([...catalogue.inCatalogue]);
    const recommender = new Recommender(knn.withHistory(history), catalogueAll);
    expect(recommender.knowsUser(20)).toBe(true);
    // Item-based: a known user is scored from their whole history, exactly as a fold-in from it.
    for (const user of [0, 3, 20]) {
      const liked = history.indices.subarray(history.indptr[user], history.indptr[user + 1]);
      expect(recommender.recommend(user, 5)).toEqual(new Recommender(knn, catalogue).recommendFromLiked(liked, 5));
    }
  });

  it('folds every user of a factor model in from their whole history', () => {
    const scorer = factors.withHistory(history);
    expect(scorer.users).toBe(users + 1);
    for (const user of [0, 3, 20]) {
      const liked = history.indices.subarray(history.indptr[user], history.indptr[user + 1]);
      expect([...scorer.model.userFactors.subarray(user * 3, user * 3 + 3)]).toEqual([...foldIn(liked)]);
    }
    expect(() => new FactorScorer(factorModel).withHistory(history)).toThrow(/no fold-in solver/);
  });

  it('round-trips the fit catalogue mask through a bundle, apart from the history', () => {
    const deployed = new Recommender(blend.withHistory(history), catalogueAll, attributes);
    const loaded = loadRecommender(memoryBundle(recommenderFiles(deployed)), { makeFoldIn: () => foldIn });
    expect([...loaded.catalogue.inCatalogue]).toEqual([...catalogue.inCatalogue]);
    expect(loaded.catalogue.seen.indices).toEqual(history.indices);
    expect(loaded.recommend(20, 10)).toEqual(deployed.recommend(20, 10));
  });

  it('recomputes user activity from the longer history and stores it in the bundle', () => {
    const DAY = 86_400;
    const timed = { ...history, times: Float64Array.from(history.indices, (_, e) => e * DAY) };
    const active = new BlendScorer(
      [
        { scorer: knn, weight: 1 },
        { scorer: popularity, weight: 2, byActivity: true },
      ],
      catalogue.inCatalogue,
      userActivity({ ...fit, times: Float64Array.from(fit.indices, (_, e) => e * DAY) }, 30),
    ).withHistory(timed);
    expect(active.activity?.perUser.length).toBe(users + 1);
    const deployed = new Recommender(active, catalogueAll, attributes);
    const loaded = loadRecommender(memoryBundle(recommenderFiles(deployed)), { makeFoldIn: () => foldIn });
    expect((loaded.scorer as BlendScorer).activity).toEqual(active.activity);
    for (let u = 0; u <= users; u++)
      if (deployed.knowsUser(u)) expect(loaded.recommend(u, 10)).toEqual(deployed.recommend(u, 10));
  });
});
