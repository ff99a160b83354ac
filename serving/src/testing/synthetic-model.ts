import { csrFromCoo } from '@recsys/core/csr';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import type { ItemAttributes } from '@recsys/core/recommender/filters';
import { ItemKnnScorer } from '@recsys/core/recommender/item-knn';
import { PopularityScorer } from '@recsys/core/recommender/popularity';
import { Recommender } from '@recsys/core/recommender/recommender';
import type { MovieInfo } from '../model/handle.ts';
import { RecommenderModel } from '../model/recommender-model.ts';

export const SYNTHETIC_GENRES = ['Action', 'Comedy', 'Drama'];

export interface SyntheticModel {
  model: RecommenderModel;
  userIds: Uint32Array;
  movieIds: Uint32Array;
  /** The movie with no fit interactions: in the metadata, not rankable. */
  unrankedMovieId: number;
}

/**
 * A small item-kNN model on structured synthetic data, built with core's real scorers and facade: users 101..,
 * movies 10, 20, … (ids differ from indices on purpose), genre i % 3, year 1980 + i, every fourth title in
 * MovieLens' article-last form ("Movie 2, The (1982)"); the last movie has no interactions. For unit tests of serving; behaviour tests use bundles written by core's writer.
 */
export function syntheticModel(options: { users?: number; items?: number; version?: string } = {}): SyntheticModel {
  const users = options.users ?? 40;
  const items = options.items ?? 30;
  const rowOf: number[] = [];
  const colOf: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items - 1; i++) {
      if ((u * 7 + i * 3) % 5 === 0 || (i % 3 === u % 3 && (u + i) % 4 === 0)) {
        rowOf.push(u);
        colOf.push(i);
      }
    }
  }
  const fit = csrFromCoo(users, items, Uint32Array.from(rowOf), Uint32Array.from(colOf));
  const movieIds = Uint32Array.from({ length: items }, (_, i) => 10 * (i + 1));
  const userIds = Uint32Array.from({ length: users }, (_, u) => 101 + u);

  const counts = new Float32Array(items);
  for (const i of colOf) counts[i]++;
  const trendingCounts = new Float32Array(items);
  rowOf.forEach((u, e) => {
    if (u >= users / 2) trendingCounts[colOf[e]]++;
  });

  const attributes: ItemAttributes = {
    genres: SYNTHETIC_GENRES,
    itemGenres: Uint8Array.from({ length: items * 3 }, (_, x) => (Math.floor(x / 3) % 3 === x % 3 ? 1 : 0)),
    years: Uint16Array.from({ length: items }, (_, i) => 1980 + i),
  };
  const catalogue = catalogueFromFit(fit, movieIds);
  const scorer = new ItemKnnScorer(cosineNeighbours(rowOf, colOf, users, items), fit, { neighbours: null });
  const metadata: MovieInfo[] = Array.from({ length: items }, (_, i) => ({
    movie_id: movieIds[i],
    title: i % 4 === 2 ? `Movie ${i}, The (${1980 + i})` : `Movie ${i} (${1980 + i})`,
    year: 1980 + i,
    genres: [SYNTHETIC_GENRES[i % 3]],
  }));
  const model = new RecommenderModel({
    info: {
      name: 'synthetic',
      version: options.version ?? 'v-synthetic',
      type: 'itemknn',
      created_at: '2026-01-01T00:00:00.000Z',
      loaded_at: new Date().toISOString(),
      // MovieLens 100K's first interaction (1997-09-20): posted events may not be older.
      data_start: 874_724_710,
    },
    recommender: new Recommender(scorer, catalogue, attributes),
    coldStart: new Recommender(new PopularityScorer(counts, { variant: 'all_time' }), catalogue, attributes),
    popular: new Recommender(new PopularityScorer(counts, { variant: 'all_time' }), catalogue, attributes),
    trending: new Recommender(
      new PopularityScorer(trendingCounts, { variant: 'trending', window: 0.5 }),
      catalogue,
      attributes,
    ),
    userIds,
    items: metadata,
  });
  return { model, userIds, movieIds, unrankedMovieId: movieIds[items - 1] };
}

/** Dense item-item cosine over binary columns, kept as a CSR of the non-zero pairs. */
function cosineNeighbours(rowOf: number[], colOf: number[], users: number, items: number) {
  const m = new Float32Array(users * items);
  rowOf.forEach((u, e) => {
    m[u * items + colOf[e]] = 1;
  });
  const norms = new Float32Array(items);
  for (let i = 0; i < items; i++) for (let u = 0; u < users; u++) norms[i] += m[u * items + i];
  const indptr = new Uint32Array(items + 1);
  const indices: number[] = [];
  const similarities: number[] = [];
  for (let i = 0; i < items; i++) {
    for (let j = 0; j < items; j++) {
      if (i === j || norms[i] === 0 || norms[j] === 0) continue;
      let dot = 0;
      for (let u = 0; u < users; u++) dot += m[u * items + i] * m[u * items + j];
      if (dot === 0) continue;
      indices.push(j);
      similarities.push(dot / Math.sqrt(norms[i] * norms[j]));
    }
    indptr[i + 1] = indices.length;
  }
  return { indptr, indices: Uint32Array.from(indices), similarities: Float32Array.from(similarities) };
}
