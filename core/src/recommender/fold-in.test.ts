import { describe, expect, it } from 'vitest';
import { alsFoldIn, foldInUser, itemGramian } from './fold-in.ts';

function randomFactors(items: number, k: number, seed: number): Float32Array {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5;
  return Float32Array.from({ length: items * k }, next);
}

/**
 * Gradient of the implicit-feedback objective written out over EVERY item, the way the paper states it:
 * Σ_i c_i (p_i − x·y_i)² + λ|x|², with c_i = 1, p_i = 0 for items not liked.
 */
function objectiveGradient(y: Float32Array, k: number, x: Float32Array, liked: Map<number, number>, lambda: number) {
  const grad = new Float64Array(k);
  for (let item = 0; item < y.length / k; item++) {
    const raw = liked.get(item);
    const c = raw === undefined ? 1 : Math.abs(raw);
    const p = raw !== undefined && raw > 0 ? 1 : 0;
    let s = 0;
    for (let f = 0; f < k; f++) s += x[f] * y[item * k + f];
    for (let f = 0; f < k; f++) grad[f] += -2 * c * (p - s) * y[item * k + f];
  }
  for (let f = 0; f < k; f++) grad[f] += 2 * lambda * x[f];
  return grad;
}

describe('foldInUser', () => {
  const k = 6;
  const y = randomFactors(40, k, 3);

  it('solves where (c − 1)·y_i·y_j and (c − 1)·y_j·y_i round apart (the system stays exactly symmetric)', () => {
    // In float64, (0.7 · y0) · y1 !== (0.7 · y1) · y0 for these two float32 factors.
    const factors = Float32Array.of(1 / 37, 1 / 41, 0.5, -0.25);
    expect(0.7 * factors[0] * factors[1]).not.toBe(0.7 * factors[1] * factors[0]);
    const x = foldInUser(factors, 2, Uint32Array.of(0), 1.7, 0.01);
    expect(x.every(Number.isFinite)).toBe(true);
  });

  it('returns the minimiser of the implicit ALS objective for the liked items (zero gradient)', () => {
    const likedItems = Uint32Array.of(2, 7, 11, 30);
    const confidences = Float32Array.of(3, 1.5, 8, 2);
    const x = foldInUser(y, k, likedItems, confidences, 0.1);
    const grad = objectiveGradient(y, k, x, new Map([...likedItems].map((item, n) => [item, confidences[n]])), 0.1);
    const scale = Math.max(...x.map(Math.abs));
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-4 * Math.max(1, scale));
    expect(x.some((v) => v !== 0)).toBe(true);
  });

  it('reads a non-positive confidence as a disliked item, like implicit', () => {
    const likedItems = Uint32Array.of(2, 7);
    const confidences = Float32Array.of(4, -6);
    const x = foldInUser(y, k, likedItems, confidences, 0.05);
    const grad = objectiveGradient(
      y,
      k,
      x,
      new Map([
        [2, 4],
        [7, -6],
      ]),
      0.05,
    );
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-4);
  });

  it('gives the same vector with a precomputed gramian, a scalar confidence, and through alsFoldIn', () => {
    const liked = Uint32Array.of(1, 5, 9);
    const direct = foldInUser(y, k, liked, Float32Array.of(2, 2, 2), 0.2);
    expect(foldInUser(y, k, liked, 2, 0.2, itemGramian(y, k))).toEqual(direct);
    expect(alsFoldIn(y, k, 2, 0.2)(liked)).toEqual(direct);
  });

  it('answers a user with no liked items with the zero vector', () => {
    expect([...foldInUser(y, k, new Uint32Array(0), 2, 0.1)].every((v) => v === 0)).toBe(true);
  });

  it('names what is wrong with bad input', () => {
    expect(() => foldInUser(y, k, Uint32Array.of(40), 2, 0.1)).toThrow(/outside the catalogue/);
    expect(() => foldInUser(y, k, Uint32Array.of(1, 2), Float32Array.of(1), 0.1)).toThrow(/one per item/);
    expect(() => foldInUser(y, 7, Uint32Array.of(1), 2, 0.1)).toThrow(/rows of 7 factors/);
  });
});
