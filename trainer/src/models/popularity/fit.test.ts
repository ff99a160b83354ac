import { describe, expect, it } from 'vitest';
import { fitPopularity } from './fit.ts';

// Ten fit events in time order.
const events = Uint32Array.of(0, 0, 0, 1, 1, 2, 2, 2, 3, 2);

describe('fitPopularity', () => {
  it('counts every fit positive for all-time popularity', () => {
    const scorer = fitPopularity(events, 5);
    expect([...scorer.scores]).toEqual([3, 2, 4, 1, 0]);
    expect(scorer.params).toEqual({ variant: 'all_time' });
  });

  it('counts only the newest share of events for trending, starting at floor((1 - window) n)', () => {
    // window 0.35: start = floor(0.65 · 10) = 6 → events 6..9 = items 2, 2, 3, 2.
    const scorer = fitPopularity(events, 5, { window: 0.35 });
    expect([...scorer.scores]).toEqual([0, 0, 3, 1, 0]);
    expect(scorer.params).toEqual({ variant: 'trending', window: 0.35 });
  });

  it('refuses a window outside (0, 1] and items outside the catalogue', () => {
    expect(() => fitPopularity(events, 5, { window: 0 })).toThrow(/window must be/);
    expect(() => fitPopularity(events, 3)).toThrow(/names item 3, outside 0..2/);
  });
});
