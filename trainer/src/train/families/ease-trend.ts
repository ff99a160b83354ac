import type { Csr } from '@recsys/core/csr';
import { BlendScorer } from '@recsys/core/recommender/blend';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { ItemKnnScorer } from '@recsys/core/recommender/item-knn';
import { easeBytes, fitEase } from '../../models/ease/fit.ts';
import { fitVelocityTrend } from '../../models/ease/trend.ts';
import type { MemoryFit, ModelFamily, Params } from '../family.ts';
import { formatBytes } from '../memory.ts';
import { windowItems } from '../window.ts';

/** The research grid of "EASE + convex velocity trend" (F3 in /work/research/FINDINGS.md), 648 candidates. */
export const EASE_TREND_AXES = {
  lambda: [50, 100, 200],
  window: [0.1, 0.15, 0.2],
  q: [0, 0.25, 0.5],
  p: [1, 1.5, 2, 3],
  weight: [0.5, 0.75, 1, 1.25, 1.5, 2],
} as const;

type Axis = keyof typeof EASE_TREND_AXES;
const AXES = Object.keys(EASE_TREND_AXES) as Axis[];

/** The research's validation winner on ml-100k: the search starts here and widens step by step. */
export const EASE_TREND_DEFAULT: Record<Axis, number> = { lambda: 100, window: 0.15, q: 0.25, p: 3, weight: 1 };

/**
 * The grid ordered by distance (in grid steps, summed over axes) from the default, ties in grid order, so
 * that a small budget tries the default and its nearest neighbours first.
 */
export function easeTrendGrid(): Params[] {
  const home = AXES.map((axis) => (EASE_TREND_AXES[axis] as readonly number[]).indexOf(EASE_TREND_DEFAULT[axis]));
  const points: { steps: number[]; distance: number; order: number }[] = [];
  const walk = (steps: number[]): void => {
    if (steps.length === AXES.length) {
      const distance = steps.reduce((sum, s, a) => sum + Math.abs(s - home[a]), 0);
      points.push({ steps, distance, order: points.length });
      return;
    }
    for (let s = 0; s < EASE_TREND_AXES[AXES[steps.length]].length; s++) walk([...steps, s]);
  };
  walk([]);
  points.sort((x, y) => x.distance - y.distance || x.order - y.order);
  return points.map(({ steps }) => Object.fromEntries(AXES.map((axis, a) => [axis, EASE_TREND_AXES[axis][steps[a]]])));
}

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
 * score(u, i) = z_u(EASE) + weight · z(trend), each z-scored over the fit catalogue (BlendScorer): the
 * personal part per user, the trend once for everybody.
 */
export const easeTrendFamily: ModelFamily = {
  name: 'ease_trend',
  candidates(budget) {
    return easeTrendGrid().slice(0, Math.max(1, budget));
  },
  withinMemory: easeWithinMemory,
  fit(window, params) {
    const maxItems = params.max_items === undefined ? Number.POSITIVE_INFINITY : Number(params.max_items);
    const ease = easeScorer(window.interactions, Number(params.lambda), maxItems);
    const trend = fitVelocityTrend(windowItems(window), window.interactions.cols, {
      window: Number(params.window),
      q: Number(params.q),
      p: Number(params.p),
    });
    const { inCatalogue } = catalogueFromFit(window.interactions, window.data.movieIds);
    return new BlendScorer(
      [
        { scorer: ease, weight: 1 },
        { scorer: trend, weight: Number(params.weight) },
      ],
      inCatalogue,
    );
  },
};
