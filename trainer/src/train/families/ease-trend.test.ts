import { csrFromCoo } from '@recsys/core/csr';
import { describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../../data/dataset.ts';
import { fitEase } from '../../models/ease/fit.ts';
import type { FitWindow } from '../window.ts';
import { EASE_TREND_AXES, EASE_TREND_DEFAULT, easeTrendFamily, easeTrendGrid } from './ease-trend.ts';

const USERS = 12;
const ITEMS = 8; // item 7 never appears: outside the catalogue

/** A synthetic window: events in time order, users × items CSR built from them. */
function syntheticWindow(): FitWindow {
  const user: number[] = [];
  const item: number[] = [];
  let state = 5;
  for (let u = 0; u < USERS; u++) {
    for (let i = 0; i < ITEMS - 1; i++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      if (state / 2147483648 < 0.45 || (u + i) % 7 === 0) {
        user.push(u);
        item.push(i);
      }
    }
  }
  // Shuffle into a "time" order deterministically so the newest share mixes users.
  const order = user.map((_, e) => e).sort((a, b) => ((a * 37) % 101) - ((b * 37) % 101));
  const events = {
    user: Uint32Array.from(order.map((e) => user[e])),
    item: Uint32Array.from(order.map((e) => item[e])),
  };
  const interactions = csrFromCoo(USERS, ITEMS, events.user, events.item);
  const data = {
    events,
    movieIds: Uint32Array.from({ length: ITEMS }, (_, i) => 100 + i),
  } as unknown as PreparedDataset;
  return { name: 'train', data, interactions, events: events.item.length, cutoff: 0 };
}

function zScores(values: number[], over: boolean[]): number[] {
  const kept = values.filter((_, i) => over[i]);
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  const std = Math.sqrt(kept.reduce((a, b) => a + (b - mean) ** 2, 0) / kept.length);
  return values.map((v) => (v - mean) / std);
}

describe('easeTrendFamily', () => {
  it('scores a user as z_u(X_u B) + weight · z(trend), both z-scores over the fit catalogue', async () => {
    const window = syntheticWindow();
    const params = { lambda: 3, window: 0.4, q: 0.5, p: 2, weight: 1.25 };
    const scorer = await easeTrendFamily.fit(window, params);
    expect(scorer.kind).toBe('blend');

    const { neighbours } = fitEase(window.interactions, params.lambda);
    const inCatalogue = Array.from({ length: ITEMS }, (_, i) => i < ITEMS - 1);
    const n = window.events;
    const start = Math.floor((1 - params.window) * n);
    const recent = new Array<number>(ITEMS).fill(0);
    const all = new Array<number>(ITEMS).fill(0);
    for (let e = 0; e < n; e++) {
      all[window.data.events.item[e]]++;
      if (e >= start) recent[window.data.events.item[e]]++;
    }
    const trend = recent.map((c, i) => (c / Math.max(all[i], 1) ** params.q) ** params.p);
    const trendZ = zScores(trend, inCatalogue);

    const out = new Float32Array(ITEMS);
    for (let u = 0; u < USERS; u++) {
      const personal = new Array<number>(ITEMS).fill(0);
      for (let e = window.interactions.indptr[u]; e < window.interactions.indptr[u + 1]; e++) {
        const liked = window.interactions.indices[e];
        for (let k = neighbours.indptr[liked]; k < neighbours.indptr[liked + 1]; k++) {
          personal[neighbours.indices[k]] += neighbours.similarities[k];
        }
      }
      const personalZ = zScores(personal, inCatalogue);
      scorer.scoreUser(u, out);
      for (let i = 0; i < ITEMS - 1; i++) expect(out[i]).toBeCloseTo(personalZ[i] + params.weight * trendZ[i], 4);
    }
  });

  it('fits EASE once per window and lambda: candidates differing in the trend share it', async () => {
    const window = syntheticWindow();
    const a = await easeTrendFamily.fit(window, { lambda: 3, window: 0.4, q: 0, p: 1, weight: 1 });
    const b = await easeTrendFamily.fit(window, { lambda: 3, window: 0.2, q: 0.5, p: 3, weight: 2 });
    const c = await easeTrendFamily.fit(window, { lambda: 4, window: 0.2, q: 0.5, p: 3, weight: 2 });
    const easePart = (s: unknown) => (s as { parts: { scorer: unknown }[] }).parts[0].scorer;
    expect(easePart(a)).toBe(easePart(b));
    expect(easePart(c)).not.toBe(easePart(a));
  });
});

describe('easeTrendGrid', () => {
  it('holds the whole research grid once, the default first and its one-step neighbours next', () => {
    const grid = easeTrendGrid();
    const size = Object.values(EASE_TREND_AXES).reduce((n, axis) => n * axis.length, 1);
    expect(grid.length).toBe(size);
    expect(new Set(grid.map((c) => JSON.stringify(c))).size).toBe(size);
    expect(grid[0]).toEqual(EASE_TREND_DEFAULT);
    // Nine one-step neighbours (λ, window, q: two each; p: one; weight: two).
    for (const candidate of grid.slice(1, 10)) {
      const changed = Object.keys(EASE_TREND_DEFAULT).filter(
        (k) => candidate[k] !== EASE_TREND_DEFAULT[k as keyof typeof EASE_TREND_DEFAULT],
      );
      expect(changed.length).toBe(1);
    }
  });

  it('offers at most the budget, and at least the default', () => {
    expect(easeTrendFamily.candidates(8)).toEqual(easeTrendGrid().slice(0, 8));
    expect(easeTrendFamily.candidates(0)).toEqual([EASE_TREND_DEFAULT]);
    expect(easeTrendFamily.candidates(10_000).length).toBe(648);
  });
});
