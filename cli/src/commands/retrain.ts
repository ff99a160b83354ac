import { type RetrainResult, retrain } from '@recsys/trainer/retrain/retrain';
import { DEFAULT_MODEL_NAME } from '@recsys/trainer/train/train';
import type { Command } from 'commander';
import { commaList, positiveInteger, printJson } from '../options.ts';
import { decisionTable } from './promote.ts';

/** `recsys retrain`: one retraining run (R23) — ingest, merge, split, train, track, gate, promote or retain. */
export function registerRetrain(program: Command): void {
  program
    .command('retrain')
    .description(
      'Ingest the interactions serving collected (its event logs), merge them with the base data, recompute the split, ' +
        'retrain every family, track it, and promote the winner if it passes the gate against Production — else retain and say why.',
    )
    .requiredOption('--source <dir>', 'the base MovieLens directory')
    .requiredOption('--store <dir>', 'the artifact store (bundles and the registry)')
    .requiredOption('--work-dir <dir>', 'scratch space for merged sources and prepared datasets')
    .option('--event-logs <dir>', 'the directory serving writes its event logs to')
    .option('--until <time>', 'use only base ratings before this ISO time (simulations start from the past)', parseTime)
    .option('--model <name>', 'the model name in the store', DEFAULT_MODEL_NAME)
    .option('--models <families>', 'comma-separated model families to search (default: all)', commaList)
    .option('--budget <n>', 'candidates tried per family on validation', positiveInteger)
    .option('--tracking-uri <url>', 'an MLflow server (default: RECSYS_TRACKING_URI, else embedded in the store)')
    .option('--json', 'print the result as JSON on stdout', false)
    .action(
      async (options: {
        source: string;
        store: string;
        workDir: string;
        eventLogs?: string;
        until?: number;
        model: string;
        models?: string[];
        budget?: number;
        trackingUri?: string;
        json: boolean;
      }) => {
        const result = await retrain({
          source: options.source,
          until: options.until,
          eventLogDir: options.eventLogs,
          workDir: options.workDir,
          store: options.store,
          modelName: options.model,
          families: options.models,
          budget: options.budget,
          trackingUri: options.trackingUri,
          onProgress: (message) => process.stderr.write(`${message}\n`),
        });
        if (options.json) printJson(retrainJson(result));
        else process.stdout.write(retrainText(result));
      },
    );
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
      (ingested.unlisted_movies.length ? `, ${ingested.unlisted_movies.length} movie(s) without metadata` : ''),
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

function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new Error(`--until: expected an ISO time such as 1998-03-27T22:21:16Z, got ${JSON.stringify(value)}`);
  return ms / 1000;
}
