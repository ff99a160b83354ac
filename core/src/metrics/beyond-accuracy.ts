import { mulberry32 } from './prng.ts';

/** How long the lists are that beyond-accuracy metrics look at (PROTOCOL.md step 10: each user's top-10). */
export const LIST_DEPTH = 10;
/** Pairwise Jaccard is taken over every listed user up to this many, else over a seeded sample of this size. */
export const JACCARD_SAMPLE = 1000;
const JACCARD_SEED = 20_240_610;

/** Beyond-accuracy metric names, as `--json`, manifests and trackers carry them. */
export const BEYOND_METRICS = [
  'jaccard@10',
  'personalisation@10',
  'same_first_share',
  'distinct@10',
  'novelty@10',
  'genre_diversity@10',
] as const;
export type BeyondMetric = (typeof BEYOND_METRICS)[number];

export interface BeyondAccuracyInput {
  /** One ranked list per user with fit history (item indices, best first); only the first 10 count. */
  lists: readonly Uint32Array[];
  /** Per item: how many users with fit history liked it (novelty's popularity). */
  likedBy: ArrayLike<number>;
  /** Users with fit history: novelty's denominator. */
  users: number;
  /** items × genres one-hot, row-major; omit when there are no genres (genre diversity is then NaN). */
  itemGenres?: Uint8Array;
  genres?: number;
}

/**
 * PROTOCOL.md step 10 over each user's top-10: mean pairwise Jaccard of two users' sets (and personalisation =
 * 1 − it), the largest share of users with the same #1, distinct movies over all lists (aggregate diversity),
 * novelty = mean −log2(share of fit users who liked the item) over every listed item, and intra-list genre
 * diversity = mean over lists of the mean pairwise genre-set Jaccard distance.
 */
export function beyondAccuracy(input: BeyondAccuracyInput): Record<BeyondMetric, number> {
  const lists = input.lists.map((list) => list.subarray(0, LIST_DEPTH)).filter((list) => list.length > 0);
  const jaccard = meanPairwiseJaccard(sample(lists, JACCARD_SAMPLE, JACCARD_SEED));
  return {
    'jaccard@10': jaccard,
    'personalisation@10': 1 - jaccard,
    same_first_share: sameFirstShare(lists),
    'distinct@10': distinctItems(lists),
    'novelty@10': novelty(lists, input.likedBy, input.users),
    'genre_diversity@10':
      input.itemGenres && input.genres ? genreDiversity(lists, input.itemGenres, input.genres) : Number.NaN,
  };
}

/** Mean over every pair of lists of |A ∩ B| / |A ∪ B|; NaN with fewer than two lists. */
export function meanPairwiseJaccard(lists: readonly Uint32Array[]): number {
  const n = lists.length;
  if (n < 2) return Number.NaN;
  const sorted = lists.map((list) => Uint32Array.from(list).sort());
  let sum = 0;
  for (let a = 0; a < n; a++) {
    const x = sorted[a];
    for (let b = a + 1; b < n; b++) {
      const y = sorted[b];
      let shared = 0;
      for (let i = 0, j = 0; i < x.length && j < y.length; ) {
        if (x[i] === y[j]) {
          shared++;
          i++;
          j++;
        } else if (x[i] < y[j]) i++;
        else j++;
      }
      sum += shared / (x.length + y.length - shared);
    }
  }
  return sum / ((n * (n - 1)) / 2);
}

/** The largest share of lists that start with one and the same item. */
export function sameFirstShare(lists: readonly Uint32Array[]): number {
  if (lists.length === 0) return Number.NaN;
  const counts = new Map<number, number>();
  let most = 0;
  for (const list of lists) {
    const count = (counts.get(list[0]) ?? 0) + 1;
    counts.set(list[0], count);
    if (count > most) most = count;
  }
  return most / lists.length;
}

export function distinctItems(lists: readonly Uint32Array[]): number {
  const seen = new Set<number>();
  for (const list of lists) for (const item of list) seen.add(item);
  return seen.size;
}

/** Mean self-information −log2(likedBy / users) over every listed item (an item nobody liked counts as liked once). */
export function novelty(lists: readonly Uint32Array[], likedBy: ArrayLike<number>, users: number): number {
  let sum = 0;
  let count = 0;
  for (const list of lists) {
    for (const item of list) {
      sum -= Math.log2(Math.max(likedBy[item], 1) / users);
      count++;
    }
  }
  return count > 0 ? sum / count : Number.NaN;
}

/**
 * Mean over lists of the mean pairwise genre-set Jaccard distance 1 − |G_a ∩ G_b| / |G_a ∪ G_b| within the list
 * (two movies without genres are at distance 0); lists of one item have no pair and are left out.
 */
export function genreDiversity(lists: readonly Uint32Array[], itemGenres: Uint8Array, genres: number): number {
  let total = 0;
  let counted = 0;
  for (const list of lists) {
    if (list.length < 2) continue;
    let sum = 0;
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        let union = 0;
        let shared = 0;
        for (let g = 0; g < genres; g++) {
          const x = itemGenres[list[a] * genres + g] !== 0;
          const y = itemGenres[list[b] * genres + g] !== 0;
          if (x || y) union++;
          if (x && y) shared++;
        }
        sum += union === 0 ? 0 : 1 - shared / union;
      }
    }
    total += sum / ((list.length * (list.length - 1)) / 2);
    counted++;
  }
  return counted > 0 ? total / counted : Number.NaN;
}

/** All of `lists` when there are at most `size`, else `size` of them drawn without replacement by a seeded shuffle. */
function sample(lists: readonly Uint32Array[], size: number, seed: number): readonly Uint32Array[] {
  if (lists.length <= size) return lists;
  const order = Array.from(lists.keys());
  const random = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, size).map((i) => lists[i]);
}
