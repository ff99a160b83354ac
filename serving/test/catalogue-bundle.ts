import { csrFromCoo } from '@recsys/core/csr';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { alsScorer } from '@recsys/core/recommender/als';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { Recommender } from '@recsys/core/recommender/recommender';
import { ML100K_GENRES } from '@recsys/trainer/data/movies';
import type { MovieInfo } from '../src/model/handle.ts';
import { writeServingBundle } from '../src/testing/write-bundle.ts';

// MovieLens' genres, without u.item's "unknown" flag.
const GENRES = ML100K_GENRES.slice(1);

export interface CatalogueShape {
  users: number;
  items: number;
  /** Mean positives per user. */
  perUser: number;
  factors: number;
}

/** ML-1M's shape (6,040 users, 3,706 movies, ~95 positives per user) and a 50,000-movie catalogue. */
export const SHAPES: Record<string, CatalogueShape> = {
  'ml-1m': { users: 6040, items: 3706, perUser: 95, factors: 64 },
  'items-50k': { users: 20_000, items: 50_000, perUser: 100, factors: 64 },
};

/**
 * A factor-model bundle of a given shape (random factors, Zipf-like popularity, real fold-in parameters) written
 * with core's writer: for load tests and benchmarks, where the shape matters and the quality does not.
 */
export async function writeCatalogueBundle(store: string, modelName: string, shape: CatalogueShape, seed = 1) {
  const random = mulberry32(seed);
  const { users, items, perUser, factors } = shape;
  const rowOf: number[] = [];
  const colOf: number[] = [];
  const taken = new Uint8Array(items);
  for (let u = 0; u < users; u++) {
    const n = Math.max(1, Math.round(perUser * (0.2 + 1.6 * random())));
    const picked: number[] = [];
    for (let t = 0; t < n * 3 && picked.length < n; t++) {
      // Zipf-like: low indices are the popular movies.
      const i = Math.min(items - 1, Math.floor(items * random() ** 2.5));
      if (taken[i]) continue;
      taken[i] = 1;
      picked.push(i);
    }
    for (const i of picked) {
      taken[i] = 0;
      rowOf.push(u);
      colOf.push(i);
    }
  }
  const fit = csrFromCoo(users, items, Uint32Array.from(rowOf), Uint32Array.from(colOf));
  const movieIds = Uint32Array.from({ length: items }, (_, i) => i + 1);
  const catalogue = catalogueFromFit(fit, movieIds);
  const scale = 1 / Math.sqrt(factors);
  const model = {
    factors,
    userFactors: Float32Array.from({ length: users * factors }, () => (random() - 0.5) * scale),
    itemFactors: Float32Array.from({ length: items * factors }, () => (random() - 0.5) * scale),
  };
  const itemGenres = new Uint8Array(items * GENRES.length);
  const years = new Uint16Array(items);
  const meta: MovieInfo[] = [];
  for (let i = 0; i < items; i++) {
    const genres = [GENRES[Math.floor(random() * GENRES.length)], GENRES[Math.floor(random() * GENRES.length)]];
    const unique = [...new Set(genres)];
    for (const g of unique) itemGenres[i * GENRES.length + GENRES.indexOf(g)] = 1;
    years[i] = 1920 + Math.floor(random() * 80);
    meta.push({ movie_id: movieIds[i], title: `Movie ${i + 1} (${years[i]})`, year: years[i], genres: unique });
  }
  const recommender = new Recommender(alsScorer(model, { confidence: 2, regularization: 0.05 }), catalogue, {
    genres: GENRES,
    itemGenres,
    years,
  });
  const counts = new Uint32Array(items);
  for (const i of colOf) counts[i]++;
  const written = await writeServingBundle({
    store,
    modelName,
    recommender,
    tables: { userIds: Uint32Array.from({ length: users }, (_, u) => u + 1), items: meta, popularity: counts },
  });
  return {
    ...written,
    users,
    items,
    rankable: [...catalogue.inCatalogue.keys()].filter((i) => catalogue.inCatalogue[i]),
  };
}

/**
 * The i-th request body of a load test against a catalogue bundle: users and seed movies spread over the whole
 * bundle by multiplying with large primes, so consecutive requests do not hit the same rows.
 */
export function loadBodies(bundle: { users: number; rankable: number[] }) {
  return {
    recommend: (i: number) => ({ user_id: 1 + ((i * 7919) % bundle.users), k: 10 }),
    similar: (i: number) => ({ movie_ids: [1 + bundle.rankable[(i * 104_729) % bundle.rankable.length]], k: 10 }),
  };
}
