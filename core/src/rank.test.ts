import { describe, expect, it } from 'vitest';
import { mulberry32 } from './metrics/prng.ts';
import { topK } from './rank.ts';

const ids = (n: number) => Uint32Array.from({ length: n }, (_, i) => 1000 + i);

describe('topK', () => {
  it('returns the k highest scores, best first', () => {
    const ranked = topK(Float32Array.of(0.1, 0.9, 0.5, 0.7), 3, { movieIds: ids(4) });
    expect([...ranked.items]).toEqual([1, 3, 2]);
    expect([...ranked.scores]).toEqual([Math.fround(0.9), Math.fround(0.7), Math.fround(0.5)]);
  });

  it('orders equal scores by ascending movie id, not by index', () => {
    const movieIds = Uint32Array.of(50, 10, 40, 20, 30);
    const ranked = topK(Float32Array.of(1, 1, 2, 1, 1), 4, { movieIds });
    expect([...ranked.items]).toEqual([2, 1, 3, 4]);
  });

  it('never ranks NaN, excluded or disallowed items', () => {
    const scores = Float32Array.of(5, Number.NaN, 4, 3, 2, 1);
    const allowed = Uint8Array.of(1, 1, 1, 1, 0, 1);
    const ranked = topK(scores, 10, { movieIds: ids(6), exclude: Uint32Array.of(0), allowed });
    expect([...ranked.items]).toEqual([2, 3, 5]);
  });

  it('ranks -Infinity after every finite score and NaN never, before and after the heap fills', () => {
    const I = Number.NEGATIVE_INFINITY;
    const scores = Float32Array.of(Number.NaN, I, 3, Number.NaN, I, 2, Number.NaN);
    expect([...topK(scores.slice(), 4, { movieIds: ids(7) }).items]).toEqual([2, 5, 1, 4]);
    expect([...topK(scores.slice(), 1, { movieIds: ids(7) }).items]).toEqual([2]);
  });

  it('handles k = 0 and k larger than the candidates', () => {
    expect(topK(Float32Array.of(1, 2), 0, { movieIds: ids(2) }).items.length).toBe(0);
    expect([...topK(Float32Array.of(1, 2), 5, { movieIds: ids(2) }).items]).toEqual([1, 0]);
  });

  it('agrees with a full sort on random scores with many ties', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(random() * 300);
      const k = Math.floor(random() * 40);
      const scores = Float32Array.from({ length: n }, () => Math.floor(random() * 10));
      const movieIds = Uint32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [movieIds[i], movieIds[j]] = [movieIds[j], movieIds[i]];
      }
      const expected = Array.from(scores.keys())
        .sort((a, b) => scores[b] - scores[a] || movieIds[a] - movieIds[b])
        .slice(0, k);
      expect([...topK(scores.slice(), k, { movieIds }).items]).toEqual(expected);
    }
  });

  it('refuses a movie id table of the wrong length', () => {
    expect(() => topK(new Float32Array(3), 1, { movieIds: ids(2) })).toThrow(/3 scores but 2 movie ids/);
    expect(() => topK(new Float32Array(3), 2.5, { movieIds: ids(3) })).toThrow(/non-negative integer, got 2.5/);
  });
});
