import { describe, expect, it } from 'vitest';
import { invertSpd } from './spd-inverse.ts';

/** Gauss–Jordan with partial pivoting: slow and obviously right, the reference for the Cholesky route. */
function naiveInverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[pivot * n + c])) pivot = r;
    for (let k = 0; k < n; k++) {
      [m[c * n + k], m[pivot * n + k]] = [m[pivot * n + k], m[c * n + k]];
      [inv[c * n + k], inv[pivot * n + k]] = [inv[pivot * n + k], inv[c * n + k]];
    }
    const d = m[c * n + c];
    for (let k = 0; k < n; k++) {
      m[c * n + k] /= d;
      inv[c * n + k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c];
      for (let k = 0; k < n; k++) {
        m[r * n + k] -= f * m[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  return inv;
}

/** A random gramian-like SPD matrix: BᵀB + λI with B small non-negative integers. */
function randomSpd(n: number, seed: number, lambda: number): Float64Array {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const rows = 2 * n;
  const b = Array.from({ length: rows * n }, () => (next() < 0.3 ? 1 : 0));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += b[r * n + i] * b[r * n + j];
      a[i * n + j] = s + (i === j ? lambda : 0);
    }
  }
  return a;
}

describe('invertSpd', () => {
  it('inverts a 2×2 matrix by hand: [[3,1],[1,2]]⁻¹ = [[2,−1],[−1,3]] / 5', () => {
    const inverse = invertSpd(Float64Array.of(3, 1, 1, 2), 2);
    const expected = [2 / 5, -1 / 5, -1 / 5, 3 / 5];
    for (let k = 0; k < 4; k++) expect(inverse[k]).toBeCloseTo(expected[k], 14);
  });

  it('needs only the lower triangle: whatever sits above the diagonal is ignored', () => {
    const inverse = invertSpd(Float64Array.of(3, 99, 1, 2), 2);
    expect(inverse[1]).toBeCloseTo(-1 / 5, 14);
  });

  // Sizes around the four-way unrolling (n mod 4 = 0..3) and big enough to run its main loops many times.
  for (const n of [1, 3, 4, 5, 6, 7, 13, 41]) {
    it(`matches a naive Gauss–Jordan inverse for n = ${n}, symmetric, and A·A⁻¹ = I`, () => {
      const a = randomSpd(n, n * 7 + 1, 1.5);
      const expected = naiveInverse(a, n);
      const inverse = invertSpd(Float64Array.from(a), n);
      for (let k = 0; k < n * n; k++) expect(inverse[k]).toBeCloseTo(expected[k], 10);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k] * inverse[k * n + j];
          expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
        }
      }
    });
  }

  it('refuses a matrix that is not positive definite, naming the pivot', () => {
    expect(() => invertSpd(Float64Array.of(1, 2, 2, 1), 2)).toThrow(/pivot 1 .*not positive definite/);
    expect(() => invertSpd(new Float64Array(3), 2)).toThrow(/expected 2×2/);
  });
});
