import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRecModelOrThrow } from '@recsys/core/recmodel/parse';
import type { RecModel } from '@recsys/core/recmodel/types';
import type { RetrainOptions } from '@recsys/trainer/retrain/retrain';

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
  models?: string[];
  budget?: number;
  trackingUri?: string;
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
    workDir: overrides.workDir ?? paths.workDir,
    store: overrides.store ?? paths.store,
    modelName: overrides.model ?? recModel.metadata.name,
    families: overrides.models ?? spec.models.families.map((f) => f.name),
    // One budget per search: a family's own budget raises it (train() takes one budget for every family).
    budget: overrides.budget ?? Math.max(spec.models.budget, ...spec.models.families.map((f) => f.budget ?? 0)),
    selection: { metric: 'ndcg@10', minCoverage: spec.selection.minCoverage },
    policy: spec.promotion,
    trackingUri: overrides.trackingUri ?? (spec.tracking.backend === 'mlflow' ? spec.tracking.uri : undefined),
  };
}
