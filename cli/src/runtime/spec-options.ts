import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRecModelOrThrow } from '@recsys/core/recmodel/parse';
import { type TrainingPlaces, trainingRequest } from '@recsys/core/recmodel/training-args';
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
  eventStream?: string;
  until?: number;
  model?: string;
  models?: FamilyChoice;
  budget?: number;
  /** Rolling-origin validation folds (`--folds`). */
  folds?: number;
  trackingUri?: string;
  /** Bytes one fit's model arrays may take (`--memory-budget`). */
  memoryBudget?: number;
  /** Flags replacing single thresholds of `spec.dataset`. */
  thresholds?: Partial<Thresholds>;
}

/**
 * The retrain a RecModel describes (`recsys retrain -f`): core's one translation of the spec (the one both runtimes
 * run as `trainingArgs`), as the trainer's options. Event logs default to the local server's: what serving collected.
 */
export function retrainOptionsFromSpec(
  recModel: RecModel,
  paths: LocalPaths,
  overrides: RetrainOverrides = {},
): RetrainOptions {
  const request = trainingRequest(recModel, trainingPlaces(paths));
  const familyBudgets: Record<string, number> = {};
  for (const family of request.families) if (family.budget !== undefined) familyBudgets[family.name] = family.budget;
  return {
    source: overrides.source ?? request.source,
    until: overrides.until,
    // A flag naming one event source replaces the spec's, whichever kind it names.
    ...(overrides.eventLogs || overrides.eventStream
      ? { eventLogDir: overrides.eventLogs, eventStream: overrides.eventStream }
      : { eventLogDir: request.eventLogs, eventStream: request.eventStream }),
    thresholds: { ...request.thresholds, ...overrides.thresholds },
    workDir: overrides.workDir ?? request.workDir,
    store: overrides.store ?? request.store,
    modelName: overrides.model ?? request.model,
    families: overrides.models?.names ?? request.families.map((f) => f.name),
    budget: overrides.budget ?? request.budget,
    familyBudgets: overrides.models?.budgets ?? familyBudgets,
    memoryBudget:
      overrides.memoryBudget ??
      (request.memoryBudget === undefined ? undefined : parseMemoryQuantity(request.memoryBudget)),
    selection: { metric: 'ndcg@10', minCoverage: request.minCoverage, maxJaccard: request.maxJaccard },
    folds: overrides.folds ?? request.folds,
    policy: recModel.spec.promotion,
    trackingUri: overrides.trackingUri ?? request.trackingUri,
  };
}

/** Where a local RecModel's training reads and writes. */
export function trainingPlaces(paths: LocalPaths): TrainingPlaces {
  return { store: paths.store, workDir: paths.workDir, serveLogs: paths.serveLogs };
}
