import { CUTOFFS, DEPTH, USER_METRICS, type UserMetric } from './keys.ts';

/** Per-user metric values as columns: `columns[metric][u]` for evaluated user u (0-based in the slice). */
export type UserMetricColumns = Record<UserMetric, Float64Array>;

export function metricColumns(users: number): UserMetricColumns {
  const columns = {} as UserMetricColumns;
  for (const key of USER_METRICS) columns[key] = new Float64Array(users);
  return columns;
}

/**
 * Scores one user's ranked list against their held-out items (PROTOCOL.md step 7) into row `at` of
 * `columns`. `relevant` is every held-out item, including items no model can rank (absent from the fit
 * catalogue): they count in |relevant| as unavoidable misses. Duplicates in `relevant` count once.
 */
export function scoreUserRanking(
  ranked: Uint32Array,
  relevant: Uint32Array,
  columns: UserMetricColumns,
  at: number,
): void {
  const truth = new Set<number>(relevant);
  const relevantCount = truth.size;
  if (relevantCount === 0) {
    throw new Error('scoreUserRanking: a user with no held-out items cannot be evaluated; select users with ≥ 1 first');
  }
  const depth = Math.min(ranked.length, DEPTH);
  let hits = 0;
  let dcg = 0;
  let firstHit = 0;
  let cutoff = 0;
  for (let r = 0; r < DEPTH; r++) {
    if (r < depth && truth.has(ranked[r])) {
      hits++;
      if (r < CUTOFFS[CUTOFFS.length - 1]) dcg += 1 / Math.log2(r + 2);
      if (firstHit === 0) firstHit = r + 1;
    }
    if (cutoff < CUTOFFS.length && r + 1 === CUTOFFS[cutoff]) {
      const k = CUTOFFS[cutoff];
      columns[`precision@${k}` as UserMetric][at] = hits / k;
      columns[`recall@${k}` as UserMetric][at] = hits / relevantCount;
      columns[`ndcg@${k}` as UserMetric][at] = dcg / idealDcg(Math.min(relevantCount, k));
      columns[`hit_rate@${k}` as UserMetric][at] = hits > 0 ? 1 : 0;
      cutoff++;
    }
  }
  columns.mrr[at] = firstHit > 0 ? 1 / firstHit : 0;
  columns['recall@100'][at] = hits / relevantCount;
}

/** DCG of a perfect list with `count` relevant items on top (binary gains). */
export function idealDcg(count: number): number {
  let sum = 0;
  for (let r = 0; r < count; r++) sum += 1 / Math.log2(r + 2);
  return sum;
}
