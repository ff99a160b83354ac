import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRecModelOrThrow } from '@recsys/core/recmodel/parse';
import type { RecModel } from '@recsys/core/recmodel/types';
import type { Thresholds } from '@recsys/trainer/data/protocol';
import type { RetrainOptions } from '@recsys/trainer/retrain/retrain';
import { parseMemoryQuantity } from '@recsys/trainer/train/memory';
import type { FamilyChoice } from '../options.ts';

/** Where a local RecModel keeps its files, all under one directory (`var` by default, as `make start` uses). */
export interface LocalPaths {
  var: string;
  store: string;
  workDir: string;
  /** Where the local server writes its event logs, and so where a retrain reads them. */
  serveLogs: string;
  runs: string;
  reports: string;
  statusFile: string;
  /** Touching this file asks for one retrain: the local twin of the `recsys.dev/retrain` annotation. */
  retrainRequest: string;
}

export function localPaths(varDir: string): LocalPaths {
  return {
    var: varDir,
    store: path.join(varDir, 'store'),
    workDir: path.join(varDir, 'work'),
    serveLogs: path.join(varDir, 'logs'),
    runs: path.join(varDir, 'runs'),
    reports: path.join(varDir, 'reports'),
    statusFile: path.join(varDir, 'recmodel-status.json'),
    retrainRequest: path.join(varDir, 'retrain'),
  };
}

export function readRecModelFile(file: string): RecModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the RecModel ${file} (${(err as Error).message}); examples/recmodel.yaml is one`);
  }
  return parseRecModelOrThrow(text, file);
}

/** Flags given on the command line win over the spec. */
export interface RetrainOverrides {
  source?: string;
  store?: string;
  workDir?: string;
  eventLogs?: string;
  until?: number;
  model?: string;
  models?: FamilyChoice;
  budget?: number;
  trackingUri?: string;
  /** Flags replacing single thresholds of `spec.dataset`. */
  thresholds?: Partial<Thresholds>;
}

/**
 * The retrain a RecModel describes: its dataset source and event logs, families and budget, selection rule,
 * promotion policy and tracking. Event logs default to the local server's, which is what serving collected.
 */
export function retrainOptionsFromSpec(
  recModel: RecModel,
  paths: LocalPaths,
  overrides: RetrainOverrides = {},
): RetrainOptions {
  const { spec } = recModel;
  return {
    source: overrides.source ?? spec.dataset.source,
    until: overrides.until,
    eventLogDir: overrides.eventLogs ?? spec.dataset.eventLogs ?? paths.serveLogs,
    thresholds: { ...datasetThresholds(spec.dataset), ...overrides.thresholds },
    workDir: overrides.workDir ?? paths.workDir,
    store: overrides.store ?? paths.store,
    modelName: overrides.model ?? recModel.metadata.name,
    families: overrides.models?.names ?? spec.models.families.map((f) => f.name),
    budget: overrides.budget ?? spec.models.budget,
    familyBudgets: overrides.models?.budgets ?? specFamilyBudgets(spec.models),
    memoryBudget: spec.models.memoryBudget === undefined ? undefined : parseMemoryQuantity(spec.models.memoryBudget),
    selection: { metric: 'ndcg@10', minCoverage: spec.selection.minCoverage },
    policy: spec.promotion,
    trackingUri: overrides.trackingUri ?? (spec.tracking.backend === 'mlflow' ? spec.tracking.uri : undefined),
  };
}

/** A RecModel's `spec.dataset` thresholds, as the trainer names them. */
export function datasetThresholds(dataset: RecModel['spec']['dataset']): Thresholds {
  return {
    positiveRating: dataset.positiveRating,
    minItemPositives: dataset.minItemPositives,
    minUserPositives: dataset.minUserPositives,
    iterative: dataset.iterative,
  };
}

/** The families of `spec.models` that carry a budget of their own. */
export function specFamilyBudgets(models: RecModel['spec']['models']): Record<string, number> {
  const budgets: Record<string, number> = {};
  for (const family of models.families) if (family.budget !== undefined) budgets[family.name] = family.budget;
  return budgets;
}
