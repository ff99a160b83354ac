import { type Csr, csrFromCoo } from '@recsys/core/csr';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { foldInUser } from '@recsys/core/recommender/fold-in';
import { describe, expect, it } from 'vitest';
import { fitAls } from './fit.ts';

const rng = mulberry32;

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/**
 * Users and items with planted rank-`rank` tastes: each user's positives are drawn (without replacement)
 * with probability ∝ exp(3·u·v), then a fifth of them is held out.
 */
function planted(users: number, items: number, rank: number, perUser: number, seed: number) {
  const next = rng(seed);
  const u = Float64Array.from({ length: users * rank }, () => gaussian(next));
  const v = Float64Array.from({ length: items * rank }, () => gaussian(next));
  const rows: number[] = [];
  const cols: number[] = [];
  const heldOut: number[][] = [];
  const positives: Set<number>[] = [];
  for (let user = 0; user < users; user++) {
    // Gumbel top-k: the perUser largest of score + Gumbel noise are a sample without replacement.
    const keys = Array.from({ length: items }, (_, item) => {
      let s = 0;
      for (let f = 0; f < rank; f++) s += u[user * rank + f] * v[item * rank + f];
      return { item, key: 3 * s - Math.log(-Math.log(1 - next())) };
    });
    keys.sort((a, b) => b.key - a.key);
    const chosen = keys.slice(0, perUser).map((x) => x.item);
    positives.push(new Set(chosen));
    const held = chosen.filter(() => next() < 0.2);
    heldOut.push(held);
    for (const item of chosen) {
      if (held.includes(item)) continue;
      rows.push(user);
      cols.push(item);
    }
  }
  const train = csrFromCoo(users, items, Uint32Array.from(rows), Uint32Array.from(cols), {
    values: new Float32Array(rows.length).fill(5),
  });
  return { train, heldOut, positives };
}

/** Mean over users of the share of (held-out positive, non-positive) pairs ranked the right way round. */
function heldOutAuc(
  model: { userFactors: Float32Array; itemFactors: Float32Array; factors: number },
  data: ReturnType<typeof planted>,
): number {
  const { userFactors, itemFactors, factors: k } = model;
  const items = itemFactors.length / k;
  let total = 0;
  let counted = 0;
  data.heldOut.forEach((held, user) => {
    if (held.length === 0) return;
    const score = (item: number) => {
      let s = 0;
      for (let f = 0; f < k; f++) s += userFactors[user * k + f] * itemFactors[item * k + f];
      return s;
    };
    let right = 0;
    let pairs = 0;
    for (const positive of held) {
      const sp = score(positive);
      for (let item = 0; item < items; item++) {
        if (data.positives[user].has(item)) continue;
        right += sp > score(item) ? 1 : 0;
        pairs++;
      }
    }
    total += right / pairs;
    counted++;
  });
  return total / counted;
}

const base = { factors: 8, regularization: 0.1, iterations: 8, cgSteps: 3, seed: 11, threads: 1 };

describe('fitAls', () => {
  const data = planted(300, 200, 4, 30, 1);

  it('lowers the training loss every iteration and keeps factors finite', () => {
    const losses: number[] = [];
    const model = fitAls(data.train, base, { onIteration: (_, loss) => losses.push(loss) });
    expect(losses).toHaveLength(base.iterations);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1] * (1 + 1e-6));
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.99);
    expect(model.userFactors).toHaveLength(300 * 8);
    expect(model.itemFactors).toHaveLength(200 * 8);
    expect(model.userFactors.every(Number.isFinite) && model.itemFactors.every(Number.isFinite)).toBe(true);
  });

  it('recovers planted low-rank tastes: held-out positives rank far above random', () => {
    const auc = heldOutAuc(fitAls(data.train, base), data);
    expect(auc).toBeGreaterThan(0.85);
  });

  it('is deterministic for a seed and bit-identical with one or two threads', () => {
    const one = fitAls(data.train, base);
    const again = fitAls(data.train, base);
    const two = fitAls(data.train, { ...base, threads: 2 });
    expect(Buffer.from(again.userFactors.buffer).equals(Buffer.from(one.userFactors.buffer))).toBe(true);
    expect(Buffer.from(two.userFactors.buffer).equals(Buffer.from(one.userFactors.buffer))).toBe(true);
    expect(Buffer.from(two.itemFactors.buffer).equals(Buffer.from(one.itemFactors.buffer))).toBe(true);
    const otherSeed = fitAls(data.train, { ...base, seed: 12 });
    expect(Buffer.from(otherSeed.userFactors.buffer).equals(Buffer.from(one.userFactors.buffer))).toBe(false);
  });

  it('starts from the given factors and leaves them untouched', () => {
    const init = {
      userFactors: new Float32Array(300 * 8).fill(0.01),
      itemFactors: new Float32Array(200 * 8).fill(0.02),
    };
    const unchanged = fitAls(data.train, { ...base, iterations: 0 }, { init });
    expect(unchanged.userFactors).toEqual(init.userFactors);
    expect(unchanged.userFactors).not.toBe(init.userFactors);
    fitAls(data.train, base, { init });
    expect(init.itemFactors.every((x) => x === Math.fround(0.02))).toBe(true);
  });

  it('handles factor counts that are not a multiple of the SIMD width the same way', () => {
    const losses: number[] = [];
    const model = fitAls(data.train, { ...base, factors: 6 }, { onIteration: (_, loss) => losses.push(loss) });
    expect(model.userFactors).toHaveLength(300 * 6);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    expect(heldOutAuc(model, data)).toBeGreaterThan(0.8);
  });

  it('zeroes the factors of users without interactions', () => {
    const m = data.train;
    const withEmptyUser: Csr = { ...m, rows: m.rows + 1, indptr: Uint32Array.of(...m.indptr, m.indptr[m.rows]) };
    const model = fitAls(withEmptyUser, { ...base, iterations: 1 });
    expect(model.userFactors.subarray(300 * 8).every((x) => x === 0)).toBe(true);
  });

  const relativeGap = (a: Float32Array, b: Float32Array) => {
    let diff = 0;
    let norm = 0;
    for (let f = 0; f < a.length; f++) {
      diff += (a[f] - b[f]) ** 2;
      norm += b[f] ** 2;
    }
    return Math.sqrt(diff / norm);
  };
  const liked = (user: number) => data.train.indices.subarray(data.train.indptr[user], data.train.indptr[user + 1]);

  it('solves each user exactly when CG runs k steps: one iteration equals the fold-in on the starting items', () => {
    const start = fitAls(data.train, { ...base, iterations: 2 });
    const params = { ...base, iterations: 1, cgSteps: 8 };
    const model = fitAls(data.train, params, { init: start });
    for (const user of [0, 17, 123, 299]) {
      const folded = foldInUser(start.itemFactors, 8, liked(user), 5, params.regularization);
      expect(relativeGap(folded, model.userFactors.subarray(user * 8, (user + 1) * 8))).toBeLessThan(1e-3);
    }
  });

  it('after convergence, folding in a training user reproduces their trained vector', () => {
    const params = { ...base, iterations: 40 };
    const model = fitAls(data.train, params);
    for (const user of [0, 17, 123, 299]) {
      const folded = foldInUser(model.itemFactors, 8, liked(user), 5, params.regularization);
      expect(relativeGap(folded, model.userFactors.subarray(user * 8, (user + 1) * 8))).toBeLessThan(2e-2);
    }
  });

  it('refuses to be called again from its own onIteration', () => {
    const nested = () =>
      fitAls(data.train, { ...base, iterations: 1 }, { onIteration: () => fitAls(data.train, base) });
    expect(nested).toThrow(/already running/);
    expect(fitAls(data.train, { ...base, iterations: 1 }).userFactors.every(Number.isFinite)).toBe(true);
  });

  it('refuses interactions without confidences and init factors of the wrong shape', () => {
    const { values: _dropped, ...noValues } = data.train;
    expect(() => fitAls(noValues, base)).toThrow(/confidences/);
    const init = { userFactors: new Float32Array(3), itemFactors: new Float32Array(200 * 8) };
    expect(() => fitAls(data.train, base, { init })).toThrow(/expected 2400/);
  });
});
