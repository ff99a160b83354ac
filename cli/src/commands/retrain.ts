import { type RetrainOptions, type RetrainResult, retrain, trainCandidate } from '@recsys/trainer/retrain/retrain';
import { DEFAULT_SELECTION, type SelectionRule } from '@recsys/trainer/train/selection';
import { DEFAULT_MODEL_NAME } from '@recsys/trainer/train/train';
import type { Command } from 'commander';
import {
  eventStreamUrl,
  FOLDS_HELP,
  familyList,
  MEMORY_BUDGET_HELP,
  MODELS_HELP,
  memorySize,
  positiveInteger,
  printJson,
  runName,
  shareOption,
} from '../options.ts';
import { recordRunStep } from '../run-step.ts';
import {
  localPaths,
  type RetrainOverrides,
  readRecModelFile,
  retrainOptionsFromSpec,
} from '../runtime/spec-options.ts';
import { type ThresholdFlags, thresholdOptions, thresholdsFrom } from '../threshold-options.ts';
import { decisionTable } from './promote.ts';

interface RetrainFlags extends Omit<RetrainOverrides, 'thresholds'>, ThresholdFlags {
  file?: string;
  var: string;
  minCoverage?: number;
  maxJaccard?: number;
  candidateOnly: boolean;
  run?: string;
  terminationLog?: string;
  json: boolean;
}

/** `recsys retrain`: one retraining run (R23) — ingest, merge, split, train, track, gate, promote or retain. */
export function registerRetrain(program: Command): void {
  const command = program
    .command('retrain')
    .description(
      'Ingest the interactions serving collected (its event logs), merge them with the base data, recompute the split, ' +
        'retrain every family, track it, and promote the winner if it passes the gate against Production — else retain and say why. ' +
        'With -f, a RecModel supplies the source, event logs, families, budget, selection, promotion policy and tracking; flags override it.',
    )
    .option('-f, --file <recmodel.yaml>', 'a RecModel (examples/recmodel.yaml) describing the retrain')
    .option('--var <dir>', 'with -f: the local directory holding store/, work/ and logs/', 'var')
    .option('--source <dir|name>', 'the base MovieLens directory, or ml-100k | ml-1m | ml-latest-small to download')
    .option('--store <dir>', 'the artifact store (bundles and the registry)')
    .option('--work-dir <dir>', 'scratch space for merged sources and prepared datasets')
    .option('--event-logs <dir>', 'the directory serving writes its event logs to')
    .option(
      '--event-stream <url>',
      'read new interactions from the event stream serving replicas share (postgres://user@host:5432/db, password in PGPASSWORD) instead of event logs; default: RECSYS_EVENT_STREAM',
      eventStreamUrl,
    )
    .option('--until <time>', 'use only base ratings before this ISO time (simulations start from the past)', parseTime)
    .option('--model <name>', `the model name in the store (default: the RecModel's name, else ${DEFAULT_MODEL_NAME})`)
    .option('--models <families>', MODELS_HELP, familyList)
    .option('--budget <n>', 'candidates tried per family on validation', positiveInteger)
    .option(
      '--min-coverage <share>',
      'validation coverage@100 a candidate needs to win the search',
      shareOption('--min-coverage'),
    )
    .option('--folds <n>', FOLDS_HELP, positiveInteger)
    .option(
      '--max-jaccard <share>',
      'largest mean pairwise top-10 Jaccard a candidate may have to win the search',
      shareOption('--max-jaccard'),
    )
    .option('--memory-budget <size>', MEMORY_BUDGET_HELP, memorySize)
    .option('--tracking-uri <url>', 'an MLflow server (default: RECSYS_TRACKING_URI, else embedded in the store)')
    .option(
      '--candidate-only',
      'train and register the candidate but leave the gate to a later step (recsys up and the operator do)',
      false,
    )
    .option(
      '--run <name>',
      'with --candidate-only: record the outcome in <store>/<model>/runs/<name>/train.json',
      runName,
    )
    .option('--termination-log <file>', "with --run: one line for Kubernetes' termination message")
    .option('--json', 'print the result as JSON on stdout', false);
  thresholdOptions(command).action(async (flags: RetrainFlags) => {
    const options = resolveOptions(flags);
    const onProgress = (message: string) => process.stderr.write(`${message}\n`);
    if (flags.run && !flags.candidateOnly)
      throw new Error('--run records a training run, which the runtime gates later: add --candidate-only');
    if (flags.candidateOnly) {
      const target = flags.run
        ? { store: options.store, model: options.modelName, run: flags.run, terminationLog: flags.terminationLog }
        : undefined;
      const candidate = await recordRunStep(
        target,
        'train',
        () => trainCandidate({ ...options, onProgress, onTrainProgress: trainProgress(onProgress) }),
        (c) => ({
          step: 'train',
          candidate: {
            version: c.version,
            production_version: c.production_version,
            best: c.train.best,
            metrics: c.metrics,
          },
        }),
      );
      if (flags.json) printJson(candidate);
      else process.stdout.write(`candidate ${candidate.version} (${candidate.train.best}), not gated yet\n`);
      return;
    }
    const result = await retrain({ ...options, onProgress, onTrainProgress: trainProgress(onProgress) });
    if (flags.json) printJson(retrainJson(result));
    else process.stdout.write(retrainText(result));
  });
}

function resolveOptions(flags: RetrainFlags): RetrainOptions {
  const overrides = {
    source: flags.source,
    store: flags.store,
    workDir: flags.workDir,
    eventLogs: flags.eventLogs,
    eventStream: flags.eventStream ?? envEventStream(),
    until: flags.until,
    model: flags.model,
    models: flags.models,
    budget: flags.budget,
    folds: flags.folds,
    memoryBudget: flags.memoryBudget,
    trackingUri: flags.trackingUri,
    thresholds: thresholdsFrom(flags),
  };
  const flagged = (base: SelectionRule): SelectionRule => ({
    ...base,
    ...(flags.minCoverage === undefined ? {} : { minCoverage: flags.minCoverage }),
    ...(flags.maxJaccard === undefined ? {} : { maxJaccard: flags.maxJaccard }),
  });
  if (flags.file) {
    const fromSpec = retrainOptionsFromSpec(readRecModelFile(flags.file), localPaths(flags.var), overrides);
    return { ...fromSpec, selection: flagged(fromSpec.selection ?? DEFAULT_SELECTION) };
  }
  const missing = (['source', 'store', 'workDir'] as const).filter((key) => flags[key] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `recsys retrain needs ${missing.map((m) => `--${m === 'workDir' ? 'work-dir' : m}`).join(', ')}, or -f <recmodel.yaml> to take them from a RecModel`,
    );
  }
  return {
    source: flags.source!,
    until: flags.until,
    eventLogDir: flags.eventLogs,
    eventStream: overrides.eventStream,
    workDir: flags.workDir!,
    store: flags.store!,
    modelName: flags.model ?? DEFAULT_MODEL_NAME,
    families: flags.models?.names,
    familyBudgets: flags.models?.budgets,
    budget: flags.budget,
    folds: flags.folds,
    memoryBudget: flags.memoryBudget,
    trackingUri: flags.trackingUri,
    thresholds: overrides.thresholds,
    selection: flagged(DEFAULT_SELECTION),
  };
}

/** One line per finished family search and per refit, so a long training shows it is moving. */
function trainProgress(say: (message: string) => void): RetrainOptions['onTrainProgress'] {
  return (event) => {
    if (event.stage === 'search' && event.done === event.total)
      say(`searched ${event.family}: ${event.total} candidate(s)`);
    else if (event.stage === 'refit') say(`refitting ${event.family}`);
    else if (event.stage === 'data' || event.stage === 'export') say(event.message);
  };
}

export function retrainJson(result: RetrainResult) {
  return {
    version: result.version,
    verdict: result.decision.verdict,
    summary: result.decision.summary,
    decision: result.decision,
    ingested: result.ingested,
    newly_learnable: result.newly_learnable,
    dataset: result.dataset,
    best: result.train.best,
    seconds: result.seconds,
  };
}

function retrainText(result: RetrainResult): string {
  const { ingested, dataset, seconds } = result;
  const lines = [
    `ingested ${ingested.events} interaction(s): ${ingested.added} new, ${ingested.replaced} re-ratings` +
      (ingested.unlisted_movies.length ? `, ${ingested.unlisted_movies.length} movie(s) without metadata` : '') +
      (ingested.rejected
        ? `, ${ingested.rejected} left out (time outside the data's span or rating off the scale)`
        : ''),
    `dataset ${dataset.interactions.train} / ${dataset.interactions.validation} / ${dataset.interactions.test} (${dataset.fingerprint.slice(0, 12)}…)`,
    `candidate ${result.version} (${result.train.best})`,
    result.newly_learnable.length > 0
      ? `newly learnable movies (unseen by Production, rankable now): ${result.newly_learnable.join(', ')}`
      : 'no newly learnable movies',
    '',
    decisionTable(result.decision, true),
    `took ${seconds.total.toFixed(1)} s (ingest ${seconds.ingest.toFixed(1)}, prepare ${seconds.prepare.toFixed(1)}, train ${seconds.train.toFixed(1)}, gate ${seconds.gate.toFixed(1)})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The trainer Job's way to name the stream (RECSYS_EVENT_STREAM); empty means none. */
function envEventStream(): string | undefined {
  const value = process.env.RECSYS_EVENT_STREAM;
  return value ? eventStreamUrl(value) : undefined;
}

function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new Error(`--until: expected an ISO time such as 1998-03-27T22:21:16Z, got ${JSON.stringify(value)}`);
  return ms / 1000;
}
