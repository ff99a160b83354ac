import type { Csr } from '@recsys/core/csr';
import { BlendScorer } from '@recsys/core/recommender/blend';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { ItemKnnScorer } from '@recsys/core/recommender/item-knn';
import { fitEase } from '../../models/ease/fit.ts';
import { fitVelocityTrend } from '../../models/ease/trend.ts';
import type { ModelFamily, Params } from '../family.ts';
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

// EASE depends on the window and lambda only: fitted once and shared by every candidate that differs in the trend.
const easeCache = new WeakMap<Csr, Map<number, ItemKnnScorer>>();

function easeScorer(interactions: Csr, lambda: number): ItemKnnScorer {
  let byLambda = easeCache.get(interactions);
  if (!byLambda) {
    byLambda = new Map();
    easeCache.set(interactions, byLambda);
  }
  let scorer = byLambda.get(lambda);
  if (!scorer) {
    scorer = new ItemKnnScorer(fitEase(interactions, lambda).neighbours, interactions, { neighbours: null });
    byLambda.set(lambda, scorer);
  }
  return scorer;
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
  fit(window, params) {
    const ease = easeScorer(window.interactions, Number(params.lambda));
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
