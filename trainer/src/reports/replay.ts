import type { EventRow } from '@recsys/core/logs/event-log';
import type { RequestLogRow } from '@recsys/core/logs/request-log';

export interface ReplayOptions {
  /** How long after a request (from its `as_of`) an interaction still counts for it. */
  windowMs: number;
  /** Cut-off of realised Precision@K and Hit Rate; the CTR proxy counts every item shown. */
  k?: number;
  /** Interactions with at least this rating count (the protocol's positives: 4). */
  minRating?: number;
}

export interface ReplayGroup {
  key: string;
  requests: number;
  /** Mean over requests of |top-K ∩ later interactions| / K. */
  precision_at_k: number;
  /** Share of requests with at least one of the top K later interacted with. */
  hit_rate: number;
  /** Recommended items later interacted with / items recommended (pooled over requests). */
  ctr_proxy: number;
  impressions: number;
  clicks: number;
}

export interface ReplayResult {
  window_ms: number;
  k: number;
  min_rating: number;
  requests_logged: number;
  /** Answered lists with no user to follow (e.g. /similar): not scored. */
  unattributable: number;
  overall: ReplayGroup;
  by_model_version: ReplayGroup[];
  by_endpoint: ReplayGroup[];
  by_source: ReplayGroup[];
}

interface Scored {
  row: RequestLogRow;
  hitsAtK: number;
  clicks: number;
  shown: number;
}

/** Each user's interaction times (ms, ascending) and movies, for a window lookup by binary search. */
function interactionsByUser(
  events: readonly EventRow[],
  minRating: number,
): Map<number, { at: number[]; movie: number[] }> {
  const byUser = new Map<number, { time: number; movie: number }[]>();
  for (const e of events) {
    if (e.rating < minRating) continue;
    let list = byUser.get(e.user_id);
    if (!list) byUser.set(e.user_id, (list = []));
    list.push({ time: e.timestamp * 1000, movie: e.movie_id });
  }
  const out = new Map<number, { at: number[]; movie: number[] }>();
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.time - b.time);
    out.set(user, { at: list.map((x) => x.time), movie: list.map((x) => x.movie) });
  }
  return out;
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function summarise(key: string, scored: readonly Scored[], k: number): ReplayGroup {
  let precision = 0;
  let hits = 0;
  let impressions = 0;
  let clicks = 0;
  for (const s of scored) {
    precision += s.hitsAtK / k;
    if (s.hitsAtK > 0) hits++;
    impressions += s.shown;
    clicks += s.clicks;
  }
  const n = scored.length;
  return {
    key,
    requests: n,
    precision_at_k: n ? precision / n : 0,
    hit_rate: n ? hits / n : 0,
    ctr_proxy: impressions ? clicks / impressions : 0,
    impressions,
    clicks,
  };
}

function groups(scored: readonly Scored[], key: (s: Scored) => string, k: number): ReplayGroup[] {
  const byKey = new Map<string, Scored[]>();
  for (const s of scored) {
    const name = key(s);
    let list = byKey.get(name);
    if (!list) byKey.set(name, (list = []));
    list.push(s);
  }
  return [...byKey].sort(([a], [b]) => a.localeCompare(b)).map(([name, list]) => summarise(name, list, k));
}

/**
 * Offline replay (R22): each logged recommendation list is joined with what its user interacted with in
 * [as_of, as_of + window) — the simulator asks at the moment of the real interaction, so that one counts.
 */
export function replay(
  requests: readonly RequestLogRow[],
  events: readonly EventRow[],
  options: ReplayOptions,
): ReplayResult {
  const k = options.k ?? 10;
  const minRating = options.minRating ?? 4;
  const byUser = interactionsByUser(events, minRating);
  const scored: Scored[] = [];
  let unattributable = 0;
  for (const row of requests) {
    if (row.status !== 200 || !row.recommendations || row.recommendations.length === 0) continue;
    if (row.user_id === null) {
      unattributable++;
      continue;
    }
    const later = new Set<number>();
    const history = byUser.get(row.user_id);
    if (history) {
      const end = row.as_of + options.windowMs;
      for (let i = lowerBound(history.at, row.as_of); i < history.at.length && history.at[i] < end; i++) {
        later.add(history.movie[i]);
      }
    }
    let hitsAtK = 0;
    let clicks = 0;
    row.recommendations.forEach((movie, rank) => {
      if (!later.has(movie)) return;
      clicks++;
      if (rank < k) hitsAtK++;
    });
    scored.push({ row, hitsAtK, clicks, shown: row.recommendations.length });
  }
  return {
    window_ms: options.windowMs,
    k,
    min_rating: minRating,
    requests_logged: requests.length,
    unattributable,
    overall: summarise('all', scored, k),
    by_model_version: groups(scored, (s) => s.row.model_version ?? 'unknown', k),
    by_endpoint: groups(scored, (s) => s.row.endpoint, k),
    by_source: groups(scored, (s) => (s.row.is_fallback ? 'fallback' : 'personalised'), k),
  };
}
