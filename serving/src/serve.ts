import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { listVersions } from '@recsys/core/bundle/reader';
import { parseEventStreamUrl } from '@recsys/core/events/event-stream';
import { logFilePath } from '@recsys/core/logs/files';
import type { RequestLogSink } from '@recsys/core/logs/request-log';
import { readProductionHistory, readProductionPointer } from '@recsys/core/registry/pointer';
import { ApiKeys } from './auth/api-keys.ts';
import type { EventStore } from './events/event-store.ts';
import { PostgresEventStore } from './events/postgres-event-store.ts';
import { SqliteEventStore } from './events/sqlite-event-store.ts';
import type { WriteLimits } from './interactions/event-checks.ts';
import { UserHistory } from './interactions/user-history.ts';
import { MonitoredRequestLog, monitorSlot } from './live-metrics/monitored-request-log.ts';
import { createServingMetrics } from './metrics.ts';
import { type Follower, followProduction } from './model/follow.ts';
import type { ModelHandle } from './model/handle.ts';
import { loadModel, type ModelLoadOptions } from './model/load.ts';
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
  /** Keys that may POST /interactions: a file re-read when it changes, and/or comma-separated (RECSYS_API_KEYS). */
  apiKeysFile?: string;
  apiKeysEnv?: string;
  /** How soon a Production version that failed to load is tried again (default RETRY_FAILED_MS). */
  retryMs?: number;
  /** How long serving may differ from Production (--follow) before /ready says so (default STALE_GRACE_MS). */
  staleGraceMs?: number;
  /** Fold-in users held in memory at most (LRU); an evicted one is read back from the event store. */
  foldInUsers?: number;
  /**
   * The event stream shared with other replicas (a postgres:// URL; the password from PGPASSWORD). Absent: this
   * process's own SQLite event log and snapshot under the log directory (one process).
   */
  eventStream?: string;
  /** Per-key and per-user event rates (default: DEFAULT_WRITE_LIMITS); null turns both off. */
  writeLimits?: WriteLimits | null;
  /** Where progress lines go (stderr by default). */
  say?: (line: string) => void;
  load?: (store: string, modelName: string, version: string) => Promise<ModelHandle>;
  /** Options of the default loader (the usearch indexes). */
  loadOptions?: ModelLoadOptions;
  pollMs?: number;
}

export interface RunningService extends RunningServer {
  modelName: string;
  slot: ModelSlot;
  requestLog: RequestLogSink;
  eventStore: EventStore;
  history: UserHistory;
  follower: Follower | undefined;
}

/** Long enough for a normal swap (load + verify) and a retry; a model stuck for longer is reported. */
export const STALE_GRACE_MS = 120_000;

/** Per API key 500 events/s (burst 5,000), per user 10 events/s (burst one full batch, 1,000). */
export const DEFAULT_WRITE_LIMITS: WriteLimits = {
  perKey: { perSecond: 500, burst: 5000 },
  perUser: { perSecond: 10, burst: 1000 },
};

function openEventLog(logDir: string): SqliteEventStore {
  const file = logFilePath(logDir, 'events');
  try {
    return SqliteEventStore.open(logDir, file);
  } catch (err) {
    throw new Error(`cannot open the event log ${file}: ${(err as Error).message}; check that --log-dir is writable`);
  }
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
 * with `follow` the pointer watcher. Fold-in users from earlier runs come from the event store's snapshot.
 */
export async function serve(options: ServeOptions): Promise<RunningService> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const load =
    options.load ??
    ((store: string, name: string, version: string) => loadModel(store, name, version, options.loadOptions));
  if (options.follow && options.version) {
    throw new Error('--follow and --version exclude each other: follow Production, or pin one version');
  }
  const modelName = resolveModelName(options.store, options.model);
  const apiKeys = new ApiKeys({ file: options.apiKeysFile, env: options.apiKeysEnv });
  const slot = new ModelSlot();
  const metrics = createServingMetrics();
  slot.onSwap((model) => metrics.setModel(model.info));

  const initial = options.version ?? readProductionPointer(options.store, modelName);
  if (!initial && !options.follow) {
    throw new Error(
      `model ${modelName} has no Production version in ${options.store}; promote one (recsys promote), pass --version <v> (one of: ${listVersions(options.store, modelName).join(', ') || 'none'}), or --follow to wait for one`,
    );
  }
  if (!initial) {
    slot.explainWaiting(() => waitingFor(options.store, modelName));
    say(`serving: ${waitingFor(options.store, modelName)}`);
  }
  const logDir = options.logDir ?? path.join(options.store, '..', 'logs');
  mkdirSync(logDir, { recursive: true });
  const eventStore: EventStore = options.eventStream
    ? new PostgresEventStore({
        url: parseEventStreamUrl(options.eventStream).toString(),
        say,
        onStreamState: (up) => metrics.eventStreamUp.set({ engine: 'postgres' }, up ? 1 : 0),
        onApplied: (n) => metrics.eventStreamApplied.inc(n),
      })
    : openEventLog(logDir);
  let lastUnavailable = 0;
  const history = new UserHistory(eventStore, {
    maxUsers: options.foldInUsers,
    onEvict: () => metrics.foldInUsers.inc({ change: 'evicted' }),
    onLoad: () => metrics.foldInUsers.inc({ change: 'loaded' }),
    onUnavailable: (err) => {
      metrics.foldInUnavailable.inc();
      if (Date.now() - lastUnavailable < 60_000) return;
      lastUnavailable = Date.now();
      say(`serving: cannot read posted events (${(err as Error).message}); answering from the model alone meanwhile`);
    },
  });
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

  // The port opens first, so /health answers while the bundle and the fold-in state load; /ready (and every
  // model route) answers 503 until both are in, because the slot stays empty until then.
  let server: RunningServer;
  try {
    server = await startServer({
      slot,
      metrics,
      requestLog,
      eventStore,
      history,
      host: options.host,
      port: options.port,
      corsOrigins: options.corsOrigins,
      bodyLimitBytes: options.bodyLimitBytes,
      apiKeys,
      staleness: () => staleness(),
      writeLimits: options.writeLimits === null ? undefined : (options.writeLimits ?? DEFAULT_WRITE_LIMITS),
    });
  } catch (err) {
    // Nothing may keep a failed start alive: `recsys serve` must exit and say why.
    await requestLog.close();
    await eventStore.close();
    throw err;
  }
  // Following Production, a corrupt Production bundle at start is not the end: the newest earlier Production that
  // verifies serves meanwhile (loudly), and the follower keeps retrying Production and reports the divergence.
  const loadInitial = async (version: string): Promise<ModelHandle> => {
    try {
      return await load(options.store, modelName, version);
    } catch (err) {
      if (!options.follow) throw err;
      for (const earlier of readProductionHistory(options.store, modelName).filter((v) => v !== version)) {
        try {
          const model = await load(options.store, modelName, earlier);
          metrics.modelSwaps.inc({ outcome: 'fallback' });
          say(
            `serving: WARNING Production ${version} failed to load (${(err as Error).message}); serving the earlier Production ${earlier} until it loads`,
          );
          return model;
        } catch {
          // That one is damaged too: try the next older one.
        }
      }
      throw err;
    }
  };
  let follower: Follower | undefined;
  const staleGraceMs = options.staleGraceMs ?? STALE_GRACE_MS;
  metrics.watchStaleness(() => follower?.divergence()?.since);
  const staleness = () => {
    const divergence = follower?.divergence();
    if (!divergence || Date.now() - divergence.since < staleGraceMs) return null;
    return `serving ${divergence.served ?? 'nothing'} for ${Math.round((Date.now() - divergence.since) / 1000)} s while the registry's Production is ${divergence.production ?? 'unknown'}: ${divergence.reason}`;
  };
  try {
    const started = performance.now();
    const model = initial ? await loadInitial(initial) : undefined;
    if (model) {
      say(
        `serving: loaded ${modelName}/${model.info.version} (verified) in ${Math.round(performance.now() - started)} ms${model.approximate ? ', answering from its usearch indexes' : ''}`,
      );
    }
    const restoring = performance.now();
    const restored = await eventStore.restore();
    say(`serving: fold-in state restored in ${Math.round(performance.now() - restoring)} ms (${restored.summary})`);
    for (const q of restored.quarantined) {
      metrics.eventLogsQuarantined.inc();
      say(`serving: quarantined corrupt event log ${q.file}: ${q.error}; its interactions are not used`);
    }
    if (model) slot.swap(model);
  } catch (err) {
    await server.close(0);
    throw err;
  }

  follower = options.follow
    ? followProduction({
        store: options.store,
        modelName,
        slot,
        load,
        pollMs: options.pollMs,
        retryMs: options.retryMs,
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
  if (!apiKeys.configured) {
    say(
      'serving: no API key configured (--api-keys-file, RECSYS_API_KEYS): reads work, POST /interactions answers 401',
    );
  }
  say(
    `serving: ${server.url} (${modelName}, ${options.follow ? 'following Production' : `pinned ${initial}`}; logs in ${logDir}; ${options.eventStream ? 'events shared through the stream' : "events in this process's log"})`,
  );
  return {
    ...server,
    modelName,
    slot,
    requestLog,
    eventStore,
    history,
    follower,
    close: async (graceMs?: number) => {
      follower?.stop();
      await server.close(graceMs);
    },
  };
}
