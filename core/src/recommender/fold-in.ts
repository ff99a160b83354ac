import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import type { FoldIn } from './factors.ts';

/**
 * ALS fold-in: the exact least-squares user vector for someone the model has not seen, with the item
 * factors fixed — the same problem implicit ALS solves for each user (Hu, Koren, Volinsky 2008):
 *   (YᵀY + λI + Σ_i (c_i − 1) y_i y_iᵀ) x = Σ_{i: c_i > 0} c_i y_i
 * over the liked items i, with implicit's reading of the confidence (c > 0: preference 1 with confidence
 * c; c ≤ 0: preference 0 with confidence |c|). Solved in float64 by Cholesky (k×k), so it is the
 * converged answer that the trainer's conjugate-gradient steps approach.
 */

/** YᵀY (k×k, row-major, float64) over all items: computed once per bundle, shared by every fold-in. */
export function itemGramian(itemFactors: Float32Array, factors: number): Float64Array {
  const k = factors;
  const gram = new Float64Array(k * k);
  const rows = itemFactors.length / k;
  for (let row = 0; row < rows; row++) {
    const o = row * k;
    for (let i = 0; i < k; i++) {
      const yi = itemFactors[o + i];
      if (yi === 0) continue;
      for (let j = i; j < k; j++) gram[i * k + j] += yi * itemFactors[o + j];
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) gram[i * k + j] = gram[j * k + i];
  return gram;
}

export function foldInUser(
  itemFactors: Float32Array,
  factors: number,
  likedItems: Uint32Array,
  confidences: Float32Array | number,
  regularization: number,
  gramian: Float64Array = itemGramian(itemFactors, factors),
): Float32Array {
  const k = factors;
  const items = itemFactors.length / k;
  if (!Number.isInteger(items)) {
    throw new Error(`fold-in: ${itemFactors.length} item factor values do not split into rows of ${k} factors`);
  }
  if (gramian.length !== k * k)
    throw new Error(`fold-in: the gramian has ${gramian.length} values; expected ${k}×${k}`);
  if (typeof confidences !== 'number' && confidences.length !== likedItems.length) {
    throw new Error(
      `fold-in: ${confidences.length} confidences for ${likedItems.length} liked items; pass one per item or a single number`,
    );
  }
  const a = Float64Array.from(gramian);
  const b = new Float64Array(k);
  for (let i = 0; i < k; i++) a[i * k + i] += regularization;
  for (let n = 0; n < likedItems.length; n++) {
    const item = likedItems[n];
    if (item >= items)
      throw new RangeError(`fold-in: liked item index ${item} is outside the catalogue (0..${items - 1})`);
    const raw = typeof confidences === 'number' ? confidences : confidences[n];
    const c = Math.abs(raw);
    const o = item * k;
    for (let i = 0; i < k; i++) {
      const yi = itemFactors[o + i];
      if (raw > 0) b[i] += raw * yi;
      const w = (c - 1) * yi;
      for (let j = i; j < k; j++) a[i * k + j] += w * itemFactors[o + j];
    }
  }
  // Filled above the diagonal and mirrored: (c−1)·y_i·y_j and (c−1)·y_j·y_i can round apart, and the Cholesky
  // solver refuses a matrix that is not exactly symmetric.
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) a[i * k + j] = a[j * k + i];
  const lhs = new Matrix(Array.from({ length: k }, (_, i) => Array.from(a.subarray(i * k, (i + 1) * k))));
  const rhs = Matrix.columnVector(Array.from(b));
  const cholesky = new CholeskyDecomposition(lhs);
  // Without regularisation YᵀY can be singular; the SVD solve then gives the least-norm answer.
  const x = cholesky.isPositiveDefinite() ? cholesky.solve(rhs) : solve(lhs, rhs, true);
  return Float32Array.from(x.getColumn(0));
}

/** A fold-in for the recommender: the gramian computed once, then one k×k solve per call. */
export function alsFoldIn(
  itemFactors: Float32Array,
  factors: number,
  confidence: number,
  regularization: number,
): FoldIn {
  const gramian = itemGramian(itemFactors, factors);
  return (liked) => foldInUser(itemFactors, factors, liked, confidence, regularization, gramian);
}
