import { clusteredEmbeddings } from '@recsys/core/ann/synthetic';
import { csrFromCoo } from '@recsys/core/csr';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { alsScorer } from '@recsys/core/recommender/als';
import { ANN_MIN_ITEMS, annFiles } from '@recsys/core/recommender/approximate';
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

/** ML-1M's shape (6,040 users, 3,706 movies, ~95 positives per user), a 50,000- and a 200,000-movie catalogue. */
export const SHAPES: Record<string, CatalogueShape> = {
  'ml-1m': { users: 6040, items: 3706, perUser: 95, factors: 64 },
  'items-50k': { users: 20_000, items: 50_000, perUser: 100, factors: 64 },
  'items-200k': { users: 20_000, items: 200_000, perUser: 100, factors: 64 },
};

/**
 * A factor-model bundle of a given shape (Zipf-like popularity, real fold-in parameters) written with core's writer:
 * for load tests and benchmarks, where the shape matters and the quality does not. Item factors are clustered in a
 * low-rank space with varied lengths and users lean towards an item, as trained factors do (uniform random vectors
 * have no neighbourhoods for an ANN index to find). From `annMinItems` movies on (ANN_MIN_ITEMS by default) it
 * carries the usearch indexes, built with `threads` insertion threads, and says to use them from that size on.
 */
export async function writeCatalogueBundle(
  store: string,
  modelName: string,
  shape: CatalogueShape,
  options: { seed?: number; threads?: number; annMinItems?: number } = {},
) {
  const { seed = 1, threads = 1, annMinItems = ANN_MIN_ITEMS } = options;
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
  const itemFactors = clusteredEmbeddings({
    items,
    dims: factors,
    clusters: Math.max(4, Math.round(items / 250)),
    noise: 0.35,
    seed,
    rank: Math.min(factors, 16),
  });
  for (let i = 0; i < items; i++) {
    const length = (0.3 + 1.4 * random()) * scale;
    for (let f = 0; f < factors; f++) itemFactors[i * factors + f] *= length;
  }
  const userFactors = new Float32Array(users * factors);
  for (let u = 0; u < users; u++) {
    const like = Math.floor(random() * items);
    for (let f = 0; f < factors; f++) {
      userFactors[u * factors + f] = itemFactors[like * factors + f] + (random() - 0.5) * scale;
    }
  }
  const model = { factors, userFactors, itemFactors };
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
    extraFiles: items >= annMinItems ? annFiles(recommender.scorer, { threads, minItems: annMinItems }) : {},
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
