import { DEFAULT_SELECTION } from '@recsys/trainer/train/selection';
import { DEFAULT_MODEL_NAME, type TrainResult, train } from '@recsys/trainer/train/train';
import type { Command } from 'commander';
import {
  type FamilyChoice,
  FOLDS_HELP,
  familyList,
  MEMORY_BUDGET_HELP,
  MODELS_HELP,
  memorySize,
  positiveInteger,
  printJson,
  shareOption,
} from '../options.ts';
import { progressReporter } from '../progress.ts';
import { type ThresholdFlags, thresholdOptions, thresholdsFrom } from '../threshold-options.ts';

/** `recsys train`: search on validation, refit, score test once, export the winner as a bundle (stage None). */
export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description(
      'Search each model family on validation (fit on train), choose the best NDCG@10 among candidates with ' +
        'coverage@100 >= the floor and top-10 Jaccard <= the limit (re-checked on the deployed refit), refit on ' +
        'train+validation, score test once, and export the winner as a bundle that knows every interaction.',
    )
    .requiredOption(
      '--data <dir>',
      'a prepared dataset (recsys data prepare), or a raw MovieLens source to prepare first',
    )
    .requiredOption('--store <dir>', 'the artifact store: bundles and the model registry')
    .option('--model <name>', 'the model name in the store', DEFAULT_MODEL_NAME)
    .option('--models <families>', MODELS_HELP, familyList)
    .option('--budget <n>', 'trials per family on validation (default: each family its own, 8 or 16)', positiveInteger)
    .option(
      '--min-coverage <share>',
      'validation coverage@100 a candidate needs to win',
      shareOption('--min-coverage'),
      DEFAULT_SELECTION.minCoverage,
    )
    .option(
      '--max-jaccard <share>',
      'largest mean pairwise Jaccard of two users top-10 lists a candidate may have to win',
      shareOption('--max-jaccard'),
      DEFAULT_SELECTION.maxJaccard,
    )
    .option('--folds <n>', FOLDS_HELP, positiveInteger)
    .option(
      '--tracking-uri <url>',
      'an MLflow server to track with (default: RECSYS_TRACKING_URI, else embedded in the store)',
    )
    .option('--memory-budget <size>', MEMORY_BUDGET_HELP, memorySize)
    .option('--json', 'print the result as JSON on stdout', false);
  thresholdOptions(command).action(
    async (
      options: ThresholdFlags & {
        data: string;
        store: string;
        model: string;
        models?: FamilyChoice;
        budget?: number;
        minCoverage: number;
        maxJaccard: number;
        folds?: number;
        trackingUri?: string;
        memoryBudget?: number;
        json: boolean;
      },
    ) => {
      const progress = progressReporter();
      const result = await train({
        data: options.data,
        store: options.store,
        modelName: options.model,
        families: options.models?.names,
        familyBudgets: options.models?.budgets,
        budget: options.budget,
        selection: { ...DEFAULT_SELECTION, minCoverage: options.minCoverage, maxJaccard: options.maxJaccard },
        folds: options.folds,
        trackingUri: options.trackingUri,
        memoryBudget: options.memoryBudget,
        thresholds: thresholdsFrom(options),
        onProgress: (event) => {
          if (event.stage === 'search') {
            progress.update({
              stage: 'search',
              done: event.done,
              total: event.total,
              detail: `${event.family} ${event.done}/${event.total}`,
            });
          } else {
            progress.update({
              stage: event.stage,
              done: 1,
              total: 1,
              detail: 'family' in event ? event.family : event.message,
            });
          }
        },
      }).finally(progress.done);
      if (result.tracking.error) {
        process.stderr.write(
          `recsys: the bundle is exported and registered, but the ${result.tracking.backend} tracker did not take the run: ${result.tracking.error}\n`,
        );
      }
      if (options.json) {
        printJson({
          version: result.version,
          bundle: result.bundle,
          best: result.best,
          tracking: result.tracking,
          memory_budget: result.memory_budget,
          skipped: result.skipped,
          models: Object.fromEntries(
            Object.entries(result.models).map(([name, m]) => [
              name,
              {
                params: m.params,
                eligible: m.eligible,
                why: m.why,
                validation: m.validation,
                test: m.test,
                cold: m.cold,
                deployed: m.deployed,
                trials: m.trials,
              },
            ]),
          ),
        });
        return;
      }
      process.stdout.write(trainTable(result));
    },
  );
}

const COLUMNS = [
  'ndcg@10',
  'recall@20',
  'hit_rate@10',
  'mrr',
  'coverage@100',
  'jaccard@10',
  'same_first_share',
] as const;

function trainTable(result: TrainResult): string {
  const lines = [`exported ${result.best} as ${result.version} (${result.bundle})`, ''];
  const header = ['family', 'split', ...COLUMNS, 'ndcg@10 95% CI'];
  const rows: string[][] = [];
  for (const [name, m] of Object.entries(result.models)) {
    for (const split of ['validation', 'test'] as const) {
      const metrics = m[split];
      const ci = metrics.ci['ndcg@10'];
      rows.push([
        split === 'validation'
          ? `${name}${name === result.best ? ' *' : ''}${m.eligible ? '' : ' (not eligible)'}`
          : '',
        split,
        ...COLUMNS.map((c) => (metrics[c] as number).toFixed(4)),
        `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`,
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  lines.push(format(header), ...rows.map(format), '');
  const { bytes, source } = result.memory_budget;
  lines.push(`memory budget ${(bytes / 2 ** 30).toFixed(1)} GiB (${source})`);
  for (const [name, reason] of Object.entries(result.skipped)) lines.push(`skipped ${name}: ${reason}`);
  lines.push('');
  for (const [name, m] of Object.entries(result.models)) {
    lines.push(`${name}: ${JSON.stringify(m.params)}${m.eligible ? '' : ` — not eligible: ${m.why.join('; ')}`}`);
  }
  return `${lines.join('\n')}\n`;
}
