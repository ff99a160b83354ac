import { describe, expect, it } from 'vitest';
import { CoverageCounter } from './coverage.ts';

describe('CoverageCounter', () => {
  it('counts distinct catalogue items within the depth of each list', () => {
    const catalogue = Uint8Array.of(1, 1, 1, 1, 0);
    const counter = new CoverageCounter(catalogue, 2);
    counter.add(Uint32Array.of(0, 1, 2));
    counter.add(Uint32Array.of(1, 0));
    expect(counter.value).toBe(0.5);
    counter.add(Uint32Array.of(4, 3));
    expect(counter.value).toBe(0.75);
  });
});
