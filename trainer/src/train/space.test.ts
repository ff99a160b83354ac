import { describe, expect, it } from 'vitest';
import { type SearchSpace, sampleSpace } from './space.ts';

const space: SearchSpace = {
  axes: {
    lambda: { values: [10, 100, 1000] },
    weight: { log: [0.01, 10] },
    window: { linear: [0.1, 0.3], step: 0.1 },
    factors: { log: [16, 256], integer: true },
  },
  fixed: { iterations: 15 },
  start: { lambda: 100, weight: 0.5, window: 0.2, factors: 32 },
};

describe('sampleSpace', () => {
  it('tries the start first, then seeded draws inside every axis, without repeats', () => {
    const candidates = sampleSpace(space, 50, 7);
    expect(candidates[0]).toEqual({ ...space.start, iterations: 15 });
    expect(candidates.length).toBe(50);
    expect(new Set(candidates.map((c) => JSON.stringify(c))).size).toBe(50);
    for (const c of candidates) {
      expect([10, 100, 1000]).toContain(c.lambda);
      expect(c.weight as number).toBeGreaterThanOrEqual(0.01);
      expect(c.weight as number).toBeLessThanOrEqual(10);
      expect([0.1, 0.2, 0.3]).toContain(c.window);
      expect(Number.isInteger(c.factors)).toBe(true);
      expect(c.iterations).toBe(15);
    }
  });

  it('draws log axes log-uniformly: each decade of the weight gets about a third of the draws', () => {
    const weights = sampleSpace(space, 600, 3).map((c) => c.weight as number);
    const share = (low: number, high: number) => weights.filter((w) => w >= low && w < high).length / weights.length;
    for (const [low, high] of [
      [0.01, 0.1],
      [0.1, 1],
      [1, 10],
    ]) {
      expect(share(low, high)).toBeGreaterThan(0.25);
      expect(share(low, high)).toBeLessThan(0.42);
    }
  });

  it('gives the same candidates for the same seed, and stops at the size of a discrete space', () => {
    expect(sampleSpace(space, 20, 1)).toEqual(sampleSpace(space, 20, 1));
    expect(sampleSpace(space, 20, 1)).not.toEqual(sampleSpace(space, 20, 2));
    const small: SearchSpace = {
      axes: { a: { values: [1, 2] }, b: { values: [true, false] } },
      start: { a: 1, b: true },
    };
    expect(sampleSpace(small, 10, 1).length).toBe(4);
    expect(sampleSpace(small, 1, 1)).toEqual([{ a: 1, b: true }]);
  });
});
