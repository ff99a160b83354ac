import { existsSync } from 'node:fs';
import { readEventLogs, readRequestLogs } from '@recsys/core/logs/read';
import { parseDuration } from '@recsys/core/logs/summary';
import { type ReplayGroup, replay } from '@recsys/trainer/reports/replay';
import { type Command, InvalidArgumentError } from 'commander';

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 7d, 24h or 30m');
  return ms;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function table(title: string, groups: readonly ReplayGroup[], k: number): string[] {
  return [
    `  ${title.padEnd(34)} requests   P@${String(k).padEnd(3)}  hit rate  CTR proxy`,
    ...groups.map(
      (g) =>
        `  ${g.key.padEnd(34)} ${String(g.requests).padStart(8)} ${g.precision_at_k.toFixed(4).padStart(7)} ${g.hit_rate.toFixed(4).padStart(9)} ${g.ctr_proxy.toFixed(4).padStart(10)}`,
    ),
  ];
}

/** `recsys replay`: realised quality of what was served, from the request and event logs (R22). */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      'Join logged recommendations with the interactions their users posted within the window after each ' +
        'request (by as_of): realised Precision@K, Hit Rate and CTR proxy by model version, endpoint and ' +
        'fallback vs personalised.',
    )
    .option('--log-dir <dir>', 'the directory of request and event logs', 'var/logs')
    .option('--window <duration>', 'how long after a request an interaction counts for it', duration, 7 * 86_400_000)
    .option('--k <n>', 'cut-off for Precision@K and Hit Rate', positive, 10)
    .option('--min-rating <r>', 'interactions rated at least this count (the protocol positive is 4)', Number, 4)
    .option('--json', 'print the result as JSON on stdout', false)
    .action((options: { logDir: string; window: number; k: number; minRating: number; json: boolean }) => {
      if (!existsSync(options.logDir)) {
        throw new Error(`log directory ${options.logDir} does not exist; pass the --log-dir recsys serve wrote to`);
      }
      const requests = readRequestLogs(options.logDir);
      const events = readEventLogs(options.logDir);
      for (const p of [...requests.problems, ...events.problems]) {
        process.stderr.write(`recsys replay: skipped ${p.file}: ${p.error}\n`);
      }
      const result = replay(requests.rows, events.rows, {
        windowMs: options.window,
        k: options.k,
        minRating: options.minRating,
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const lines = [
        `${result.overall.requests} scored lists of ${result.requests_logged} logged requests (${result.unattributable} without a user); window ${options.window / 3_600_000} h, K ${result.k}`,
        ...table('model version', result.by_model_version, result.k),
        ...table('endpoint', result.by_endpoint, result.k),
        ...table('source', result.by_source, result.k),
        ...table('overall', [result.overall], result.k),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
