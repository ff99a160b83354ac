import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DatasetManifest, PreparedDataset } from '../data/dataset.ts';
import { prepareDataset } from '../data/prepare.ts';
import { MANIFEST_FILE, readPrepared } from '../data/prepared.ts';
import type { Thresholds } from '../data/protocol.ts';
import { EVALUATION_USERS, evaluate } from '../evaluate/evaluate.ts';
import { type FlatMetrics, sliceMetrics, warmMetrics } from '../evaluate/report.ts';
import { Registry } from '../registry/registry.ts';
import { trackerForStore } from '../tracking/for-store.ts';
import type { Tracker } from '../tracking/tracker.ts';
import { chooseConfiguration, type FamilyChoice, judged } from './choose.ts';
import { exportBundle } from './export.ts';
import { familiesByName } from './families/index.ts';
import { popularityFamily } from './families/popularity.ts';
import type { ModelFamily, Params } from './family.ts';
import { familyWithinMemory, type MemoryBudget, memoryBudget } from './memory.ts';
import { type FoldMetrics, recommenderFor, searchFamily, type Trial, type ValidationPlan } from './search.ts';
import { DEFAULT_SELECTION, METRIC_ONLY, preferred, type SelectionRule } from './selection.ts';
import { type TrackingReport, trackTraining } from './track.ts';
import { fitWindow, fullHistory, validationFolds } from './window.ts';

export interface TrainOptions {
  /** A prepared dataset directory, or a raw source `recsys data prepare` accepts (prepared into the store). */
  data: string;
  /** For a raw source: thresholds replacing the protocol's. A prepared dataset must have been prepared with them. */
  thresholds?: Partial<Thresholds>;
  store: string;
  modelName?: string;
  /** Family names; all of them when empty. */
  families?: string[];
  /** Screening trials per family on validation; each family's own default (`defaultBudget`, else 8) when absent. */
  budget?: number;
  /**
   * Rolling-origin validation folds inside the fit period (1: the protocol's single split); the best candidates are
   * confirmed on every fold before one is chosen. Each family's own default (`defaultFolds`, else 1) when absent.
   */
  folds?: number;
  /** A family's own budget, replacing `budget` for it (a RecModel's `spec.models.families[].budget`). */
  familyBudgets?: Record<string, number>;
  selection?: SelectionRule;
  parentVersion?: string | null;
  /** Where runs are tracked; by default the store's (embedded, or MLflow when RECSYS_TRACKING_URI is set). */
  tracker?: Tracker;
  /** An MLflow server for the default tracker (else RECSYS_TRACKING_URI, else the embedded store). */
  trackingUri?: string;
  /** Bytes one fit's model arrays may take; by default half the container limit (or of the machine). */
  memoryBudget?: number;
  onProgress?: (event: TrainProgress) => void;
}

export type TrainProgress =
  | { stage: 'data'; message: string }
  | { stage: 'search'; family: string; done: number; total: number; trial?: Trial }
  | { stage: 'refit'; family: string }
  | { stage: 'export'; message: string };

/** One candidate of a family's search as `--json` and the tracker keep it. */
export interface TrialReport {
  params: Params;
  /** Pooled over the folds it was scored on. */
  validation: FlatMetrics;
  /** Per-fold validation metrics, oldest fold first. */
  folds: FoldMetrics[];
  /** Scored on every fold: only these can be chosen. */
  confirmed: boolean;
  eligible: boolean;
  /** The constraints it misses, in words; empty when eligible. */
  why: string[];
  fit_seconds: number;
}

/** One family's chosen configuration and its numbers (the `--json` "models" entries). */
export interface FamilyReport {
  params: Params;
  validation: FlatMetrics;
  test: FlatMetrics;
  cold: FlatMetrics | null;
  /** The lists of the deployed refit (fit window + every later interaction), for every user it knows. */
  deployed: Record<string, number>;
  /** The choice meets the rule on validation AND on the deployed refit. */
  eligible: boolean;
  why: string[];
  trials: TrialReport[];
}

export interface TrainResult {
  version: string;
  bundle: string;
  best: string;
  models: Record<string, FamilyReport>;
  dataset: { dir: string; fingerprint: string };
  tracking: TrackingReport;
  /** The budget families were fitted within, and where it came from. */
  memory_budget: MemoryBudget;
  /** Families left out because no candidate of theirs fits the budget, with the reason. */
  skipped: Record<string, string>;
  /** The most users one evaluation scores; above it, a fixed sample of them (EVALUATION_USERS). */
  evaluation_users: number;
}

export const DEFAULT_MODEL_NAME = 'movies';
export const DEFAULT_BUDGET = 8;

/**
 * `recsys train`: search every family on validation (fit on train), choose each family's configuration by the
 * selection rule — re-checked on the deployed refit, since that is what users get — score each choice on test
 * once, and export the winner as a bundle registered at stage None. Test never influences a choice (PROTOCOL.md
 * step 4); a family with no eligible candidate still reports (and, alone, exports) its best, marked not eligible.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const progress = options.onProgress ?? (() => {});
  const modelName = options.modelName ?? DEFAULT_MODEL_NAME;
  const budgetOf = (family: ModelFamily) =>
    options.familyBudgets?.[family.name] ?? options.budget ?? family.defaultBudget ?? DEFAULT_BUDGET;
  const rule = options.selection ?? DEFAULT_SELECTION;
  const foldsOf = (family: ModelFamily) => options.folds ?? family.defaultFolds ?? 1;
  const families = familiesByName(options.families);
  const data = await loadData(options.data, options.store, options.thresholds ?? {}, (message) =>
    progress({ stage: 'data', message }),
  );
  const trainWindow = fitWindow(data, 'train');
  const refitWindow = fitWindow(data, 'fit');
  const history = fullHistory(data);

  // The cold-start path (popular / trending) is itself chosen on validation; every family's cold slice uses it.
  const coldSearch = await searchFamily(
    popularityFamily,
    { folds: [trainWindow] },
    budgetOf(popularityFamily),
    METRIC_ONLY,
  );
  const coldParams = coldSearch.ranked[0].params;
  const trainFallback = await popularityFamily.fit(trainWindow, coldParams);
  const fitFallback = await popularityFamily.fit(refitWindow, coldParams);
  const trainColdStart = recommenderFor(trainFallback, trainWindow);
  const fitColdStart = recommenderFor(fitFallback, refitWindow);

  const memory = memoryBudget(options.memoryBudget);
  const skipped: Record<string, string> = {};
  const registry = Registry.open(options.store);
  try {
    const models: Record<string, FamilyReport> = {};
    const allTrials: Trial[] = [...coldSearch.ranked];
    const plans = new Map<number, ValidationPlan>();
    const planOf = (count: number): ValidationPlan => {
      if (!plans.has(count)) plans.set(count, { folds: validationFolds(data, count), coldStart: trainColdStart });
      return plans.get(count)!;
    };
    let winner: { family: ModelFamily; choice: FamilyChoice } | undefined;
    for (const unbounded of families) {
      const { family, dropped } = familyWithinMemory(unbounded, trainWindow, memory.bytes);
      if (family.candidates(budgetOf(family)).length === 0) {
        skipped[family.name] = [...dropped][0] ?? 'no candidate fits the memory budget';
        continue;
      }
      const search = await searchFamily(
        family,
        planOf(foldsOf(family)),
        budgetOf(family),
        rule,
        (trial, index, total) => progress({ stage: 'search', family: family.name, done: index + 1, total, trial }),
      );
      allTrials.push(...search.ranked);
      progress({ stage: 'refit', family: family.name });
      const choice = await chooseConfiguration(family, search.ranked, { refitWindow, history, rule });
      const key = configKey(family.name, choice.trial.params);
      let scored = registry.testScore<TestScore>(data.manifest.fingerprint, key);
      if (!scored) {
        const test = evaluate({ recommender: choice.refit, coldStart: fitColdStart, heldOut: refitWindow.heldOut });
        scored = { test: warmMetrics(test), cold: test.cold ? sliceMetrics(test.cold) : null };
        registry.recordTestScore(data.manifest.fingerprint, key, scored);
      }
      models[family.name] = {
        params: choice.trial.params,
        validation: choice.trial.validation,
        ...scored,
        deployed: choice.deployedLists,
        eligible: choice.verdict.eligible,
        why: choice.verdict.why,
        trials: search.ranked.map(trialReport),
      };
      if (!winner || preferred(judged(choice), judged(winner.choice), rule)) winner = { family, choice };
    }
    if (!winner) {
      throw new Error(
        `no model family fits the ${memory.bytes} byte memory budget (${memory.source}): ${Object.entries(skipped)
          .map(([name, reason]) => `${name}: ${reason}`)
          .join('; ')}; raise spec.models.memoryBudget (--memory-budget) or the container's memory limit`,
      );
    }

    progress({ stage: 'export', message: `exporting ${winner.family.name}` });
    const report = models[winner.family.name];
    const params = winner.choice.trial.params;
    // The gate scores the train-only fit of the chosen configuration (PROTOCOL.md, "Comparing two models").
    const gateFit = recommenderFor(await winner.family.fit(trainWindow, params), trainWindow);
    const written = await exportBundle({
      store: options.store,
      modelName,
      family: winner.family.name,
      params,
      serve: { window: refitWindow, recommender: winner.choice.deployed, fallback: fitFallback },
      historyCutoff: data.events.time[data.events.time.length - 1],
      gate: { window: trainWindow, recommender: gateFit, fallback: trainFallback },
      metrics: { validation: report.validation, test: report.test, ...(report.cold ? { cold: report.cold } : {}) },
      testScoredFor: { fingerprint: data.manifest.fingerprint, config_key: configKey(winner.family.name, params) },
      parentVersion: options.parentVersion ?? null,
      extra: {
        dataset_dir: path.resolve(data.dir),
        selection: {
          metric: rule.metric,
          min_coverage: rule.minCoverage,
          max_jaccard: rule.maxJaccard,
          eligible: report.eligible,
          why: report.why,
        },
        deployed_lists: report.deployed,
        cold_start: { family: 'popularity', params: coldParams },
        memory_budget: memory,
        skipped_families: skipped,
        families: Object.fromEntries(
          Object.entries(models).map(([name, m]) => [
            name,
            { params: m.params, validation_ndcg_at_10: m.validation['ndcg@10'], eligible: m.eligible },
          ]),
        ),
      },
    });
    registry.register(written.manifest);
    // The store's clean-up belongs here, beside the one write that can leave an orphan behind.
    registry.removeOrphans();
    const tracker = options.tracker ?? trackerForStore(options.store, options.trackingUri);
    const tracking = await trackTraining(tracker, {
      experiment: modelName,
      modelName,
      version: written.version,
      bundleDir: written.dir,
      fingerprint: data.manifest.fingerprint,
      trials: allTrials,
      winner: { family: winner.family.name, ...report },
    }).finally(() => (options.tracker ? undefined : tracker.close()));
    return {
      tracking,
      version: written.version,
      bundle: written.dir,
      best: winner.family.name,
      models,
      dataset: { dir: data.dir, fingerprint: data.manifest.fingerprint },
      memory_budget: memory,
      skipped,
      evaluation_users: EVALUATION_USERS,
    };
  } finally {
    registry.close();
  }
}

function trialReport(trial: Trial): TrialReport {
  return {
    params: trial.params,
    validation: trial.validation,
    folds: trial.folds,
    confirmed: trial.confirmed,
    eligible: trial.verdict.eligible,
    why: trial.verdict.why,
    fit_seconds: trial.fit_seconds,
  };
}

interface TestScore {
  test: FlatMetrics;
  cold: FlatMetrics | null;
}

/** The configuration's identity for "test is scored once per fingerprint and configuration". */
export function configKey(family: string, params: Params): string {
  const sorted = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`);
  return `${family}(${sorted.join(',')})`;
}

async function loadData(
  source: string,
  store: string,
  thresholds: Partial<Thresholds>,
  say: (message: string) => void,
): Promise<PreparedDataset> {
  if (existsSync(path.join(source, MANIFEST_FILE))) {
    const data = readPrepared(source);
    checkThresholds(source, data.manifest, thresholds);
    return data;
  }
  const out = path.join(store, 'datasets', path.basename(path.resolve(source)));
  say(`preparing ${source} into ${out}`);
  const manifest: DatasetManifest = await prepareDataset({ source, out, thresholds });
  say(
    `prepared ${manifest.interactions.train}/${manifest.interactions.validation}/${manifest.interactions.test} interactions`,
  );
  return readPrepared(out);
}

/** Thresholds given for an already prepared dataset must be the ones it was prepared with, not silently ignored. */
function checkThresholds(dir: string, manifest: DatasetManifest, given: Partial<Thresholds>): void {
  const used = manifest.thresholds;
  const recorded: Thresholds = {
    positiveRating: used.positive_rating,
    minItemPositives: used.min_item_positives,
    minUserPositives: used.min_user_positives,
    iterative: used.iterative,
  };
  const differing = (Object.keys(given) as (keyof Thresholds)[]).filter((key) => given[key] !== recorded[key]);
  if (differing.length > 0) {
    throw new Error(
      `${dir} was prepared with ${differing.map((key) => `${key} ${recorded[key]}`).join(', ')}, not ${differing.map((key) => `${key} ${given[key]}`).join(', ')}; prepare it again with those thresholds, or pass the raw source`,
    );
  }
}
