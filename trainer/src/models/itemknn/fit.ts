import { type Csr, transpose } from '@recsys/core/csr';
import { ItemKnnScorer, type Neighbours } from '@recsys/core/recommender/item-knn';

export interface ItemKnnFitParams {
  /** Keep each item's top-N neighbours by similarity; null keeps every co-occurring item. */
  neighbours: number | null;
}

/**
 * Item-item cosine on binary co-occurrence vectors (R6): sim(i, j) = |users(i) ∩ users(j)| /
 * sqrt(|users(i)| · |users(j)|), self-pairs left out. `fit` is users × items, one entry per positive.
 * Work is Σ over users of |row|², one dense accumulator per item row.
 */
export function fitItemKnn(fit: Csr, params: ItemKnnFitParams): ItemKnnScorer {
  const { neighbours: keep } = params;
  if (keep !== null && !(Number.isInteger(keep) && keep > 0)) {
    throw new Error(`itemknn: neighbours must be a positive integer or null (no pruning), got ${keep}`);
  }
  const items = fit.cols;
  const byItem = transpose(fit);
  const support = new Float64Array(items);
  for (let i = 0; i < items; i++) support[i] = byItem.indptr[i + 1] - byItem.indptr[i];

  const cooccur = new Float64Array(items);
  const touched = new Uint32Array(items);
  const rows: { indices: Uint32Array; similarities: Float32Array }[] = [];
  let total = 0;
  for (let i = 0; i < items; i++) {
    let touchedCount = 0;
    for (let e = byItem.indptr[i]; e < byItem.indptr[i + 1]; e++) {
      const user = byItem.indices[e];
      for (let f = fit.indptr[user]; f < fit.indptr[user + 1]; f++) {
        const j = fit.indices[f];
        if (j === i) continue;
        if (cooccur[j] === 0) touched[touchedCount++] = j;
        cooccur[j]++;
      }
    }
    const indices = touched.slice(0, touchedCount).sort();
    const similarities = new Float32Array(touchedCount);
    for (let t = 0; t < touchedCount; t++) {
      const j = indices[t];
      similarities[t] = cooccur[j] / Math.sqrt(support[i] * support[j]);
      cooccur[j] = 0;
    }
    const row =
      keep === null || touchedCount <= keep ? { indices, similarities } : strongest(indices, similarities, keep);
    rows.push(row);
    total += row.indices.length;
  }
  return new ItemKnnScorer(concatRows(rows, total), fit, { neighbours: keep });
}

/** The `keep` largest similarities (ties to the lower item index), in item order. */
function strongest(indices: Uint32Array, similarities: Float32Array, keep: number) {
  const order = Array.from(indices.keys()).sort((a, b) => similarities[b] - similarities[a] || a - b);
  const chosen = Uint32Array.from(order.slice(0, keep)).sort();
  return {
    indices: chosen.map((t) => indices[t]),
    similarities: Float32Array.from(chosen, (t) => similarities[t]),
  };
}

function concatRows(rows: { indices: Uint32Array; similarities: Float32Array }[], total: number): Neighbours {
  const indptr = new Uint32Array(rows.length + 1);
  const indices = new Uint32Array(total);
  const similarities = new Float32Array(total);
  for (let i = 0; i < rows.length; i++) {
    indices.set(rows[i].indices, indptr[i]);
    similarities.set(rows[i].similarities, indptr[i]);
    indptr[i + 1] = indptr[i] + rows[i].indices.length;
  }
  return { indptr, indices, similarities };
}
