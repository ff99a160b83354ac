import { describe, expect, it } from 'vitest';
import { fitVelocityTrend } from './trend.ts';

// Ten fit events in time order; window 0.4 starts at floor(0.6 · 10) = 6 → events 6..9 = items 2, 2, 3, 2.
const events = Uint32Array.of(0, 0, 0, 1, 2, 2, 2, 2, 3, 2);

describe('fitVelocityTrend', () => {
  it('is (recent / all^q)^p, zero for items not seen in the window', () => {
    const trend = fitVelocityTrend(events, 5, { window: 0.4, q: 0.5, p: 2 });
    // item 2: 3 recent of 5 → (3 / √5)² = 9 / 5; item 3: 1 of 1 → 1.
    expect(trend.scores[0]).toBe(0);
    expect(trend.scores[1]).toBe(0);
    expect(trend.scores[2]).toBeCloseTo(9 / 5, 6);
    expect(trend.scores[3]).toBeCloseTo(1, 6);
    expect(trend.scores[4]).toBe(0);
    expect(trend.params).toEqual({ variant: 'trending', window: 0.4 });
  });

  it('with q = 0 and p = 1 is the trending count', () => {
    const trend = fitVelocityTrend(events, 5, { window: 0.4, q: 0, p: 1 });
    expect([...trend.scores]).toEqual([0, 0, 3, 1, 0]);
  });

  it('refuses a bad window, exponents or an item outside the catalogue', () => {
    expect(() => fitVelocityTrend(events, 5, { window: 0, q: 0, p: 1 })).toThrow(/window must be/);
    expect(() => fitVelocityTrend(events, 5, { window: 0.5, q: -1, p: 1 })).toThrow(/q >= 0 and p > 0/);
    expect(() => fitVelocityTrend(events, 3, { window: 0.5, q: 0, p: 1 })).toThrow(/names item 3, outside 0..2/);
  });
});
