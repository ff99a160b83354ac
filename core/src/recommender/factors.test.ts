import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../metrics/prng.ts';
import { FactorScorer } from './factors.ts';

const random = mulberry32(11);
const factors = 5;
const items = 40;
const itemFactors = Float32Array.from({ length: items * factors }, () => random() - 0.5);
// Item 7 was never seen: a zero row, whose cosine with anything is 0, not NaN.
itemFactors.fill(0, 7 * factors, 8 * factors);
const userFactors = Float32Array.from({ length: 3 * factors }, () => random() - 0.5);
const scorer = new FactorScorer({ factors, userFactors, itemFactors });
const row = (i: number) => Array.from(itemFactors.subarray(i * factors, (i + 1) * factors));
const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const dot = (a: number[], b: number[]) => a.reduce((s, x, f) => s + x * b[f], 0);

describe('the factor scorer', () => {
  it('scores a user as the dot product of their factors with every item', () => {
    const out = new Float32Array(items);
    scorer.scoreUser(2, out);
    const user = Array.from(userFactors.subarray(2 * factors, 3 * factors));
    for (let i = 0; i < items; i++) expect(out[i]).toBeCloseTo(dot(user, row(i)), 6);
  });

  it('scores similarity as the sum over seeds of cosine(seed, item), with 0 for a zero row', () => {
    const seeds = Uint32Array.of(3, 11, 7);
    const out = new Float32Array(items);
    scorer.scoreSimilar(seeds, out);
    for (let i = 0; i < items; i++) {
      let expected = 0;
      for (const s of seeds) {
        const denominator = norm(row(s)) * norm(row(i));
        if (denominator > 0) expected += dot(row(s), row(i)) / denominator;
      }
      expect(out[i]).toBeCloseTo(expected, 6);
    }
    expect(out[7]).toBe(0);
    // A seed scores cosine 1 with itself, plus the other (non-zero) seed's term.
    expect(out[3]).toBeCloseTo(1 + dot(row(11), row(3)) / (norm(row(11)) * norm(row(3))), 6);
  });

  it('names the item index outside the catalogue', () => {
    expect(() => scorer.scoreSimilar(Uint32Array.of(items), new Float32Array(items))).toThrow(
      /item index 40 is outside the catalogue \(0\.\.39\)/,
    );
  });
});
