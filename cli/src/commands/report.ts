import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readRequestLogs } from '@recsys/core/logs/read';
import { parseDuration } from '@recsys/core/logs/summary';
import { renderHtml, renderMarkdown } from '@recsys/trainer/reports/render';
import { buildReport } from '@recsys/trainer/reports/report';
import { type Command, InvalidArgumentError } from 'commander';

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 24h, 7d or 90m');
  return ms;
}

function time(value: string): number {
  const at = Date.parse(value);
  if (!Number.isFinite(at)) throw new InvalidArgumentError('expected an ISO-8601 time such as 2026-01-31T00:00:00Z');
  return at;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** `recsys report`: the daily report (traffic, users, latency, coverage, fallback, versions, charts) as one file. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Write a self-contained report of the request logs over a period: traffic, unique users, latency ' +
        'mean/p50/p95/p99 per endpoint, coverage, fallback rate, per-model-version rows and inline SVG charts.',
    )
    .option('--log-dir <dir>', 'the directory of request logs', 'var/logs')
    .option('--since <duration>', 'the period ending at --until (24h, 7d, …)', duration, 86_400_000)
    .option('--until <time>', 'end of the period, ISO-8601 (default: now)', time)
    .requiredOption('--out <file>', 'where to write it: .html, .md or .json')
    .option('--catalogue-movies <n>', 'movies the model can rank, to show coverage as a share', count)
    .action((options: { logDir: string; since: number; until?: number; out: string; catalogueMovies?: number }) => {
      if (!existsSync(options.logDir)) {
        throw new Error(`log directory ${options.logDir} does not exist; pass the --log-dir recsys serve wrote to`);
      }
      const format = path.extname(options.out).toLowerCase();
      if (!['.html', '.md', '.json'].includes(format)) {
        throw new Error(`--out ${options.out}: expected a file ending in .html, .md or .json`);
      }
      const until = options.until ?? Date.now();
      const since = until - options.since;
      const { rows, files, problems } = readRequestLogs(options.logDir, { since, until });
      for (const p of problems) process.stderr.write(`recsys report: skipped ${p.file}: ${p.error}\n`);
      const report = buildReport(rows, { since, until, catalogueMovies: options.catalogueMovies });
      const text =
        format === '.html'
          ? renderHtml(report)
          : format === '.md'
            ? renderMarkdown(report)
            : `${JSON.stringify(report, null, 2)}\n`;
      mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
      writeFileSync(options.out, text);
      process.stderr.write(
        `recsys report: ${report.requests} requests from ${files.length} log file(s), ${report.unique_users} users → ${options.out}\n`,
      );
    });
}
