import { USER_METRICS } from '@recsys/core/metrics/keys';
import { metricColumns } from '@recsys/core/metrics/ranking';
import { type CiMetric, summarize } from '@recsys/core/metrics/summary';
import type { Evaluation, SliceEvaluation } from './evaluate.ts';

/** One slice as the manifest and `--json` carry it: metric → value, plus `ci` for NDCG@10 and Recall@20. */
export interface FlatMetrics {
  [metric: string]: number | Record<CiMetric, [number, number]>;
  ci: Record<CiMetric, [number, number]>;
}

/**
 * The warm slice with the list metrics beside it: coverage@100 / coverage@20 and the beyond-accuracy metrics,
 * measured over the lists of every user with fit history.
 */
export function warmMetrics(evaluation: Evaluation): FlatMetrics {
  return { ...sliceMetrics(evaluation.warm), ...evaluation.coverage, ...evaluation.beyond };
}

/** Any slice's means and CIs, without coverage (the cold slice's lists are one popularity list). */
export function sliceMetrics(slice: SliceEvaluation): FlatMetrics {
  return { ...slice.metrics, users: slice.users, ci: slice.ci };
}

/**
 * Several evaluations of one candidate (rolling-origin folds, seeds) as one slice: the user metrics pooled over
 * every (evaluation, warm user) pair, with their CIs; the list metrics averaged over the evaluations.
 */
export function pooledMetrics(evaluations: readonly Evaluation[]): FlatMetrics {
  if (evaluations.length === 1) return warmMetrics(evaluations[0]);
  const columns = metricColumns(evaluations.reduce((n, e) => n + e.warm.users, 0));
  let at = 0;
  for (const { warm } of evaluations) {
    for (const key of USER_METRICS) columns[key].set(warm.perUser[key], at);
    at += warm.users;
  }
  const lists: Record<string, number> = {};
  for (const evaluation of evaluations) {
    for (const [key, value] of Object.entries({ ...evaluation.coverage, ...evaluation.beyond })) {
      lists[key] = (lists[key] ?? 0) + value / evaluations.length;
    }
  }
  const pooled = summarize(columns);
  return { ...pooled.metrics, users: pooled.users, ci: pooled.ci, ...lists };
}
