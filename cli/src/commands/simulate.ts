import { readPrepared } from '@recsys/trainer/data/prepared';
import { sessionsBetween } from '@recsys/trainer/simulate/sessions';
import { simulate } from '@recsys/trainer/simulate/simulate';
import { type Command, InvalidArgumentError } from 'commander';

/** An ISO-8601 time, Unix seconds, or one of the prepared dataset's cutoffs by name. */
function moment(value: string): string {
  if (value === 'validation' || value === 'test' || /^[0-9]+$/.test(value) || Number.isFinite(Date.parse(value))) {
    return value;
  }
  throw new InvalidArgumentError('expected an ISO-8601 time, Unix seconds, or "validation" / "test" (the cutoffs)');
}

function speed(value: string): number {
  if (value === 'max') return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number, or "max"');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** `recsys simulate`: a period of the prepared data replayed as live traffic against a running API. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      'Replay a period of a prepared dataset against a running API on a compressed clock: at each real ' +
        'interaction time the user asks POST /recommend (X-As-Of = that time), then posts the interaction.',
    )
    .requiredOption('--data <dir>', 'a prepared dataset (recsys data prepare)')
    .requiredOption('--api <url>', 'the serving API, e.g. http://127.0.0.1:8080')
    .option('--from <time>', 'start: ISO-8601, Unix seconds, or validation | test (the cutoffs)', moment, 'test')
    .option('--to <time>', 'end (exclusive), same forms (default: after the last event)', moment)
    .option('--speed <n>', 'simulated seconds per real second, or max', speed, 86_400)
    .option('--k <n>', 'recommendations asked for', positive, 10)
    .option('--concurrency <n>', 'requests in flight at most', positive, 8)
    .option('--api-key <key>', 'the write key for POST /interactions (default: RECSYS_API_KEY)')
    .option('--json', 'print the summary as JSON on stdout', false)
    .action(
      async (options: {
        data: string;
        api: string;
        from: string;
        to?: string;
        speed: number;
        k: number;
        concurrency: number;
        apiKey?: string;
        json: boolean;
      }) => {
        const data = readPrepared(options.data);
        const seconds = (value: string) =>
          value === 'validation' || value === 'test'
            ? Date.parse(data.manifest.cutoffs[value]) / 1000
            : /^[0-9]+$/.test(value)
              ? Number(value)
              : Date.parse(value) / 1000;
        const from = seconds(options.from);
        const to = options.to === undefined ? Number.POSITIVE_INFINITY : seconds(options.to);
        const sessions = sessionsBetween(data, from, to);
        if (sessions.length === 0) {
          throw new Error(
            `no interactions in ${options.data} between ${options.from} and ${options.to ?? 'the end'}; the data spans ${new Date(data.events.time[0] * 1000).toISOString()} to ${new Date(data.events.time[data.events.time.length - 1] * 1000).toISOString()}`,
          );
        }
        const api = options.api.replace(/\/+$/, '');
        const ready = await fetch(`${api}/ready`).catch((err: unknown) => {
          throw new Error(
            `the API at ${api} cannot be reached (${(err as Error).message}); start it with recsys serve`,
          );
        });
        if (!ready.ok) throw new Error(`the API at ${api} is not ready (GET /ready answered ${ready.status})`);
        process.stderr.write(
          `recsys simulate: ${sessions.length} sessions from ${new Date(sessions[0].time * 1000).toISOString()} at ${options.speed}× against ${api}\n`,
        );
        const summary = await simulate({
          api,
          apiKey: options.apiKey ?? process.env.RECSYS_API_KEY,
          sessions,
          speed: options.speed,
          from,
          k: options.k,
          concurrency: options.concurrency,
          onProgress: (done, total) => process.stderr.write(`recsys simulate: ${done}/${total} sessions\n`),
        });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        process.stdout.write(
          `${summary.sessions} sessions, ${summary.interactions} interactions posted in ${(summary.wall_ms / 1000).toFixed(1)} s; ` +
            `/recommend: ${summary.personalised} personalised, ${summary.fold_in} fold-in, ${summary.fallbacks} fallback ` +
            `(${(summary.fallback_rate * 100).toFixed(1)}%), ${summary.errors} errors\n`,
        );
      },
    );
}
