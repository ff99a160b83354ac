import { type Csr, rowIndices } from '../csr.ts';
import { type BundleArrays, checkOut, type Scorer, type ScorerFiles } from './scorer.ts';

/** Bundle file names of the item-item scorer (the neighbour CSR: items × items). */
export const ITEM_KNN_FILES = {
  indptr: 'neighbours_indptr.u32',
  indices: 'neighbours_indices.u32',
  similarities: 'neighbours_similarities.f32',
} as const;

/** Item × item neighbour lists: row i holds i's neighbours and their similarities. */
export interface Neighbours {
  indptr: Uint32Array;
  indices: Uint32Array;
  similarities: Float32Array;
}

export interface ItemKnnParams {
  /** Neighbours kept per item; null = no pruning. */
  neighbours: number | null;
}

/**
 * Item-item scoring: an item's score is the sum of its similarities to the items the user liked (the
 * user's row times the similarity matrix, as implicit's ItemItemRecommender does).
 */
export class ItemKnnScorer implements Scorer {
  readonly kind = 'itemknn';
  readonly comparesItems = true;
  readonly items: number;
  readonly neighbours: Neighbours;
  readonly params: ItemKnnParams;
  readonly #history: Csr;

  /** `history` is the fit data (users × items): a known user's liked items. */
  constructor(neighbours: Neighbours, history: Csr, params: ItemKnnParams) {
    this.items = neighbours.indptr.length - 1;
    if (history.cols !== this.items) {
      throw new Error(`itemknn scorer: history has ${history.cols} items but the neighbour lists ${this.items}`);
    }
    this.neighbours = neighbours;
    this.#history = history;
    this.params = params;
  }

  scoreUser(user: number, out: Float32Array): void {
    if (user < 0 || user >= this.#history.rows) {
      throw new RangeError(`itemknn scorer: user index ${user} is outside the fit data (0..${this.#history.rows - 1})`);
    }
    this.scoreFromLiked(rowIndices(this.#history, user), out);
  }

  scoreFromLiked(liked: Uint32Array, out: Float32Array): void {
    checkOut(this, out);
    out.fill(0);
    const { indptr, indices, similarities } = this.neighbours;
    for (let l = 0; l < liked.length; l++) {
      const item = liked[l];
      if (item >= this.items) {
        throw new RangeError(`itemknn scorer: item index ${item} is outside the catalogue (0..${this.items - 1})`);
      }
      for (let e = indptr[item], end = indptr[item + 1]; e < end; e++) out[indices[e]] += similarities[e];
    }
  }

  scoreSimilar(seeds: Uint32Array, out: Float32Array): void {
    this.scoreFromLiked(seeds, out);
  }

  withHistory(history: Csr): ItemKnnScorer {
    return new ItemKnnScorer(this.neighbours, history, this.params);
  }

  /** `item`'s stored similarity to each of `others` (0 when not its neighbour): one pass over `item`'s row. */
  readonly similarityTo = (item: number, others: Uint32Array, out: Float32Array): void => {
    out.fill(0, 0, others.length);
    const positions = new Map<number, number[]>();
    for (let o = 0; o < others.length; o++) {
      const at = positions.get(others[o]);
      if (at) at.push(o);
      else positions.set(others[o], [o]);
    }
    const { indptr, indices, similarities } = this.neighbours;
    for (let e = indptr[item], end = indptr[item + 1]; e < end; e++) {
      for (const o of positions.get(indices[e]) ?? []) out[o] += similarities[e];
    }
  };

  bundleFiles(): ScorerFiles {
    const { indptr, indices, similarities } = this.neighbours;
    return {
      description: { kind: this.kind, neighbours: this.params.neighbours },
      arrays: {
        [ITEM_KNN_FILES.indptr]: indptr,
        [ITEM_KNN_FILES.indices]: indices,
        [ITEM_KNN_FILES.similarities]: similarities,
      },
    };
  }

  static fromBundle(description: Record<string, unknown>, arrays: BundleArrays, history: Csr): ItemKnnScorer {
    const neighbours = {
      indptr: arrays.u32(ITEM_KNN_FILES.indptr),
      indices: arrays.u32(ITEM_KNN_FILES.indices),
      similarities: arrays.f32(ITEM_KNN_FILES.similarities),
    };
    const kept = typeof description.neighbours === 'number' ? description.neighbours : null;
    return new ItemKnnScorer(neighbours, history, { neighbours: kept });
  }
}
