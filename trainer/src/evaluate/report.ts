import type { CiMetric } from '@recsys/core/metrics/summary';
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
