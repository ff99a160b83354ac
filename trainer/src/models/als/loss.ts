/**
 * implicit's training loss (implicit/cpu/_als.pyx `_calculate_loss`) over a range of users. Plain JS: it
 * runs once per iteration and only when asked, so it is not worth the SIMD kernel; its sums are float64.
 */

/** The CSR arrays one solve reads: rows of X are solved against the fixed Y. */
export interface AlsSide {
  indptr: Uint32Array;
  indices: Uint32Array;
  /** c_ui as implicit reads it: > 0 means preference 1 with that confidence, ≤ 0 preference 0 with |c|. */
  confidence: Float32Array;
}

function dot(
  a: Float32Array | Float64Array,
  ao: number,
  b: Float32Array | Float64Array,
  bo: number,
  k: number,
): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += a[ao + j] * b[bo + j];
  return s;
}

/**
 * The parts of implicit's loss from users [from, to): Σ_u [x_uᵀ(YtY + Yᵀ(C_u − I)Y)x_u
 * − 2 Σ_{i: c>0} c_ui x_u·y_i + Σ_i |c_ui|], Σ_u |x_u|² and Σ |c_ui|, written to `out` at `outOffset`.
 * `gram` is YtY without regularisation; `r` is k floats of scratch.
 */
export function lossRows(
  side: AlsSide,
  x: Float32Array,
  y: Float32Array,
  gram: Float32Array,
  k: number,
  from: number,
  to: number,
  r: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  const { indptr, indices, confidence } = side;
  let loss = 0;
  let userNorm = 0;
  let totalConfidence = 0;
  for (let u = from; u < to; u++) {
    const xo = u * k;
    for (let i = 0; i < k; i++) r[i] = dot(gram, i * k, x, xo, k);
    for (let e = indptr[u]; e < indptr[u + 1]; e++) {
      const yo = indices[e] * k;
      let c = confidence[e];
      let t = -2 * c;
      if (c <= 0) {
        t = 0;
        c = -c;
      }
      t += (c - 1) * dot(y, yo, x, xo, k);
      for (let j = 0; j < k; j++) r[j] += t * y[yo + j];
      totalConfidence += c;
      loss += c;
    }
    loss += dot(x, xo, r, 0, k);
    userNorm += dot(x, xo, x, xo, k);
  }
  out[outOffset] = loss;
  out[outOffset + 1] = userNorm;
  out[outOffset + 2] = totalConfidence;
}
