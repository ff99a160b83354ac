import { describe, expect, it } from 'vitest';
import { bootstrapCi, mean, pairedBootstrap } from './bootstrap.ts';
import { mulberry32 } from './prng.ts';

const sample = (seed: number, n: number) => {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => random());
};

describe('bootstrap', () => {
  it('is reproducible for a fixed seed and brackets the mean', () => {
    const values = sample(1, 80);
    const a = bootstrapCi(values, { seed: 42 });
    expect(bootstrapCi(values, { seed: 42 })).toEqual(a);
    expect(bootstrapCi(values, { seed: 43 })).not.toEqual(a);
    expect(a[0]).toBeLessThan(mean(values));
    expect(a[1]).toBeGreaterThan(mean(values));
  });

  it('has roughly the normal-theory width for a mean', () => {
    const values = sample(2, 400);
    const m = mean(values);
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length);
    const [lo, hi] = bootstrapCi(values, { resamples: 2000 });
    expect((hi - lo) / (2 * 1.96 * (sd / Math.sqrt(values.length)))).toBeGreaterThan(0.85);
    expect((hi - lo) / (2 * 1.96 * (sd / Math.sqrt(values.length)))).toBeLessThan(1.15);
  });

  it('gives a zero-width interval for constant values', () => {
    const [lo, hi] = bootstrapCi(new Float64Array(10).fill(0.25));
    expect([lo, hi]).toEqual([0.25, 0.25]);
  });

  it('pairs users: a uniform lift is detected even when users vary a lot', () => {
    const baseline = sample(3, 60).map((v) => v * 10);
    const candidate = baseline.map((v) => v + 0.01);
    const paired = pairedBootstrap(candidate, baseline);
    expect(paired.difference).toBeCloseTo(0.01, 9);
    expect(paired.ci[0]).toBeCloseTo(0.01, 9);
    expect(paired.p_not_better).toBe(0);
    const same = pairedBootstrap(baseline, baseline);
    expect(same.ci).toEqual([0, 0]);
    expect(same.p_not_better).toBe(1);
  });

  it('refuses unpaired inputs', () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(/2 candidate values but 1 baseline/);
  });
});
