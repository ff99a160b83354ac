import { tensor } from '../bundle/file-codec.ts';
import { type Csr, rowIndices, rowLength } from '../csr.ts';
import { DotKernel } from './dot-kernel.ts';
import { type BundleArrays, checkOut, type Scorer, type ScorerFiles } from './scorer.ts';

/** Bundle file names of a factor model (row-major Float32: users × factors, items × factors). */
export const FACTOR_FILES = { users: 'user_factors.f32', items: 'item_factors.f32' } as const;

/**
 * Fold-in: the user vector for someone the model has not seen, from the items they liked (the ALS
 * least-squares solve with item factors fixed). Injected so the scorer does not depend on one model's solver.
 */
export type FoldIn = (liked: Uint32Array) => Float32Array;

export interface FactorModel {
  factors: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
}

/**
 * Matrix factorisation scoring: user factors · item factors; similarity is cosine of item factors. Both dot
 * every item with one vector in the SIMD kernel (dot-kernel.ts), over one copy of the item factors: cosine is
 * the dot product scaled by each item's inverse norm, so /recommend and /similar share what the cache holds.
 * The kernel is built with the scorer, so a server pays for it at load, not in its first requests.
 */
export class FactorScorer implements Scorer {
  readonly kind = 'factors';
  readonly comparesItems = true;
  readonly items: number;
  readonly users: number;
  readonly model: FactorModel;
  /** Parameters the fold-in needs (regularisation, confidence …), kept in `scorer.json`. */
  readonly foldInParams: Record<string, unknown>;
  readonly #foldIn: FoldIn | undefined;
  readonly #itemKernel: DotKernel;
  /** 1 / |item factors| per item; 0 for a zero row (an item the model never saw), whose cosine stays 0. */
  readonly #inverseNorms: Float32Array;

  constructor(model: FactorModel, options: { foldIn?: FoldIn; foldInParams?: Record<string, unknown> } = {}) {
    const { factors, userFactors, itemFactors } = model;
    if (!Number.isInteger(factors) || factors < 1 || itemFactors.length % factors || userFactors.length % factors) {
      throw new Error(
        `factor scorer: ${userFactors.length} user and ${itemFactors.length} item values do not split into rows of ${factors} factors`,
      );
    }
    this.model = model;
    this.items = itemFactors.length / factors;
    this.users = userFactors.length / factors;
    this.#foldIn = options.foldIn;
    this.foldInParams = options.foldInParams ?? {};
    this.#itemKernel = new DotKernel(itemFactors, this.items, factors);
    this.#inverseNorms = inverseNorms(itemFactors, this.items, factors);
  }

  scoreUser(user: number, out: Float32Array): void {
    this.scoreVector(this.userVector(user), out);
  }

  scoreFromLiked(liked: Uint32Array, out: Float32Array): void {
    this.scoreVector(this.foldInVector(liked), out);
  }

  /** Sum over seeds of cosine(seed, item): the dot product with the sum of the seeds' unit vectors. */
  scoreSimilar(seeds: Uint32Array, out: Float32Array): void {
    checkOut(this, out);
    this.#itemKernel.dotAll(this.similarityQuery(seeds), out);
    const inverse = this.#inverseNorms;
    for (let i = 0; i < out.length; i++) out[i] *= inverse[i];
  }

  /** A known user's factors: their scores are its inner products with the item factors. */
  userVector(user: number): Float32Array {
    if (!Number.isInteger(user) || user < 0 || user >= this.users) {
      throw new RangeError(`factor scorer: user index ${user} has no factors (0..${this.users - 1})`);
    }
    const { factors, userFactors } = this.model;
    return userFactors.subarray(user * factors, (user + 1) * factors);
  }

  /** The folded-in factors of someone the model has not seen, from the items they liked. */
  foldInVector(liked: Uint32Array): Float32Array {
    if (!this.#foldIn) {
      throw new Error('factor scorer: no fold-in solver was given, so users outside the fit data cannot be scored');
    }
    return this.#foldIn(liked);
  }

  /** The sum of the seeds' unit vectors: its cosine with an item ranks items as `scoreSimilar` does. */
  similarityQuery(seeds: Uint32Array): Float32Array {
    const { factors, itemFactors } = this.model;
    const query = new Float32Array(factors);
    for (let s = 0; s < seeds.length; s++) {
      const seed = seeds[s];
      if (seed >= this.items) {
        throw new RangeError(`factor scorer: item index ${seed} is outside the catalogue (0..${this.items - 1})`);
      }
      const scale = this.#inverseNorms[seed];
      for (let f = 0; f < factors; f++) query[f] += itemFactors[seed * factors + f] * scale;
    }
    return query;
  }

  /** Every user of `history` folded in from their whole row against the fitted item factors (zero when empty). */
  withHistory(history: Csr): FactorScorer {
    const foldIn = this.#foldIn;
    if (!foldIn) {
      throw new Error('factor scorer: no fold-in solver was given, so it cannot take in a longer history');
    }
    const { factors, itemFactors } = this.model;
    const userFactors = new Float32Array(history.rows * factors);
    for (let user = 0; user < history.rows; user++) {
      if (rowLength(history, user) > 0) userFactors.set(foldIn(rowIndices(history, user)), user * factors);
    }
    return new FactorScorer({ factors, userFactors, itemFactors }, { foldIn, foldInParams: this.foldInParams });
  }

  /** The cosine of `item` with each of `others`: one kernel dot product per pair. */
  readonly similarityTo = (item: number, others: Uint32Array, out: Float32Array): void => {
    const { factors, itemFactors } = this.model;
    this.#itemKernel.dotRows(others, itemFactors.subarray(item * factors, (item + 1) * factors), out);
    const inverse = this.#inverseNorms;
    for (let o = 0; o < others.length; o++) out[o] *= inverse[item] * inverse[others[o]];
  };

  bundleFiles(): ScorerFiles {
    return {
      description: { kind: this.kind, factors: this.model.factors, fold_in: this.foldInParams },
      arrays: {
        [FACTOR_FILES.users]: tensor(this.model.userFactors, this.users, this.model.factors),
        [FACTOR_FILES.items]: tensor(this.model.itemFactors, this.items, this.model.factors),
      },
    };
  }

  static fromBundle(
    description: Record<string, unknown>,
    arrays: BundleArrays,
    makeFoldIn?: (model: FactorModel, params: Record<string, unknown>) => FoldIn | undefined,
  ): FactorScorer {
    const factors = Number(description.factors);
    const model = { factors, userFactors: arrays.f32(FACTOR_FILES.users), itemFactors: arrays.f32(FACTOR_FILES.items) };
    const foldInParams = (description.fold_in ?? {}) as Record<string, unknown>;
    return new FactorScorer(model, { foldIn: makeFoldIn?.(model, foldInParams), foldInParams });
  }

  /** Every item's inner product with `vector` (a user's factors, known or folded in). */
  scoreVector(vector: Float32Array, out: Float32Array): void {
    checkOut(this, out);
    this.#itemKernel.dotAll(vector, out);
  }
}

/** 1 / |row| for each row; 0 for a zero row rather than Infinity. */
function inverseNorms(rows: Float32Array, count: number, width: number): Float32Array {
  const inverse = new Float32Array(count);
  for (let i = 0, base = 0; i < count; i++, base += width) {
    let norm = 0;
    for (let f = 0; f < width; f++) norm += rows[base + f] * rows[base + f];
    inverse[i] = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  }
  return inverse;
}
