import { csrFromCoo } from '@recsys/core/csr';
import type { BlendScorer } from '@recsys/core/recommender/blend';
import { describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../../data/dataset.ts';
import { fitEase } from '../../models/ease/fit.ts';
import type { FitWindow } from '../window.ts';
import { EASE_TREND_SPACE, easeActiveTrendFamily, easeTrendFamily } from './ease-trend.ts';

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
  // One event a day, in order: the newest is the window's "now".
  const times = Float64Array.from(order, (_, e) => e * 86_400);
  const interactions = csrFromCoo(USERS, ITEMS, events.user, events.item, { times });
  const data = {
    events,
    movieIds: Uint32Array.from({ length: ITEMS }, (_, i) => 100 + i),
  } as unknown as PreparedDataset;
  return { name: 'train', data, interactions, events: events.item.length, cutoff: 0, heldOut: interactions };
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

describe('the EASE + trend search spaces', () => {
  it('start from a personal-first model and reach from a faint trend to one that decides', () => {
    const candidates = easeTrendFamily.candidates(40);
    expect(candidates[0]).toEqual(EASE_TREND_SPACE.start);
    const weights = candidates.map((c) => Number(c.weight));
    expect(Math.min(...weights)).toBeLessThan(0.1);
    expect(Math.max(...weights)).toBeGreaterThan(1);
    const lambdas = new Set(candidates.map((c) => c.lambda));
    expect(lambdas.has(10) || lambdas.has(20)).toBe(true);
    expect(lambdas.has(5000) || lambdas.has(10_000)).toBe(true);
  });

  it('weights the trend by activity only in the active family', async () => {
    const window = syntheticWindow();
    const active = easeActiveTrendFamily.candidates(5);
    expect(active.every((c) => typeof c.half_life_days === 'number')).toBe(true);
    expect(easeTrendFamily.candidates(5).some((c) => 'half_life_days' in c)).toBe(false);
    const scorer = (await easeActiveTrendFamily.fit(window, active[0])) as BlendScorer;
    expect(scorer.parts.map((p) => p.byActivity === true)).toEqual([false, true]);
    expect(scorer.activity?.halfLifeDays).toBe(active[0].half_life_days);
  });
});
