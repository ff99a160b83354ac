import { existsSync } from 'node:fs';
import { readRequestLogs } from '@recsys/core/logs/read';
import { parseDuration, summariseRequests } from '@recsys/core/logs/summary';
import { type Command, InvalidArgumentError } from 'commander';

function since(value: string): number {
  const ms = parseDuration(value);
  if (ms !== undefined) return Date.now() - ms;
  const at = Date.parse(value);
  if (Number.isFinite(at)) return at;
  throw new InvalidArgumentError('expected a duration such as 7d, 12h, 30m, or an ISO-8601 time');
}

/** `recsys logs`: what the serving processes answered, from a directory of their request logs. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description(
      'Summarise the request logs of every serving process in a directory: requests, errors, fallbacks, latency.',
    )
    .option('--log-dir <dir>', 'the directory of request logs', 'var/logs')
    .option('--since <duration|time>', 'only requests since then (7d, 12h, 30m, or ISO-8601; default 7d)', since)
    .option('--json', 'print the summary as JSON on stdout', false)
    .option('--rows', 'print every row as one JSON object per line instead of a summary', false)
    .action((options: { logDir: string; since?: number; json: boolean; rows: boolean }) => {
      if (!existsSync(options.logDir)) {
        throw new Error(`log directory ${options.logDir} does not exist; pass the --log-dir recsys serve wrote to`);
      }
      const sinceMs = options.since ?? Date.now() - 7 * 86_400_000;
      const { rows, files, problems } = readRequestLogs(options.logDir, { since: sinceMs });
      for (const p of problems) process.stderr.write(`recsys logs: skipped ${p.file}: ${p.error}\n`);
      if (options.rows) {
        for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
        return;
      }
      const summary = { since: new Date(sinceMs).toISOString(), files: files.length, ...summariseRequests(rows) };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const lines = [
        `${summary.requests} requests since ${summary.since} in ${files.length} log file(s) of ${options.logDir}`,
        `  model versions: ${summary.model_versions.join(', ') || 'none'}`,
        '  endpoint                     requests     4xx   5xx  fallback   p50 ms   p95 ms   p99 ms',
        ...summary.endpoints.map(
          (e) =>
            `  ${e.endpoint.padEnd(28)} ${String(e.requests).padStart(8)} ${String(e.errors_4xx).padStart(7)} ${String(e.errors_5xx).padStart(5)} ${String(e.fallbacks).padStart(9)} ${e.latency_ms.p50.toFixed(2).padStart(8)} ${e.latency_ms.p95.toFixed(2).padStart(8)} ${e.latency_ms.p99.toFixed(2).padStart(8)}`,
        ),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
