import { type ManifestInput, type MetricSet, metricSet } from '@recsys/core/bundle/manifest';
import { type WrittenBundle, writeBundle } from '@recsys/core/bundle/writer';
import { FALLBACK_PREFIX, GATE_PREFIX, MODEL_FILES, prefixed, prefixedScorerFiles } from '@recsys/core/model-files';
import { ANN_FILES, annFiles } from '@recsys/core/recommender/approximate';
import { ATTRIBUTE_FILES, recommenderFiles } from '@recsys/core/recommender/load';
import type { Recommender } from '@recsys/core/recommender/recommender';
import type { Scorer } from '@recsys/core/recommender/scorer';
import type { FlatMetrics } from '../evaluate/report.ts';
import type { Params } from './family.ts';
import { type FitWindow, isoTime } from './window.ts';

/** A fitted recommender on one window with its cold-start fallback. */
export interface FittedModel {
  window: FitWindow;
  recommender: Recommender;
  fallback: Scorer;
}

export interface ExportInput {
  store: string;
  modelName: string;
  family: string;
  params: Params;
  /** Fit on train + validation, knowing every interaction up to `historyCutoff`: what serving answers with. */
  serve: FittedModel;
  /** Time of the newest interaction the served model knows its users by, epoch seconds. */
  historyCutoff: number;
  /** Fit on train only: what the promotion gate scores (its cutoff precedes validation). */
  gate: FittedModel;
  metrics: { validation: FlatMetrics; test?: FlatMetrics; cold?: FlatMetrics };
  testScoredFor: { fingerprint: string; config_key: string } | null;
  parentVersion: string | null;
  extra: Record<string, unknown>;
}

/**
 * Writes the winner as one bundle (ARCHITECTURE.md): the serving recommender and its serving tables, the
 * cold-start fallback, the train-only fit for the gate, and for a factor model the usearch indexes serving answers
 * from on a large catalogue (cosine for /similar, inner product for /recommend). The writer makes it atomic and
 * verifiable.
 */
export async function exportBundle(input: ExportInput): Promise<WrittenBundle> {
  const { serve, gate } = input;
  const data = serve.window.data;
  const files: Record<string, unknown> = {
    ...recommenderFiles(serve.recommender),
    ...prefixedScorerFiles(serve.fallback, FALLBACK_PREFIX),
    ...servingTables(serve.window),
    ...prefixed(withoutAttributes(recommenderFiles(gate.recommender)), GATE_PREFIX),
    ...prefixedScorerFiles(gate.fallback, GATE_PREFIX + FALLBACK_PREFIX),
  };
  const indexes = annFiles(serve.recommender.scorer);
  Object.assign(files, indexes);
  const manifest: ManifestInput = {
    model_type: input.family,
    params: input.params,
    dataset: {
      fingerprint: data.manifest.fingerprint,
      cutoffs: {
        data_start: isoTime(data.events.time[0]),
        validation: data.manifest.cutoffs.validation,
        test: data.manifest.cutoffs.test,
        train_end: isoTime(gate.window.cutoff),
        fit_end: isoTime(serve.window.cutoff),
        // The gate scores the deployed model only on interactions after this too: its users' histories reach it.
        history_end: isoTime(input.historyCutoff),
      },
      fit_cutoff: isoTime(serve.window.cutoff),
    },
    metrics: {
      validation: asMetricSet(input.metrics.validation),
      ...(input.metrics.test ? { test: asMetricSet(input.metrics.test) } : {}),
      ...(input.metrics.cold ? { cold: asMetricSet(input.metrics.cold) } : {}),
    },
    test_scored_for: input.testScoredFor,
    parent_version: input.parentVersion,
    extra: { ...input.extra, gate_fit_cutoff: isoTime(gate.window.cutoff), ann: indexes[ANN_FILES.settings] ?? null },
  };
  return writeBundle({ store: input.store, modelName: input.modelName, manifest, files: files as never });
}

function servingTables(window: FitWindow): Record<string, unknown> {
  const { data } = window;
  return {
    [MODEL_FILES.userIds]: data.userIds,
    [MODEL_FILES.items]: data.items,
    [MODEL_FILES.popularity]: data.popularity.count,
    [MODEL_FILES.trending]: data.popularity.trending,
    [MODEL_FILES.meanRating]: data.popularity.meanRating,
  };
}

/** The gate fit shares the serving fit's filter attributes; storing them twice would only cost bytes. */
function withoutAttributes(files: Record<string, unknown>): Record<string, unknown> {
  const attributeNames = new Set<string>(Object.values(ATTRIBUTE_FILES));
  return Object.fromEntries(Object.entries(files).filter(([name]) => !attributeNames.has(name)));
}

function asMetricSet(flat: FlatMetrics): MetricSet {
  const { ci, ...rest } = flat;
  const values: Record<string, number> = {};
  for (const [name, value] of Object.entries(rest))
    if (typeof value === 'number' && Number.isFinite(value)) values[name] = value;
  return metricSet(values, ci);
}
