import { csrFromCoo } from '@recsys/core/csr';
import { describe, expect, it } from 'vitest';
import { fitEase } from './fit.ts';
import { invertSpd } from './spd-inverse.ts';

/** users × items from (user, item) pairs. */
function window(users: number, items: number, pairs: [number, number][]) {
  return csrFromCoo(users, items, Uint32Array.from(pairs.map(([u]) => u)), Uint32Array.from(pairs.map(([, i]) => i)));
}

/** Dense B from the neighbour lists, items × items. */
function dense(model: ReturnType<typeof fitEase>, items: number): number[][] {
  const b = Array.from({ length: items }, () => new Array<number>(items).fill(0));
  const { indptr, indices, similarities } = model.neighbours;
  for (let i = 0; i < items; i++) for (let e = indptr[i]; e < indptr[i + 1]; e++) b[i][indices[e]] = similarities[e];
  return b;
}

describe('fitEase', () => {
  it('solves a two-item case by hand and leaves items outside the catalogue without neighbours', () => {
    // X: user 0 has items 0 and 2, user 1 has item 0; item 1 is never seen. λ = 1:
    // G = [[3,1],[1,2]], P = [[2,−1],[−1,3]] / 5, B_02 = −P_01/P_11 = 1/3, B_20 = −P_10/P_00 = 1/2.
    const model = fitEase(
      window(2, 3, [
        [0, 0],
        [0, 2],
        [1, 0],
      ]),
      1,
    );
    expect([...model.catalogue]).toEqual([0, 2]);
    expect([...model.neighbours.indptr]).toEqual([0, 1, 1, 2]);
    expect([...model.neighbours.indices]).toEqual([2, 0]);
    expect(model.neighbours.similarities[0]).toBeCloseTo(1 / 3, 6);
    expect(model.neighbours.similarities[1]).toBeCloseTo(1 / 2, 6);
  });

  it('matches B = −P / diag(P) from a naive dense gramian, diagonal dropped, signs kept', () => {
    const users = 30;
    const items = 9;
    const pairs: [number, number][] = [];
    let state = 11;
    for (let u = 0; u < users; u++) {
      for (let i = 0; i < items; i++) {
        state = (state * 1103515245 + 12345) % 2147483648;
        if (state / 2147483648 < 0.35 || (u + i) % items === 0) pairs.push([u, i]);
      }
    }
    const lambda = 2.5;
    const model = fitEase(window(users, items, pairs), lambda);
    expect(model.catalogue.length).toBe(items);
    const g = new Float64Array(items * items);
    for (let i = 0; i < items; i++) g[i * items + i] = lambda;
    for (let u = 0; u < users; u++) {
      const row = pairs.filter(([v]) => v === u).map(([, i]) => i);
      for (const a of row) for (const b of row) g[a * items + b]++;
    }
    const p = invertSpd(g, items);
    const b = dense(model, items);
    let negatives = 0;
    for (let i = 0; i < items; i++) {
      expect(b[i][i]).toBe(0);
      for (let j = 0; j < items; j++) {
        if (i === j) continue;
        expect(b[i][j]).toBeCloseTo(-p[i * items + j] / p[j * items + j], 6);
        if (b[i][j] < 0) negatives++;
      }
    }
    expect(negatives).toBeGreaterThan(0);
  });

  it('counts a repeated (user, item) once, as the binary matrix does', () => {
    const once = fitEase(
      window(2, 2, [
        [0, 0],
        [0, 1],
        [1, 1],
      ]),
      1,
    );
    const twice = fitEase(
      window(2, 2, [
        [0, 0],
        [0, 1],
        [0, 1],
        [1, 1],
      ]),
      1,
    );
    expect([...twice.neighbours.similarities]).toEqual([...once.neighbours.similarities]);
  });

  it('refuses a lambda that is not positive', () => {
    expect(() => fitEase(window(1, 1, [[0, 0]]), 0)).toThrow(/lambda must be a positive number/);
  });

  it('bounded to its most popular items, equals EASE on the data restricted to them', () => {
    // Items by positives: 0 (4), 1 (3), 2 (2), 3 (1). With maxItems 3, item 3 leaves the gramian.
    const pairs: [number, number][] = [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [0, 1],
      [1, 1],
      [2, 1],
      [0, 2],
      [3, 2],
      [0, 3],
    ];
    const bounded = fitEase(window(4, 4, pairs), 2, 3);
    const restricted = fitEase(
      window(
        4,
        4,
        pairs.filter(([, i]) => i !== 3),
      ),
      2,
    );
    expect([...bounded.catalogue]).toEqual([0, 1, 2]);
    expect(bounded.neighbours.indptr[4] - bounded.neighbours.indptr[3]).toBe(0);
    expect(dense(bounded, 4)).toEqual(dense(restricted, 4));
    expect(() => fitEase(window(4, 4, pairs), 2, 0)).toThrow(/maxItems must be at least 1/);
  });
});
