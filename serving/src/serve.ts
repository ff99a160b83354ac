import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { listVersions } from '@recsys/core/bundle/reader';
import { EventLog } from '@recsys/core/logs/event-log';
import { logFilePath } from '@recsys/core/logs/files';
import { readEventLogs } from '@recsys/core/logs/read';
import type { RequestLogSink } from '@recsys/core/logs/request-log';
import { readProductionPointer } from '@recsys/core/registry/pointer';
import { UserHistory } from './interactions/user-history.ts';
import { MonitoredRequestLog, monitorSlot } from './live-metrics/monitored-request-log.ts';
import { createServingMetrics } from './metrics.ts';
import { type Follower, followProduction } from './model/follow.ts';
import type { ModelHandle } from './model/handle.ts';
import { loadModel } from './model/load.ts';
import { ModelSlot } from './model/slot.ts';
import { type RunningServer, startServer } from './server.ts';

export interface ServeOptions {
  store: string;
  /** Defaults to the only model in the store. */
  model?: string;
  /** Follow the Production pointer and hot-swap when it moves. */
  follow?: boolean;
  /** Pin one version (the cluster way: the operator names it in the Deployment). */
  version?: string;
  host?: string;
  port?: number;
  /** Request and event logs; one file of each per process. */
  logDir?: string;
  corsOrigins?: readonly string[];
  bodyLimitBytes?: number;
  retentionDays?: number;
  /** Where progress lines go (stderr by default). */
  say?: (line: string) => void;
  load?: (store: string, modelName: string, version: string) => Promise<ModelHandle>;
  pollMs?: number;
}

export interface RunningService extends RunningServer {
  modelName: string;
  slot: ModelSlot;
  requestLog: RequestLogSink;
  eventLog: EventLog;
  follower: Follower | undefined;
}

/** The model a store holds when only one is there; otherwise the caller must name it. */
export function resolveModelName(store: string, given?: string): string {
  if (given) return given;
  if (!existsSync(store)) throw new Error(`store ${store} does not exist; train a model first or pass --store`);
  const models = readdirSync(store, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && listVersions(store, e.name).length > 0)
    .map((e) => e.name);
  if (models.length === 1) return models[0];
  if (models.length === 0) throw new Error(`store ${store} holds no model bundles; train one first (recsys train)`);
  throw new Error(`store ${store} holds several models (${models.join(', ')}); choose one with --model`);
}

/**
 * Why a server following Production has no model yet, and what to run: waiting alone does not help while
 * nothing is promoted.
 */
export function waitingFor(store: string, modelName: string): string {
  const production = readProductionPointer(store, modelName);
  if (production) return `loading ${modelName}/${production}, Production in ${store}; retry in a moment`;
  const trained = listVersions(store, modelName);
  const versions = trained.length > 0 ? `trained: ${trained.join(', ')}` : 'none trained yet: run recsys train first';
  return (
    `model ${modelName} has no Production version in ${store}, so there is nothing to serve yet; promote one with ` +
    `recsys promote --store ${store} --model ${modelName} --version <version> (${versions}), and this server loads it within seconds`
  );
}

/**
 * Everything `recsys serve` runs: logs, metrics, the initial bundle (pinned or Production), the HTTP server, and
 * with `follow` the pointer watcher. Fold-in users from earlier runs are restored from the event logs.
 */
export async function serve(options: ServeOptions): Promise<RunningService> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const load = options.load ?? loadModel;
  if (options.follow && options.version) {
    throw new Error('--follow and --version exclude each other: follow Production, or pin one version');
  }
  const modelName = resolveModelName(options.store, options.model);
  const slot = new ModelSlot();
  const metrics = createServingMetrics();
  slot.onSwap((model) => metrics.setModel(model.info));

  const initial = options.version ?? readProductionPointer(options.store, modelName);
  if (!initial && !options.follow) {
    throw new Error(
      `model ${modelName} has no Production version in ${options.store}; promote one (recsys promote), pass --version <v> (one of: ${listVersions(options.store, modelName).join(', ') || 'none'}), or --follow to wait for one`,
    );
  }
  if (initial) {
    const started = performance.now();
    slot.swap(await load(options.store, modelName, initial));
    say(`serving: loaded ${modelName}/${initial} (verified) in ${Math.round(performance.now() - started)} ms`);
  } else {
    slot.explainWaiting(() => waitingFor(options.store, modelName));
    say(`serving: ${waitingFor(options.store, modelName)}`);
  }

  const logDir = options.logDir ?? path.join(options.store, '..', 'logs');
  mkdirSync(logDir, { recursive: true });
  const history = new UserHistory();
  const earlier = readEventLogs(logDir);
  for (const row of earlier.rows) history.add(row.user_id, row.movie_id, row.rating);
  let lastDropWarning = 0;
  // The request log also feeds the monitoring gauges (unique users, catalogue coverage) from the same rows.
  const requestLog = new MonitoredRequestLog(
    {
      file: logFilePath(logDir, 'requests'),
      retentionDays: options.retentionDays,
      onWritten: (n) => metrics.logRowsWritten.inc(n),
      onDropped: (n, err) => {
        metrics.logRowsDropped.inc(n);
        // Say why, but at most once a minute: a broken disk must not flood stderr as well.
        if (Date.now() - lastDropWarning < 60_000) return;
        lastDropWarning = Date.now();
        say(`serving: dropped ${n} request-log row(s): ${(err as Error)?.message ?? err}; requests are still answered`);
      },
    },
    monitorSlot(metrics.registry, slot),
  );
  const eventLog = new EventLog(logFilePath(logDir, 'events'));

  const server = await startServer({
    slot,
    metrics,
    requestLog,
    eventLog,
    history,
    host: options.host,
    port: options.port,
    corsOrigins: options.corsOrigins,
    bodyLimitBytes: options.bodyLimitBytes,
  });

  const follower = options.follow
    ? followProduction({
        store: options.store,
        modelName,
        slot,
        load,
        pollMs: options.pollMs,
        onSwap: (from, to) => {
          metrics.modelSwaps.inc({ outcome: 'swapped' });
          say(`serving: swapped ${modelName} ${from ?? '(none)'} → ${to}`);
        },
        onError: (version, err) => {
          metrics.modelSwaps.inc({ outcome: 'failed' });
          say(
            `serving: kept ${slot.current?.info.version ?? 'no model'}; ${version} failed to load: ${(err as Error).message}`,
          );
        },
      })
    : undefined;
  say(
    `serving: ${server.url} (${modelName}, ${options.follow ? 'following Production' : `pinned ${initial}`}; logs in ${logDir}; ${earlier.rows.length} earlier interactions restored)`,
  );
  return {
    ...server,
    modelName,
    slot,
    requestLog,
    eventLog,
    follower,
    close: async (graceMs?: number) => {
      follower?.stop();
      await server.close(graceMs);
    },
  };
}
