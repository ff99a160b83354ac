/**
 * Inverse of a symmetric positive definite matrix (row-major n × n, Float64) through its Cholesky factor:
 * A = L Lᵀ, W = L⁻¹, A⁻¹ = Wᵀ W. Every inner loop runs over contiguous memory and handles four rows at a
 * time so one load of the shared row feeds four products; about n³/2 multiply-adds in all.
 * `a` is overwritten with the full (both triangles) inverse and returned.
 */
export function invertSpd(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`invertSpd: matrix has ${a.length} entries, expected ${n}×${n} = ${n * n}`);
  choleskyInPlace(a, n);
  invertLowerInPlace(a, n);
  const upper = transposeLower(a, n);
  lowerGramInto(upper, a, n);
  return a;
}

/** Lower triangle of `a` becomes L with A = L Lᵀ (Cholesky–Crout: row i is built from dots with rows j < i). */
export function choleskyInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let j = 0;
    for (; j + 3 < i; j += 4) {
      const r0 = j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < j; k++) {
        const x = a[ri + k];
        s0 += x * a[r0 + k];
        s1 += x * a[r1 + k];
        s2 += x * a[r2 + k];
        s3 += x * a[r3 + k];
      }
      // The four entries depend on each other through the columns j..j+2 just computed.
      const l0 = (a[ri + j] - s0) / a[r0 + j];
      a[ri + j] = l0;
      s1 += l0 * a[r1 + j];
      s2 += l0 * a[r2 + j];
      s3 += l0 * a[r3 + j];
      const l1 = (a[ri + j + 1] - s1) / a[r1 + j + 1];
      a[ri + j + 1] = l1;
      s2 += l1 * a[r2 + j + 1];
      s3 += l1 * a[r3 + j + 1];
      const l2 = (a[ri + j + 2] - s2) / a[r2 + j + 2];
      a[ri + j + 2] = l2;
      s3 += l2 * a[r3 + j + 2];
      a[ri + j + 3] = (a[ri + j + 3] - s3) / a[r3 + j + 3];
    }
    for (; j < i; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = 0; k < j; k++) s += a[ri + k] * a[rj + k];
      a[ri + j] = (a[ri + j] - s) / a[rj + j];
    }
    let d = a[ri + i];
    for (let k = 0; k < i; k++) d -= a[ri + k] * a[ri + k];
    if (!(d > 0)) {
      throw new Error(
        `invertSpd: pivot ${i} is ${d}; the matrix is not positive definite (for EASE, raise lambda above 0)`,
      );
    }
    a[ri + i] = Math.sqrt(d);
  }
}

/** Lower triangle of `a` (L) becomes W = L⁻¹, row by row: W_i = (e_i − Σ_{k<i} L_ik W_k) / L_ii. */
export function invertLowerInPlace(a: Float64Array, n: number): void {
  const l = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) l[k] = a[ri + k];
    a.fill(0, ri, ri + i);
    let k = 0;
    for (; k + 3 < i; k += 4) {
      const r0 = k * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      const l0 = l[k];
      const l1 = l[k + 1];
      const l2 = l[k + 2];
      const l3 = l[k + 3];
      for (let j = 0; j <= k; j++) {
        a[ri + j] -= l0 * a[r0 + j] + l1 * a[r1 + j] + l2 * a[r2 + j] + l3 * a[r3 + j];
      }
      a[ri + k + 1] -= l1 * a[r1 + k + 1] + l2 * a[r2 + k + 1] + l3 * a[r3 + k + 1];
      a[ri + k + 2] -= l2 * a[r2 + k + 2] + l3 * a[r3 + k + 2];
      a[ri + k + 3] -= l3 * a[r3 + k + 3];
    }
    for (; k < i; k++) {
      const rk = k * n;
      const lk = l[k];
      for (let j = 0; j <= k; j++) a[ri + j] -= lk * a[rk + j];
    }
    const inverseDiagonal = 1 / a[ri + i];
    for (let j = 0; j < i; j++) a[ri + j] *= inverseDiagonal;
    a[ri + i] = inverseDiagonal;
  }
}

/** U = Wᵀ as a new row-major array: row i of U is column i of W, non-zero from position i on. */
function transposeLower(a: Float64Array, n: number): Float64Array {
  const u = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) u[i * n + k] = a[rk + i];
  }
  return u;
}

/** out = Wᵀ W from U = Wᵀ: out_ij = Σ_{k ≥ max(i,j)} U_ik U_jk, both triangles written. */
function lowerGramInto(u: Float64Array, out: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    // Rows i ≤ j share row j's tail from k = j on; four of them per pass over it.
    let i = 0;
    for (; i + 3 <= j; i += 4) {
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = j; k < n; k++) {
        const x = u[rj + k];
        s0 += x * u[r0 + k];
        s1 += x * u[r1 + k];
        s2 += x * u[r2 + k];
        s3 += x * u[r3 + k];
      }
      out[r0 + j] = s0;
      out[rj + i] = s0;
      out[r1 + j] = s1;
      out[rj + i + 1] = s1;
      out[r2 + j] = s2;
      out[rj + i + 2] = s2;
      out[r3 + j] = s3;
      out[rj + i + 3] = s3;
    }
    for (; i <= j; i++) {
      const ri = i * n;
      let s = 0;
      for (let k = j; k < n; k++) s += u[rj + k] * u[ri + k];
      out[ri + j] = s;
      out[rj + i] = s;
    }
  }
}
