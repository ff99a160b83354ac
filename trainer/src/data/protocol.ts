import { type Csr, csrFromCoo } from '@recsys/core/csr';
import type { DatasetManifest, Events, ItemMeta, ItemPopularity, PreparedDataset } from './dataset.ts';
import { DataError } from './errors.ts';
import type { Catalogue } from './movies.ts';
import type { Ratings } from './ratings.ts';

/** What counts as a positive and which movies and users stay (PROTOCOL.md steps 1–2; RecModel `spec.dataset`). */
export interface Thresholds {
  positiveRating: number;
  minItemPositives: number;
  minUserPositives: number;
  /** Repeat the two filters until stable; the protocol makes one pass. */
  iterative: boolean;
}

/** The protocol's values: the reference numbers in PROTOCOL.md are measured with these. */
export const PROTOCOL_THRESHOLDS: Readonly<Thresholds> = {
  positiveRating: 4,
  minItemPositives: 10,
  minUserPositives: 5,
  iterative: false,
};
export const TRAIN_SHARE = 0.7;
export const FIT_SHARE = 0.85;
/** Trending = positives in the newest 15% of fit interactions (the same share as each held-out window). */
export const TRENDING_SHARE = 0.15;

/** The prepared dataset before it has a directory, and the manifest fields that describe it. */
export interface PreparedContent {
  data: Omit<PreparedDataset, 'dir' | 'manifest'>;
  summary: Pick<
    DatasetManifest,
    'users' | 'items' | 'interactions' | 'cutoffs' | 'test_users' | 'thresholds' | 'genres'
  >;
}

/**
 * PROTOCOL.md steps 1–3 on ratings in file order: positives (rating >= 4), then in ONE pass drop movies with
 * < 10 positives and then users with < 5 of what remains (`iterative` repeats until stable), then a stable sort
 * by time and the global 70/15/15 split by position. Dense indices follow ascending MovieLens ids. Other
 * thresholds (a RecModel's `spec.dataset`) replace the protocol's; the manifest records the ones used.
 */
export function applyProtocol(
  ratings: Ratings,
  catalogue: Catalogue,
  given: Partial<Thresholds> = {},
): PreparedContent {
  const thresholds = { ...PROTOCOL_THRESHOLDS, ...given };
  const users = smallIds(ratings.user);
  const movies = smallIds(ratings.movie);
  const keep = new Uint8Array(ratings.length);
  for (let e = 0; e < ratings.length; e++) keep[e] = ratings.rating[e] >= thresholds.positiveRating ? 1 : 0;
  applyThresholds(users.codes, movies.codes, keep, thresholds);

  const kept = new Uint32Array(countOnes(keep));
  for (let e = 0, k = 0; e < ratings.length; e++) if (keep[e]) kept[k++] = e;
  if (kept.length === 0) {
    throw new DataError(
      `no interactions left after filtering (rating >= ${thresholds.positiveRating}, movies >= ${thresholds.minItemPositives} and users >= ${thresholds.minUserPositives} positives); expected a larger dataset or lower thresholds`,
    );
  }
  // Ties keep file order: the comparator falls back to the row position.
  kept.sort((a, b) => ratings.time[a] - ratings.time[b] || a - b);

  const userCodes = sortedUnique(users.codes, kept);
  const movieCodes = sortedUnique(movies.codes, kept);
  const userIds = users.decode(userCodes);
  const movieIds = movies.decode(movieCodes);
  const userIndex = denseIndex(userCodes);
  const itemIndex = denseIndex(movieCodes);
  const n = kept.length;
  const events: Events = {
    user: new Uint32Array(n),
    item: new Uint32Array(n),
    time: new Float64Array(n),
    rating: new Float32Array(n),
  };
  for (let k = 0; k < n; k++) {
    const e = kept[k];
    events.user[k] = userIndex[users.codes[e]];
    events.item[k] = itemIndex[movies.codes[e]];
    events.time[k] = ratings.time[e];
    events.rating[k] = ratings.rating[e];
  }

  const trainEnd = Math.floor(TRAIN_SHARE * n);
  const fitEnd = Math.floor(FIT_SHARE * n);
  const split = (from: number, to: number): Csr =>
    csrFromCoo(userIds.length, movieIds.length, events.user.subarray(from, to), events.item.subarray(from, to), {
      values: events.rating.subarray(from, to),
      times: events.time.subarray(from, to),
    });
  const train = split(0, trainEnd);
  const validation = split(trainEnd, fitEnd);
  const test = split(fitEnd, n);
  const fit = split(0, fitEnd);

  const items: ItemMeta[] = Array.from(movieIds, (id) => catalogue.movies.get(id)!);
  const itemGenres = genreOneHot(items, catalogue.genres);
  return {
    data: {
      userIds,
      movieIds,
      items,
      itemGenres,
      events,
      train,
      validation,
      test,
      fit,
      popularity: popularityOver(events, fitEnd, movieIds.length),
    },
    summary: {
      users: userIds.length,
      items: movieIds.length,
      interactions: { train: trainEnd, validation: fitEnd - trainEnd, test: n - fitEnd },
      cutoffs: {
        validation: isoTime(events.time[Math.min(trainEnd, n - 1)]),
        test: isoTime(events.time[Math.min(fitEnd, n - 1)]),
      },
      test_users: testUsers(test, fit),
      thresholds: {
        min_item_positives: thresholds.minItemPositives,
        min_user_positives: thresholds.minUserPositives,
        positive_rating: thresholds.positiveRating,
        iterative: thresholds.iterative,
      },
      genres: catalogue.genres,
    },
  };
}

function applyThresholds(user: Uint32Array, movie: Uint32Array, keep: Uint8Array, thresholds: Thresholds): void {
  const { minItemPositives, minUserPositives, iterative } = thresholds;
  const movieCount = new Uint32Array(maxOf(movie) + 1);
  const userCount = new Uint32Array(maxOf(user) + 1);
  for (;;) {
    let dropped = 0;
    movieCount.fill(0);
    for (let e = 0; e < keep.length; e++) if (keep[e]) movieCount[movie[e]]++;
    for (let e = 0; e < keep.length; e++) {
      if (keep[e] && movieCount[movie[e]] < minItemPositives) {
        keep[e] = 0;
        dropped++;
      }
    }
    userCount.fill(0);
    for (let e = 0; e < keep.length; e++) if (keep[e]) userCount[user[e]]++;
    for (let e = 0; e < keep.length; e++) {
      if (keep[e] && userCount[user[e]] < minUserPositives) {
        keep[e] = 0;
        dropped++;
      }
    }
    if (!iterative || dropped === 0) return;
  }
}

/** Per-item statistics over fit events [0, fitEnd). */
function popularityOver(events: Events, fitEnd: number, items: number): ItemPopularity {
  const count = new Uint32Array(items);
  const ratingSum = new Float64Array(items);
  const newest = new Float64Array(items);
  const trending = new Uint32Array(items);
  const trendingStart = fitEnd - Math.floor(TRENDING_SHARE * fitEnd);
  for (let e = 0; e < fitEnd; e++) {
    const i = events.item[e];
    count[i]++;
    ratingSum[i] += events.rating[e];
    if (events.time[e] > newest[i]) newest[i] = events.time[e];
    if (e >= trendingStart) trending[i]++;
  }
  const meanRating = new Float32Array(items);
  for (let i = 0; i < items; i++) meanRating[i] = count[i] ? ratingSum[i] / count[i] : 0;
  return { count, meanRating, newest, trending };
}

/** Warm: a test positive and a fit positive; cold: test positives but no fit history (PROTOCOL.md step 5). */
function testUsers(test: Csr, fit: Csr): { warm: number; cold: number } {
  let warm = 0;
  let cold = 0;
  for (let u = 0; u < test.rows; u++) {
    if (test.indptr[u + 1] === test.indptr[u]) continue;
    if (fit.indptr[u + 1] > fit.indptr[u]) warm++;
    else cold++;
  }
  return { warm, cold };
}

function genreOneHot(items: ItemMeta[], genres: string[]): Uint8Array {
  const column = new Map(genres.map((g, c) => [g, c]));
  const oneHot = new Uint8Array(items.length * genres.length);
  items.forEach((item, i) => {
    for (const g of item.genres) oneHot[i * genres.length + column.get(g)!] = 1;
  });
  return oneHot;
}

/** Above this, ids are replaced by their rank before id-indexed tables are made (4 bytes per possible id). */
const SMALL_ID_LIMIT = 1 << 24;

/**
 * Ids small enough to index tables by: MovieLens's as they are; otherwise (a posted user id may be any positive
 * int32) their rank among the distinct ids, which keeps their order. `decode` turns codes back into ids.
 */
function smallIds(ids: Uint32Array): { codes: Uint32Array; decode: (codes: Uint32Array) => Uint32Array } {
  if (maxOf(ids) < SMALL_ID_LIMIT) return { codes: ids, decode: (codes) => codes };
  const distinct = Uint32Array.from(new Set(ids)).sort();
  const rank = new Map<number, number>();
  distinct.forEach((id, r) => {
    rank.set(id, r);
  });
  const codes = Uint32Array.from(ids, (id) => rank.get(id) ?? 0);
  return { codes, decode: (ranks) => Uint32Array.from(ranks, (r) => distinct[r]) };
}

function sortedUnique(ids: Uint32Array, rows: Uint32Array): Uint32Array {
  const seen = new Uint8Array(maxOf(ids) + 1);
  let count = 0;
  for (let k = 0; k < rows.length; k++) {
    const id = ids[rows[k]];
    if (!seen[id]) {
      seen[id] = 1;
      count++;
    }
  }
  const unique = new Uint32Array(count);
  for (let id = 0, u = 0; id < seen.length; id++) if (seen[id]) unique[u++] = id;
  return unique;
}

/** id → dense index through an id-indexed table (ids made small by smallIds). */
function denseIndex(sortedIds: Uint32Array): Uint32Array {
  const index = new Uint32Array(sortedIds.length ? sortedIds[sortedIds.length - 1] + 1 : 0);
  sortedIds.forEach((id, i) => {
    index[id] = i;
  });
  return index;
}

function countOnes(flags: Uint8Array): number {
  let count = 0;
  for (let e = 0; e < flags.length; e++) count += flags[e];
  return count;
}

function maxOf(values: Uint32Array): number {
  let max = 0;
  for (let e = 0; e < values.length; e++) if (values[e] > max) max = values[e];
  return max;
}

export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}
