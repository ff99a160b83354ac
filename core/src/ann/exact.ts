import { type Ranking, topK } from '../rank.ts';

/** Which items a similarity query may return: not `exclude`, and only where `allowed` is non-zero. */
export interface CandidateFilter {
  exclude?: Uint32Array;
  allowed?: Uint8Array;
}

/** Item indices with their cosine similarity to the query, most similar first. */
export interface SimilarItems {
  items: Uint32Array;
  similarities: Float32Array;
}

function checkEmbeddings(embeddings: Float32Array, dims: number): number {
  if (!Number.isInteger(dims) || dims < 1 || embeddings.length % dims !== 0) {
    throw new Error(`item embeddings: ${embeddings.length} values do not split into rows of ${dims} dims`);
  }
  return embeddings.length / dims;
}

/** Rows scaled to unit length; a zero row stays zero, so its cosine with anything is 0. */
export function unitRows(embeddings: Float32Array, dims: number): Float32Array {
  const rows = checkEmbeddings(embeddings, dims);
  const unit = new Float32Array(embeddings.length);
  for (let r = 0, base = 0; r < rows; r++, base += dims) {
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += embeddings[base + d] * embeddings[base + d];
    if (!Number.isFinite(norm)) throw new Error(`item embeddings: row ${r} holds a NaN or infinite value`);
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dims; d++) unit[base + d] = embeddings[base + d] * scale;
  }
  return unit;
}

/**
 * Brute-force cosine top-k over item embeddings: the reference the ANN index is measured against, and its fallback
 * when filters leave too few candidates. Ties rank by ascending item index.
 */
export class ExactCosine {
  readonly dims: number;
  readonly items: number;
  readonly #unit: Float32Array;
  readonly #itemOrder: Uint32Array;
  readonly #scores: Float32Array;

  constructor(embeddings: Float32Array, dims: number) {
    this.dims = dims;
    this.items = checkEmbeddings(embeddings, dims);
    this.#unit = unitRows(embeddings, dims);
    this.#itemOrder = Uint32Array.from({ length: this.items }, (_, i) => i);
    this.#scores = new Float32Array(this.items);
  }

  /** Unit-length copy of item `item`'s embedding. */
  unitVector(item: number): Float32Array {
    if (!Number.isInteger(item) || item < 0 || item >= this.items) {
      throw new RangeError(`item index ${item} is outside the catalogue (0..${this.items - 1})`);
    }
    return this.#unit.slice(item * this.dims, (item + 1) * this.dims);
  }

  /** Cosine similarity of a query vector and item `item`. */
  similarity(query: Float32Array, item: number): number {
    return this.#dot(query, item * this.dims) * this.#queryScale(query);
  }

  topK(query: Float32Array, k: number, filter: CandidateFilter = {}): SimilarItems {
    const scale = this.#queryScale(query);
    const scores = this.#scores;
    for (let i = 0, base = 0; i < this.items; i++, base += this.dims) scores[i] = this.#dot(query, base) * scale;
    const ranking: Ranking = topK(scores, k, {
      movieIds: this.#itemOrder,
      exclude: filter.exclude,
      allowed: filter.allowed,
    });
    return { items: ranking.items, similarities: ranking.scores };
  }

  #queryScale(query: Float32Array): number {
    if (query.length !== this.dims) {
      throw new Error(`query vector has ${query.length} dims, the item embeddings have ${this.dims}`);
    }
    let norm = 0;
    for (let d = 0; d < this.dims; d++) norm += query[d] * query[d];
    return norm > 0 ? 1 / Math.sqrt(norm) : 0;
  }

  #dot(query: Float32Array, base: number): number {
    const unit = this.#unit;
    let dot = 0;
    for (let d = 0; d < this.dims; d++) dot += unit[base + d] * query[d];
    return dot;
  }
}
