import type { Csr } from '@recsys/core/csr';
import { userActivity } from '@recsys/core/recommender/activity';
import { BlendScorer } from '@recsys/core/recommender/blend';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { ItemKnnScorer } from '@recsys/core/recommender/item-knn';
import { easeBytes, fitEase } from '../../models/ease/fit.ts';
import { fitVelocityTrend } from '../../models/ease/trend.ts';
import type { MemoryFit, ModelFamily, Params, Tradeoff } from '../family.ts';
import { formatBytes } from '../memory.ts';
import { type SearchSpace, sampleSpace } from '../space.ts';
import type { FitWindow } from '../window.ts';
import { windowItems } from '../window.ts';

/**
 * EASE + trend: λ on a log grid from 10 to 10⁴ (a grid, so candidates share one EASE fit per λ), the trend's
 * window, velocity q, convexity p, and its weight from "barely there" (0.02) to "the trend decides" (2).
 */
export const EASE_TREND_SPACE: SearchSpace = {
  axes: {
    lambda: { values: [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] },
    window: { linear: [0.05, 0.3], step: 0.05 },
    q: { linear: [0, 1], step: 0.25 },
    p: { values: [1, 1.5, 2, 3, 4] },
    weight: { log: [0.02, 2] },
  },
  start: { lambda: 100, window: 0.15, q: 0.5, p: 2, weight: 0.25 },
};

/** The same, with the trend weighted by each user's own recent activity (half-life in days, 7 to 365). */
export const EASE_ACTIVE_TREND_SPACE: SearchSpace = {
  axes: { ...EASE_TREND_SPACE.axes, half_life_days: { log: [7, 365] } },
  start: { ...EASE_TREND_SPACE.start, weight: 0.5, half_life_days: 60 },
};

// The search's seed: the same candidates for the same budget on every run.
const SEED = 15;

/**
 * The most items EASE's gramian takes whatever the memory: inverting it costs about n³/2 multiply-adds per λ
 * (6,000 items: 1.1e11, a few minutes on one core). A larger catalogue's tail gets its score from the trend.
 */
export const EASE_MAX_ITEMS = 6_000;
/** Below this many items a bounded EASE is no longer the model the family stands for: skip it instead. */
const EASE_MIN_ITEMS = 500;

// EASE depends on the window, lambda and the item bound only: fitted once and shared by every candidate that
// differs in the trend.
const easeCache = new WeakMap<Csr, Map<string, ItemKnnScorer>>();

function easeScorer(interactions: Csr, lambda: number, maxItems: number): ItemKnnScorer {
  let byKey = easeCache.get(interactions);
  if (!byKey) {
    byKey = new Map();
    easeCache.set(interactions, byKey);
  }
  const key = `${lambda}/${maxItems}`;
  let scorer = byKey.get(key);
  if (!scorer) {
    scorer = new ItemKnnScorer(fitEase(interactions, lambda, maxItems).neighbours, interactions, { neighbours: null });
    byKey.set(key, scorer);
  }
  return scorer;
}

/** EASE over the whole catalogue when it fits the budget and EASE_MAX_ITEMS, else over its most popular items. */
export function easeWithinMemory(window: { interactions: Csr }, params: Params, bytes: number): MemoryFit {
  const catalogue = new Uint8Array(window.interactions.cols);
  for (const item of window.interactions.indices) catalogue[item] = 1;
  const items = catalogue.reduce((n, x) => n + x, 0);
  const affordable = Math.floor(Math.sqrt(bytes / easeBytes(1)));
  const bound = Math.min(items, affordable, EASE_MAX_ITEMS);
  if (bound < Math.min(items, EASE_MIN_ITEMS)) {
    return {
      reason: `EASE over even ${EASE_MIN_ITEMS} items needs ${formatBytes(easeBytes(EASE_MIN_ITEMS))}, over the ${formatBytes(bytes)} memory budget`,
    };
  }
  return { params: bound < items ? { ...params, max_items: bound } : params, bytes: easeBytes(bound) };
}

/**
 * score(u, i) = z_u(EASE) + weight · a_u · z(trend), each z-scored over the fit catalogue (BlendScorer): the
 * personal part per user, the trend t(i) = (recent count / all-time count^q)^p once for everybody, and a_u = 1,
 * or the user's recent activity when the candidate names a half-life.
 */
export function fitEaseTrend(window: FitWindow, params: Params): BlendScorer {
  const maxItems = params.max_items === undefined ? Number.POSITIVE_INFINITY : Number(params.max_items);
  const ease = easeScorer(window.interactions, Number(params.lambda), maxItems);
  const trend = fitVelocityTrend(windowItems(window), window.interactions.cols, {
    window: Number(params.window),
    q: Number(params.q),
    p: Number(params.p),
  });
  const { inCatalogue } = catalogueFromFit(window.interactions, window.data.movieIds);
  const halfLife = params.half_life_days;
  const activity = typeof halfLife === 'number' ? userActivity(window.interactions, halfLife) : undefined;
  return new BlendScorer(
    [
      { scorer: ease, weight: 1 },
      { scorer: trend, weight: Number(params.weight), byActivity: activity !== undefined },
    ],
    inCatalogue,
    activity,
  );
}

/** The trend's weight buys accuracy with alike lists: the search walks it to the Jaccard limit. */
const WEIGHT_TRADEOFF: Tradeoff = { param: 'weight', range: [0.02, 2], steps: 4 };

function trendFamily(name: string, space: SearchSpace): ModelFamily {
  return {
    name,
    candidates: (budget) => sampleSpace(space, budget, SEED),
    withinMemory: easeWithinMemory,
    fit: fitEaseTrend,
    defaultBudget: 16,
    defaultFolds: 3,
    tradeoff: WEIGHT_TRADEOFF,
  };
}

export const easeTrendFamily = trendFamily('ease_trend', EASE_TREND_SPACE);
export const easeActiveTrendFamily = trendFamily('ease_active_trend', EASE_ACTIVE_TREND_SPACE);
