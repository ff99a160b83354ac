import { PopularityScorer } from '@recsys/core/recommender/popularity';

export interface PopularityFitParams {
  /** Count only the newest `window` share of the fit interactions (trending); omit for all-time counts. */
  window?: number;
}

/**
 * Popularity from the fit interactions in time order (`fitItems[e]` = item of the e-th oldest fit event):
 * all-time positive counts, or counts over the newest `window` share of the events — the same position
 * rule as the split, so window 0.15 starts at floor(0.85 n).
 */
export function fitPopularity(
  fitItems: Uint32Array,
  items: number,
  params: PopularityFitParams = {},
): PopularityScorer {
  const { window } = params;
  if (window !== undefined && !(window > 0 && window <= 1)) {
    throw new Error(`popularity: window must be a share of the fit interactions in (0, 1], got ${window}`);
  }
  const n = fitItems.length;
  const start = window === undefined ? 0 : Math.floor((1 - window) * n);
  const counts = new Float32Array(items);
  for (let e = start; e < n; e++) {
    const item = fitItems[e];
    if (item >= items) throw new RangeError(`popularity: event ${e} names item ${item}, outside 0..${items - 1}`);
    counts[item]++;
  }
  return new PopularityScorer(counts, window === undefined ? { variant: 'all_time' } : { variant: 'trending', window });
}
