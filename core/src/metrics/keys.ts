/** Cut-offs reported for precision, recall, NDCG and hit rate (PROTOCOL.md step 7). */
export const CUTOFFS = [5, 10, 20] as const;
/** MRR and Recall@100 look this deep; coverage is measured over lists this long too. */
export const DEPTH = 100;

/** Per-user metric names, averaged over evaluated users. */
export const USER_METRICS = [
  'precision@5',
  'precision@10',
  'precision@20',
  'recall@5',
  'recall@10',
  'recall@20',
  'ndcg@5',
  'ndcg@10',
  'ndcg@20',
  'hit_rate@5',
  'hit_rate@10',
  'hit_rate@20',
  'mrr',
  'recall@100',
] as const;
export type UserMetric = (typeof USER_METRICS)[number];

/** Metrics over a set of ranked lists rather than per user. */
export const LIST_METRICS = ['coverage@100', 'coverage@20'] as const;
export type ListMetric = (typeof LIST_METRICS)[number];

/** The metrics reported with a bootstrap CI (PROTOCOL.md step 8). */
export const CI_METRICS = ['ndcg@10', 'recall@20'] as const satisfies readonly UserMetric[];
