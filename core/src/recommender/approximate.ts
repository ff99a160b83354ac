import { z } from 'zod';
import type { CandidateFilter } from '../ann/exact.ts';
import {
  annSettingsSchema,
  type BuildOptions,
  buildUsearchIndex,
  ITEM_INDEX_FILE,
  openUsearchIndex,
  type UsearchIndex,
  usearchBytes,
  widenedSearch,
} from '../ann/item-index.ts';
import { type Ranking, topK } from '../rank.ts';
import { FactorScorer } from './factors.ts';

/** Bundle files of a factor model's usearch indexes: cosine for /similar, inner product for /recommend. */
export const ANN_FILES = {
  settings: 'ann.json',
  similar: ITEM_INDEX_FILE,
  recommend: 'item_ip_index.usearch',
} as const;

/** From this many catalogue items on, serving answers from the indexes by default (below, a scan is as fast). */
export const ANN_MIN_ITEMS = 50_000;

/** `ann.json`: how both indexes were built, and the catalogue size from which serving uses them by default. */
export const annBundleSchema = z.strictObject({
  min_items: z.int().nonnegative(),
  similar: annSettingsSchema.extend({ metric: z.literal('cos') }),
  recommend: annSettingsSchema.extend({ metric: z.literal('ip') }),
});
export type AnnBundle = z.output<typeof annBundleSchema>;

/** Seed lists longer than this are ranked by the exact scan: one index search per seed would cost more. */
const MAX_SEEDS_SEARCHED = 8;
/**
 * A candidate mask admitting less than this share of the items is ranked by the exact scan: HNSW answers deep in a
 * list (where a narrow filter's k survivors lie) are its least exact, and the scan costs the same as before ANN.
 */
const NARROW_FILTER_SHARE = 0.25;

/** Whether serving answers from the indexes: `auto` uses them from the bundle's `min_items` on. */
export type AnnMode = 'auto' | 'on' | 'off';

/** The approximate answers a Recommender delegates to; its filter carries the exclusions and the candidate mask. */
export interface ApproximateSearch {
  recommend(user: number, k: number, filter: CandidateFilter): Ranking;
  recommendFromLiked(liked: Uint32Array, k: number, filter: CandidateFilter): Ranking;
  similar(seeds: Uint32Array, k: number, filter: CandidateFilter): Ranking;
}

/** The index files for a factor model's bundle; none for other scorers (they have no item vectors to index). */
export function annFiles(
  scorer: { kind: string },
  options: BuildOptions & { minItems?: number } = {},
): Record<string, Buffer | AnnBundle> {
  if (!(scorer instanceof FactorScorer)) return {};
  const { factors, itemFactors } = scorer.model;
  const similar = buildUsearchIndex(itemFactors, factors, 'cos', options);
  const recommend = buildUsearchIndex(itemFactors, factors, 'ip', options);
  const settings = annBundleSchema.parse({
    min_items: options.minItems ?? ANN_MIN_ITEMS,
    similar: similar.settings,
    recommend: recommend.settings,
  });
  return {
    [ANN_FILES.similar]: usearchBytes(similar.index),
    [ANN_FILES.recommend]: usearchBytes(recommend.index),
    [ANN_FILES.settings]: settings,
  };
}

/** What opening the indexes needs from a verified bundle. */
export interface IndexedBundle {
  has(name: string): boolean;
  json(name: string): unknown;
  path(name: string): string;
}

/**
 * The approximate search a bundle offers under `mode`, or undefined when serving should scan: `off`, a scorer
 * other than a factor model, or `auto` below the bundle's `min_items`. `on` without index files is an error.
 */
export function openApproximateSearch(
  bundle: IndexedBundle,
  scorer: { kind: string; items: number },
  movieIds: Uint32Array,
  mode: AnnMode,
): ApproximateSearch | undefined {
  if (mode === 'off') return undefined;
  if (!(scorer instanceof FactorScorer) || !bundle.has(ANN_FILES.settings)) {
    if (mode === 'on') {
      throw new Error(
        `ann on: this ${scorer.kind} bundle has no ${ANN_FILES.settings}; only factor-model bundles written by recsys train carry usearch indexes (serve it with --ann auto or off)`,
      );
    }
    return undefined;
  }
  const parsed = annBundleSchema.safeParse(bundle.json(ANN_FILES.settings));
  if (!parsed.success) {
    throw new Error(`${ANN_FILES.settings} of the bundle is not valid: ${z.prettifyError(parsed.error)}`);
  }
  const settings = parsed.data;
  if (mode === 'auto' && scorer.items < settings.min_items) return undefined;
  for (const part of [settings.similar, settings.recommend]) {
    if (part.items !== scorer.items || part.dims !== scorer.model.factors) {
      throw new Error(
        `${ANN_FILES.settings}: an index over ${part.items} items × ${part.dims} dims for a model of ${scorer.items} × ${scorer.model.factors}; re-export the bundle`,
      );
    }
  }
  return new FactorAnn(
    scorer,
    {
      similar: openUsearchIndex(bundle.path(ANN_FILES.similar), settings.similar, true),
      recommend: openUsearchIndex(bundle.path(ANN_FILES.recommend), settings.recommend, true),
    },
    movieIds,
  );
}

/**
 * A factor model's three questions answered from usearch HNSW indexes instead of a pass over every item: the
 * user's (or folded-in) vector against the inner-product index, the seeds' summed unit vectors against the cosine
 * index. Scores are the scorer's own for the items found, ties ordered by movie id as rank.ts orders them; when a
 * filter is narrow, or leaves too few candidates among the approximate ones, the scorer's exact scan answers.
 */
export class FactorAnn implements ApproximateSearch {
  readonly #scorer: FactorScorer;
  readonly #indexes: { similar: UsearchIndex; recommend: UsearchIndex };
  readonly #movieIds: Uint32Array;
  readonly #scores: Float32Array;
  // Masks are counted once each: the unfiltered one (the fit catalogue) is the same array on every call.
  readonly #admitted = new WeakMap<Uint8Array, number>();

  constructor(
    scorer: FactorScorer,
    indexes: { similar: UsearchIndex; recommend: UsearchIndex },
    movieIds: Uint32Array,
  ) {
    if (movieIds.length !== scorer.items) {
      throw new Error(`ann: ${movieIds.length} movie ids for a scorer of ${scorer.items} items; they must agree`);
    }
    this.#scorer = scorer;
    this.#indexes = indexes;
    this.#movieIds = movieIds;
    this.#scores = new Float32Array(scorer.items);
  }

  recommend(user: number, k: number, filter: CandidateFilter): Ranking {
    return this.#byInnerProduct(this.#scorer.userVector(user), k, filter);
  }

  recommendFromLiked(liked: Uint32Array, k: number, filter: CandidateFilter): Ranking {
    return this.#byInnerProduct(this.#scorer.foldInVector(liked), k, filter);
  }

  /**
   * One seed: the nearest by cosine. Several: the summed query lies between the seeds, where HNSW's greedy walk
   * misses, so the candidates are the union of its neighbours and each seed's own, scored exactly.
   */
  similar(seeds: Uint32Array, k: number, filter: CandidateFilter): Ranking {
    const query = this.#scorer.similarityQuery(seeds);
    if (seeds.length > MAX_SEEDS_SEARCHED || this.#narrow(filter)) return this.#exactSimilar(seeds, k, filter);
    const wanted = this.#wanted(k);
    const candidates = new Set<number>();
    const { factors, itemFactors } = this.#scorer.model;
    const queries =
      seeds.length === 1
        ? [query]
        : [query, ...Array.from(seeds, (s) => itemFactors.subarray(s * factors, (s + 1) * factors))];
    for (const vector of queries) {
      const found = widenedSearch(this.#indexes.similar, vector, wanted, filter);
      if (!found) return this.#exactSimilar(seeds, k, filter);
      for (const item of found.items) candidates.add(item);
    }
    const items = Uint32Array.from(candidates);
    const scores = new Float32Array(items.length);
    for (let r = 0; r < items.length; r++) {
      const base = items[r] * factors;
      let dot = 0;
      let norm = 0;
      for (let f = 0; f < factors; f++) {
        dot += itemFactors[base + f] * query[f];
        norm += itemFactors[base + f] * itemFactors[base + f];
      }
      scores[r] = norm > 0 ? dot / Math.sqrt(norm) : 0;
    }
    const ranked = this.#ranked(items, scores);
    return { items: ranked.items.subarray(0, wanted), scores: ranked.scores.subarray(0, wanted) };
  }

  #exactSimilar(seeds: Uint32Array, k: number, filter: CandidateFilter): Ranking {
    this.#scorer.scoreSimilar(seeds, this.#scores);
    return this.#exact(k, filter);
  }

  #byInnerProduct(vector: Float32Array, k: number, filter: CandidateFilter): Ranking {
    const found = this.#narrow(filter)
      ? undefined
      : widenedSearch(this.#indexes.recommend, vector, this.#wanted(k), filter);
    if (!found) {
      this.#scorer.scoreVector(vector, this.#scores);
      return this.#exact(k, filter);
    }
    const { factors, itemFactors } = this.#scorer.model;
    const scores = new Float32Array(found.items.length);
    for (let r = 0; r < found.items.length; r++) {
      const base = found.items[r] * factors;
      let dot = 0;
      for (let f = 0; f < factors; f++) dot += itemFactors[base + f] * vector[f];
      scores[r] = dot;
    }
    return this.#ranked(found.items, scores);
  }

  #narrow(filter: CandidateFilter): boolean {
    const { allowed } = filter;
    if (!allowed) return false;
    let admitted = this.#admitted.get(allowed);
    if (admitted === undefined) {
      admitted = 0;
      for (let i = 0; i < allowed.length; i++) if (allowed[i] !== 0) admitted++;
      this.#admitted.set(allowed, admitted);
    }
    return admitted < allowed.length * NARROW_FILTER_SHARE;
  }

  #wanted(k: number): number {
    return Math.min(k, this.#scorer.items);
  }

  #exact(k: number, filter: CandidateFilter): Ranking {
    return topK(this.#scores, k, { movieIds: this.#movieIds, exclude: filter.exclude, allowed: filter.allowed });
  }

  #ranked(items: Uint32Array, scores: Float32Array): Ranking {
    const movieIds = this.#movieIds;
    const order = Array.from(items.keys()).sort(
      (a, b) => scores[b] - scores[a] || movieIds[items[a]] - movieIds[items[b]],
    );
    return { items: Uint32Array.from(order, (r) => items[r]), scores: Float32Array.from(order, (r) => scores[r]) };
  }
}
