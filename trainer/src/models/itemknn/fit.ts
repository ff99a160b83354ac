import { type Csr, csrFromCoo } from '@recsys/core/csr';
import { topK } from '@recsys/core/rank';
import { ItemKnnScorer, type Neighbours } from '@recsys/core/recommender/item-knn';

export interface ItemKnnFitParams {
  /** Keep each item's top-N neighbours by similarity; null keeps every co-occurring item. */
  neighbours: number | null;
}

/**
 * Item-item cosine on binary co-occurrence vectors (R6): sim(i, j) = |users(i) ∩ users(j)| /
 * sqrt(|users(i)| · |users(j)|), self-pairs left out. `fit` is users × items, one entry per positive.
 * Each pair is counted once (j > i, from rows sorted by item) and mirrored: work is ½ Σ over users of |row|².
 */
export function fitItemKnn(fit: Csr, params: ItemKnnFitParams): ItemKnnScorer {
  const { neighbours: keep } = params;
  if (keep !== null && !(Number.isInteger(keep) && keep > 0)) {
    throw new Error(`itemknn: neighbours must be a positive integer or null (no pruning), got ${keep}`);
  }
  const upper = upperCooccurrence(sortedRows(fit));
  const full = mirrorAsCosine(upper, fit.cols);
  const neighbours = keep === null ? full : prune(full, keep);
  return new ItemKnnScorer(neighbours, fit, { neighbours: keep });
}

/** The fit data with each user's items in ascending order (fit rows are in time order). */
function sortedRows(fit: Csr): Csr {
  const indices = fit.indices.slice();
  for (let u = 0; u < fit.rows; u++) indices.subarray(fit.indptr[u], fit.indptr[u + 1]).sort();
  return { rows: fit.rows, cols: fit.cols, indptr: fit.indptr, indices };
}

interface UpperCounts {
  /** Row i holds the items j > i that co-occur with i, ascending, with their counts. */
  indptr: Uint32Array;
  indices: Uint32Array;
  counts: Uint32Array;
  /** Users per item. */
  support: Uint32Array;
}

function upperCooccurrence(sorted: Csr): UpperCounts {
  const items = sorted.cols;
  // For each (item, user) entry: where it sits in the user's sorted row, so the scan can start just after it.
  const entryOf = new Uint32Array(sorted.indices.length);
  const rowOf = new Uint32Array(sorted.indices.length);
  for (let u = 0; u < sorted.rows; u++) {
    for (let e = sorted.indptr[u]; e < sorted.indptr[u + 1]; e++) {
      entryOf[e] = e;
      rowOf[e] = u;
    }
  }
  const byItem = csrFromCoo(items, sorted.rows, sorted.indices, rowOf);
  const positions = csrFromCoo(items, sorted.rows, sorted.indices, entryOf).indices;
  const support = new Uint32Array(items);
  for (let i = 0; i < items; i++) support[i] = byItem.indptr[i + 1] - byItem.indptr[i];

  const counts = new Uint32Array(items);
  const touched = new Uint32Array(items);
  const rowIndices: Uint32Array[] = [];
  const rowCounts: Uint32Array[] = [];
  let total = 0;
  for (let i = 0; i < items; i++) {
    let touchedCount = 0;
    for (let e = byItem.indptr[i], end = byItem.indptr[i + 1]; e < end; e++) {
      const user = byItem.indices[e];
      const rowEnd = sorted.indptr[user + 1];
      for (let f = positions[e] + 1; f < rowEnd; f++) {
        const j = sorted.indices[f];
        if (counts[j]++ === 0) touched[touchedCount++] = j;
      }
    }
    const indices = touched.slice(0, touchedCount).sort();
    const pairCounts = new Uint32Array(touchedCount);
    for (let t = 0; t < touchedCount; t++) {
      pairCounts[t] = counts[indices[t]];
      counts[indices[t]] = 0;
    }
    rowIndices.push(indices);
    rowCounts.push(pairCounts);
    total += touchedCount;
  }
  const indptr = new Uint32Array(items + 1);
  const indices = new Uint32Array(total);
  const allCounts = new Uint32Array(total);
  for (let i = 0; i < items; i++) {
    indices.set(rowIndices[i], indptr[i]);
    allCounts.set(rowCounts[i], indptr[i]);
    indptr[i + 1] = indptr[i] + rowIndices[i].length;
  }
  return { indptr, indices, counts: allCounts, support };
}

/** Both triangles as cosine similarities; each row comes out in ascending item order. */
function mirrorAsCosine(upper: UpperCounts, items: number): Neighbours {
  const degree = new Uint32Array(items);
  for (let i = 0; i < items; i++) {
    degree[i] += upper.indptr[i + 1] - upper.indptr[i];
    for (let e = upper.indptr[i]; e < upper.indptr[i + 1]; e++) degree[upper.indices[e]]++;
  }
  const indptr = new Uint32Array(items + 1);
  for (let i = 0; i < items; i++) indptr[i + 1] = indptr[i] + degree[i];
  const cursor = indptr.slice(0, items);
  const indices = new Uint32Array(indptr[items]);
  const similarities = new Float32Array(indptr[items]);
  // Row i receives its lower neighbours (from earlier rows, ascending) before its own upper ones.
  for (let i = 0; i < items; i++) {
    for (let e = upper.indptr[i]; e < upper.indptr[i + 1]; e++) {
      const j = upper.indices[e];
      const similarity = upper.counts[e] / Math.sqrt(upper.support[i] * upper.support[j]);
      indices[cursor[i]] = j;
      similarities[cursor[i]++] = similarity;
      indices[cursor[j]] = i;
      similarities[cursor[j]++] = similarity;
    }
  }
  return { indptr, indices, similarities };
}

/** Each row's `keep` strongest neighbours (ties to the lower item index), in ascending item order. */
function prune(full: Neighbours, keep: number): Neighbours {
  const items = full.indptr.length - 1;
  const scratch = new Float32Array(items).fill(Number.NaN);
  const tieBreak = Uint32Array.from({ length: items }, (_, i) => i);
  const indptr = new Uint32Array(items + 1);
  const kept: Uint32Array[] = [];
  for (let i = 0; i < items; i++) {
    const start = full.indptr[i];
    const end = full.indptr[i + 1];
    for (let e = start; e < end; e++) scratch[full.indices[e]] = full.similarities[e];
    const best =
      end - start <= keep ? full.indices.slice(start, end) : topK(scratch, keep, { movieIds: tieBreak }).items.sort();
    for (let e = start; e < end; e++) scratch[full.indices[e]] = Number.NaN;
    kept.push(best);
    indptr[i + 1] = indptr[i] + best.length;
  }
  const indices = new Uint32Array(indptr[items]);
  const similarities = new Float32Array(indptr[items]);
  for (let i = 0; i < items; i++) {
    indices.set(kept[i], indptr[i]);
    // Similarities are looked up in the full row, which is sorted by item.
    let e = full.indptr[i];
    for (let t = 0; t < kept[i].length; t++) {
      while (full.indices[e] !== kept[i][t]) e++;
      similarities[indptr[i] + t] = full.similarities[e];
    }
  }
  return { indptr, indices, similarities };
}
