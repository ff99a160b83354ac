import type { AnnMode } from '@recsys/core/recommender/approximate';
import { DEFAULT_FOLD_IN_USERS } from '@recsys/serving/interactions/user-history';
import { DEFAULT_WRITE_LIMITS, STALE_GRACE_MS, serve } from '@recsys/serving/serve';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { eventStreamUrl } from '../options.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port number 0..65535');
  return n;
}

function days(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 7) throw new InvalidArgumentError('expected a number of days, at least 7');
  return n;
}

function bytes(value: string): number {
  const match = /^([0-9]+)(k|kb|m|mb)?$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a size such as 65536, 64kb or 1mb');
  const unit = { k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2 }[match[2]?.toLowerCase() ?? ''] ?? 1;
  return Number(match[1]) * unit;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more');
  return n;
}

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected events per second, 0 or more (0: no limit)');
  return n;
}

/** A per-second rate with a burst of five seconds' worth, never below one full batch; 0 turns it off. */
function bucket(perSecond: number, defaultBurst: number) {
  return perSecond === 0 ? null : { perSecond, burst: Math.max(defaultBurst, Math.ceil(perSecond * 5)) };
}

/** `recsys serve`: the HTTP API over a verified bundle, following Production or pinned to a version. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve recommendations over HTTP from a verified model bundle: POST /recommend, /similar, /interactions; ' +
        'GET /popular, /movies, /health, /metrics, /openapi.json, /docs. Stops gracefully on SIGTERM/SIGINT.',
    )
    .requiredOption('--store <dir>', 'the artifact store (<store>/<model>/<version>/)')
    .option('--model <name>', 'the model to serve (default: the only one in the store)')
    .option('--follow', 'follow the Production pointer and hot-swap when it moves (the local way)', false)
    .option('--version <version>', 'pin one version (the cluster way); excludes --follow')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', port, 8080)
    .option('--log-dir <dir>', 'request and event logs, one file of each per process (default: <store>/../logs)')
    .option('--cors-origin <origin...>', 'browser origins allowed to call the API', [])
    .option('--body-limit <size>', 'largest request body accepted', bytes, 256 * 1024)
    .option('--retention-days <days>', 'days of request log kept (at least 7)', days, 7)
    .addOption(
      new Option(
        '--ann <mode>',
        "answer /recommend and /similar of a factor model from its bundle's usearch indexes: auto (from 50,000 movies), on, off (always scan)",
      )
        .choices(['auto', 'on', 'off'])
        .default('auto'),
    )
    .option(
      '--api-keys-file <file>',
      'keys that may POST /interactions, one a line, re-read when the file changes (also: RECSYS_API_KEYS, comma-separated); none: writes answer 401',
    )
    .option(
      '--key-rate <events/s>',
      'posted events per second per API key (0: no limit)',
      rate,
      DEFAULT_WRITE_LIMITS.perKey?.perSecond,
    )
    .option(
      '--user-rate <events/s>',
      'posted events per second per user (0: no limit)',
      rate,
      DEFAULT_WRITE_LIMITS.perUser?.perSecond,
    )
    .option(
      '--fold-in-users <n>',
      'fold-in users held in memory at most; the least recently used is evicted and read back from the event log',
      positiveInt,
      DEFAULT_FOLD_IN_USERS,
    )
    .option('--no-rate-limits', 'accept posted events at any rate (benchmarks, trusted batch loads)')
    .option(
      '--event-stream <url>',
      "share posted events with other replicas through PostgreSQL (postgres://user@host:5432/db; password in PGPASSWORD); default: this process's SQLite log under --log-dir",
      eventStreamUrl,
    )
    .option(
      '--stale-grace <seconds>',
      'with --follow, how long serving may differ from Production before /ready answers 503 stale_model',
      seconds,
      STALE_GRACE_MS / 1000,
    )
    .action(
      async (options: {
        store: string;
        model?: string;
        follow: boolean;
        version?: string;
        host: string;
        port: number;
        logDir?: string;
        corsOrigin: string[];
        bodyLimit: number;
        retentionDays: number;
        ann: AnnMode;
        apiKeysFile?: string;
        keyRate: number;
        userRate: number;
        rateLimits: boolean;
        foldInUsers: number;
        eventStream?: string;
        staleGrace: number;
      }) => {
        const running = await serve({
          store: options.store,
          model: options.model,
          follow: options.follow,
          version: options.version,
          host: options.host,
          port: options.port,
          logDir: options.logDir,
          corsOrigins: options.corsOrigin,
          bodyLimitBytes: options.bodyLimit,
          retentionDays: options.retentionDays,
          loadOptions: { ann: options.ann },
          apiKeysFile: options.apiKeysFile,
          apiKeysEnv: process.env.RECSYS_API_KEYS,
          foldInUsers: options.foldInUsers,
          eventStream: options.eventStream,
          staleGraceMs: options.staleGrace * 1000,
          writeLimits: options.rateLimits
            ? {
                perKey: bucket(options.keyRate, DEFAULT_WRITE_LIMITS.perKey?.burst ?? 1000),
                perUser: bucket(options.userRate, DEFAULT_WRITE_LIMITS.perUser?.burst ?? 1000),
              }
            : null,
        });
        process.stdout.write(`${running.url}\n`);
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            process.stderr.write(`serving: ${signal}: draining in-flight requests and flushing logs\n`);
            running.close().then(resolve, (err: unknown) => {
              process.stderr.write(`serving: shutdown failed: ${(err as Error).message}\n`);
              process.exitCode = 1;
              resolve();
            });
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
      },
    );
}
