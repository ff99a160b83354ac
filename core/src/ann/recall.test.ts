import { describe, expect, it } from 'vitest';
import { overlapRecall, tieAwareRecall } from './recall.ts';

const exact = { items: Uint32Array.of(0, 1, 2), similarities: Float32Array.of(0.9, 0.8, 0.7) };
const similarity: Record<number, number> = { 0: 0.9, 1: 0.8, 2: 0.7, 3: 0.7 - 1e-8, 4: 0.6 };

describe('recall of approximate neighbours', () => {
  it('counts an item tied with the k-th best as found, but not a worse one', () => {
    expect(overlapRecall(Uint32Array.of(0, 1, 3), exact.items)).toBeCloseTo(2 / 3);
    expect(tieAwareRecall(Uint32Array.of(0, 1, 3), exact, (i) => similarity[i])).toBe(1);
    expect(tieAwareRecall(Uint32Array.of(0, 1, 4), exact, (i) => similarity[i])).toBeCloseTo(2 / 3);
    expect(tieAwareRecall(Uint32Array.of(0), exact, (i) => similarity[i])).toBeCloseTo(1 / 3);
  });
});
