import { sourceFiles } from '@recsys/trainer/data/download';
import { prepareDataset } from '@recsys/trainer/data/prepare';
import { synthesize } from '@recsys/trainer/data/synth';
import type { Command } from 'commander';
import { nonNegativeInteger, positiveInteger } from '../options.ts';
import { progressReporter } from '../progress.ts';
import { type ThresholdFlags, thresholdOptions, thresholdsFrom } from '../threshold-options.ts';

/** `recsys data fetch`, `recsys data prepare` and `recsys data synth`. */
export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description('Prepare MovieLens for training, or synthesise MovieLens-shaped data with a known hidden model.');

  data
    .command('fetch')
    .description(
      'Make a MovieLens source ready to read: download ml-100k | ml-1m | ml-latest-small into the cache and verify its ' +
        '.md5 (once), or check that a directory holds a known layout. Prints the layout and the directory.',
    )
    .requiredOption('--source <dir|name>', 'a MovieLens directory, or ml-100k | ml-1m | ml-latest-small to download')
    .option('--json', 'print {layout, dir} as JSON on stdout', false)
    .action(async (options: { source: string; json: boolean }) => {
      const progress = progressReporter();
      const files = await sourceFiles(options.source, {
        onProgress: (done, total) =>
          progress.update({ stage: 'download', done, total, detail: `${(done / 1e6).toFixed(1)} MB` }),
      }).finally(progress.done);
      const found = { layout: files.layout, dir: files.dir };
      process.stdout.write(options.json ? `${JSON.stringify(found)}\n` : `${found.layout} in ${found.dir}\n`);
    });

  const prepare = data
    .command('prepare')
    .description(
      'Read MovieLens (a local directory, or download ml-100k | ml-1m | ml-latest-small and verify its .md5), keep ratings >= 4, ' +
        'drop movies with < 10 then users with < 5 positives, split 70/15/15 by time, and write the prepared dataset.',
    )
    .requiredOption('--source <dir|name>', 'a MovieLens directory, or ml-100k | ml-1m | ml-latest-small to download')
    .requiredOption('--out <dir>', 'where to write the prepared dataset (replaced atomically)')
    .option('--json', 'print the summary as JSON on stdout', false);
  thresholdOptions(prepare).action(async (options: ThresholdFlags & { source: string; out: string; json: boolean }) => {
    const progress = progressReporter();
    const manifest = await prepareDataset({
      source: options.source,
      out: options.out,
      thresholds: thresholdsFrom(options),
      onProgress: (p) =>
        progress.update({ ...p, detail: p.stage === 'download' ? `${(p.done / 1e6).toFixed(1)} MB` : undefined }),
    }).finally(progress.done);
    const summary = {
      layout: manifest.layout,
      interactions: manifest.interactions,
      users: manifest.users,
      items: manifest.items,
      test_users: manifest.test_users,
      cutoffs: manifest.cutoffs,
      fingerprint: manifest.fingerprint,
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    const { train, validation, test } = manifest.interactions;
    process.stdout.write(
      [
        `prepared ${manifest.layout} into ${options.out}`,
        `  ${manifest.users} users × ${manifest.items} items`,
        `  interactions: train ${train}, validation ${validation}, test ${test}`,
        `  test users: ${manifest.test_users.warm} warm, ${manifest.test_users.cold} cold`,
        `  cutoffs: validation ${manifest.cutoffs.validation}, test ${manifest.cutoffs.test}`,
        `  fingerprint ${manifest.fingerprint}`,
      ].join('\n') + '\n',
    );
  });

  data
    .command('synth')
    .description(
      'Write MovieLens-1M-layout files (ratings.dat, movies.dat, users.dat) drawn from a hidden model of tastes, ' +
        'time-varying popularity and arrivals, plus that model (ground_truth.json, truth.*).',
    )
    .requiredOption('--users <n>', 'number of users', positiveInteger)
    .requiredOption('--items <n>', 'number of movies', positiveInteger)
    .requiredOption('--interactions <n>', 'number of ratings', positiveInteger)
    .option('--seed <n>', 'random seed (same seed, same files)', nonNegativeInteger, 1)
    .requiredOption('--out <dir>', 'an empty or new directory to write into')
    .option('--json', 'print the summary as JSON on stdout', false)
    .action(
      (options: { users: number; items: number; interactions: number; seed: number; out: string; json: boolean }) => {
        const started = performance.now();
        const summary = synthesize(options);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          `synthesised ${summary.interactions} ratings (${(summary.positive_share * 100).toFixed(1)}% >= 4) by ${summary.users} users ` +
            `on ${summary.items} movies into ${options.out} in ${seconds} s\n`,
        );
      },
    );
}
