import { rowIndices, rowLength } from '../csr.ts';
import { type Ranking, topK } from '../rank.ts';
import type { ApproximateSearch } from './approximate.ts';
import type { Catalogue } from './catalogue.ts';
import { filterMask, type ItemAttributes, type ItemFilter, isEmptyFilter } from './filters.ts';
import type { Scorer } from './scorer.ts';

export interface RecommendOptions {
  /** Drop items the user (or the seed list) already has; default true. */
  excludeSeen?: boolean;
  filter?: ItemFilter;
}

/**
 * The facade evaluation and serving both call (train/serve parity by construction): a scorer fills one
 * score per item, then exclusion, the fit-catalogue candidate set, filters and rank.ts's top-K apply. With an
 * approximate search (serving a large catalogue) the same exclusions and candidates go to the ANN index instead.
 */
export class Recommender {
  readonly scorer: Scorer;
  readonly catalogue: Catalogue;
  readonly attributes: ItemAttributes | undefined;
  readonly approximate: ApproximateSearch | undefined;
  // One scratch buffer: every call scores and ranks synchronously, so calls never interleave.
  readonly #scores: Float32Array;

  constructor(scorer: Scorer, catalogue: Catalogue, attributes?: ItemAttributes, approximate?: ApproximateSearch) {
    if (scorer.items !== catalogue.movieIds.length) {
      throw new Error(
        `recommender: the ${scorer.kind} scorer covers ${scorer.items} items but the catalogue has ${catalogue.movieIds.length}`,
      );
    }
    this.scorer = scorer;
    this.catalogue = catalogue;
    this.attributes = attributes;
    this.approximate = approximate;
    this.#scores = new Float32Array(scorer.items);
  }

  get items(): number {
    return this.scorer.items;
  }

  /** True for a user with fit history: the personalised path applies. */
  knowsUser(user: number): boolean {
    const { seen } = this.catalogue;
    return Number.isInteger(user) && user >= 0 && user < seen.rows && rowLength(seen, user) > 0;
  }

  /** Top-k for a known user; their fit items are excluded unless `excludeSeen` is false. */
  recommend(user: number, k: number, options: RecommendOptions = {}): Ranking {
    if (!this.knowsUser(user)) {
      throw new RangeError(`recommender: user index ${user} has no fit history; use recommendFromLiked or popularity`);
    }
    const seen = options.excludeSeen === false ? undefined : rowIndices(this.catalogue.seen, user);
    if (this.approximate) return this.approximate.recommend(user, k, this.#candidates(seen, options.filter));
    this.scorer.scoreUser(user, this.#scores);
    return this.#rank(k, seen, options.filter);
  }

  /** Top-k for someone the model has not seen, from items they liked (excluded from the result by default). */
  recommendFromLiked(liked: Uint32Array, k: number, options: RecommendOptions = {}): Ranking {
    this.#checkItems(liked);
    const exclude = options.excludeSeen === false ? undefined : liked;
    if (this.approximate) {
      return this.approximate.recommendFromLiked(liked, k, this.#candidates(exclude, options.filter));
    }
    this.scorer.scoreFromLiked(liked, this.#scores);
    return this.#rank(k, exclude, options.filter);
  }

  /** The k items most similar to the seeds; the seeds themselves are excluded by default. */
  similar(seeds: Uint32Array, k: number, options: RecommendOptions = {}): Ranking {
    this.#checkItems(seeds);
    const exclude = options.excludeSeen === false ? undefined : seeds;
    if (this.approximate) return this.approximate.similar(seeds, k, this.#candidates(exclude, options.filter));
    this.scorer.scoreSimilar(seeds, this.#scores);
    return this.#rank(k, exclude, options.filter);
  }

  #rank(k: number, exclude: Uint32Array | undefined, filter: ItemFilter | undefined): Ranking {
    const { allowed } = this.#candidates(exclude, filter);
    return topK(this.#scores, k, { movieIds: this.catalogue.movieIds, exclude, allowed });
  }

  #candidates(exclude: Uint32Array | undefined, filter: ItemFilter | undefined) {
    const allowed = isEmptyFilter(filter)
      ? this.catalogue.inCatalogue
      : filterMask(this.catalogue.inCatalogue, this.attributes, filter!);
    return { exclude, allowed };
  }

  #checkItems(items: Uint32Array): void {
    for (let i = 0; i < items.length; i++) {
      if (items[i] >= this.scorer.items) {
        throw new RangeError(
          `recommender: item index ${items[i]} is outside the catalogue (0..${this.scorer.items - 1})`,
        );
      }
    }
  }
}
