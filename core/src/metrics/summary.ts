import { type BootstrapOptions, bootstrapCi, mean } from './bootstrap.ts';
import { CI_METRICS, USER_METRICS, type UserMetric } from './keys.ts';
import type { UserMetricColumns } from './ranking.ts';

export type CiMetric = (typeof CI_METRICS)[number];

/** Means over evaluated users, with a bootstrap CI beside the metrics PROTOCOL.md step 8 names. */
export interface MetricSummary {
  users: number;
  metrics: Record<UserMetric, number>;
  ci: Record<CiMetric, [number, number]>;
}

export function summarize(columns: UserMetricColumns, options: BootstrapOptions = {}): MetricSummary {
  const metrics = {} as Record<UserMetric, number>;
  for (const key of USER_METRICS) metrics[key] = mean(columns[key]);
  const ci = {} as Record<CiMetric, [number, number]>;
  for (const key of CI_METRICS) ci[key] = bootstrapCi(columns[key], options);
  return { users: columns.mrr.length, metrics, ci };
}
