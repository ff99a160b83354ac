import { PopularityScorer } from '@recsys/core/recommender/popularity';

export interface VelocityTrendParams {
  /** Newest share of the fit interactions counted as "recent"; the window starts at floor((1 − window) n). */
  window: number;
  /** Velocity exponent q: recent counts are divided by all-time count^q, so long-time favourites boost less. */
  q: number;
  /** Convexity p: t = (recent / all^q)^p; p > 1 leaves a large boost to the few currently hot items only. */
  p: number;
}

/**
 * The trend term of EASE + velocity trend: t(i) = (c_win(i) / max(c_all(i), 1)^q)^p over the fit events
 * in time order (`fitItems[e]` = item of the e-th oldest), as one score vector for everybody.
 */
export function fitVelocityTrend(fitItems: Uint32Array, items: number, params: VelocityTrendParams): PopularityScorer {
  const { window, q, p } = params;
  if (!(window > 0 && window <= 1)) {
    throw new Error(`velocity trend: window must be a share of the fit interactions in (0, 1], got ${window}`);
  }
  if (!(q >= 0) || !(p > 0)) throw new Error(`velocity trend: expected q >= 0 and p > 0, got q ${q}, p ${p}`);
  const n = fitItems.length;
  const start = Math.floor((1 - window) * n);
  const recent = new Float64Array(items);
  const all = new Float64Array(items);
  for (let e = 0; e < n; e++) {
    const item = fitItems[e];
    if (item >= items) throw new RangeError(`velocity trend: event ${e} names item ${item}, outside 0..${items - 1}`);
    all[item]++;
    if (e >= start) recent[item]++;
  }
  const scores = new Float32Array(items);
  for (let i = 0; i < items; i++) scores[i] = (recent[i] / Math.max(all[i], 1) ** q) ** p;
  return new PopularityScorer(scores, { variant: 'trending', window });
}
