import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TIE_EPSILON, tieAwareRecall } from '@recsys/core/ann/recall';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { topK } from '@recsys/core/rank';
import { alsScorer } from '@recsys/core/recommender/als';
import { annFiles, openApproximateSearch } from '@recsys/core/recommender/approximate';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alsOnSynth } from '../testing/synthetic-als.ts';

const ITEMS = 50_000;
const QUERIES = 1000;
const FACTORS = 64;

/**
 * The usearch indexes `recsys train` exports for a factor model, against the exact scan serving would do
 * otherwise: 64 ALS factors trained on structured synthetic data, the first 50,000 movies (ANN's default
 * threshold), 1,000 random users for /recommend and 1,000 random movies for /similar. Recall counts items tied
 * with the exact 10th best as found (ALS gives some items identical vectors; which of them is 10th is arbitrary).
 */
describe('ANN vs exact on trained ALS factors, 50,000 movies', () => {
  const temp = tempDir('recsys-ann-parity-');
  afterAll(() => temp.cleanup());
  let scorer: ReturnType<typeof alsScorer>;
  let search: NonNullable<ReturnType<typeof openApproximateSearch>>;
  const movieIds = Uint32Array.from({ length: ITEMS }, (_, i) => i + 1);

  beforeAll(() => {
    const model = alsOnSynth({
      users: 25_000,
      movies: 68_000,
      interactions: 2_000_000,
      factors: FACTORS,
      iterations: 6,
      seed: 1,
    });
    expect(model.items).toBeGreaterThanOrEqual(ITEMS);
    scorer = alsScorer(
      { factors: FACTORS, userFactors: model.userFactors, itemFactors: model.itemFactors.slice(0, ITEMS * FACTORS) },
      { confidence: 6, regularization: 10 },
    );
    const files = annFiles(scorer, { threads: 2 });
    for (const [name, value] of Object.entries(files)) {
      if (Buffer.isBuffer(value)) writeFileSync(path.join(temp.dir, name), value);
    }
    const bundle = {
      has: (name: string) => name in files,
      json: (name: string) => files[name],
      path: (name: string) => path.join(temp.dir, name),
    };
    const opened = openApproximateSearch(bundle, scorer, movieIds, 'auto');
    if (!opened) throw new Error('a 50,000-movie factor bundle must be served from its indexes in auto mode');
    search = opened;
  }, 1_200_000); // Data, a 64-factor ALS fit and two index builds: about two minutes alone, far more on a busy machine.

  function recall(approximate: Uint32Array, score: (out: Float32Array) => void, exclude: Uint32Array): number {
    const scores = new Float32Array(ITEMS);
    score(scores);
    const exact = topK(scores.slice(), 10, { movieIds, exclude });
    return tieAwareRecall(
      approximate,
      { items: exact.items, similarities: exact.scores },
      (i) => scores[i],
      TIE_EPSILON,
    );
  }

  it('/recommend: recall@10 >= 0.99 over 1,000 random users (inner-product index)', () => {
    const random = mulberry32(3);
    const none = new Uint32Array(0);
    let total = 0;
    for (let q = 0; q < QUERIES; q++) {
      const user = Math.floor(random() * scorer.users);
      const found = search.recommend(user, 10, {}).items;
      total += recall(found, (out) => scorer.scoreUser(user, out), none);
    }
    expect(total / QUERIES).toBeGreaterThanOrEqual(0.99);
  });

  it('/similar: recall@10 >= 0.99 over 1,000 random movies (cosine index)', () => {
    const random = mulberry32(4);
    let total = 0;
    for (let q = 0; q < QUERIES; q++) {
      const seed = Uint32Array.of(Math.floor(random() * ITEMS));
      const found = search.similar(seed, 10, { exclude: seed }).items;
      total += recall(found, (out) => scorer.scoreSimilar(seed, out), seed);
    }
    expect(total / QUERIES).toBeGreaterThanOrEqual(0.99);
  });
});
