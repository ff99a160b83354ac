import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelInfo } from './model/handle.ts';

/** The serving process's Prometheus registry: one per app, so tests can run several side by side. */
export interface ServingMetrics {
  registry: Registry;
  requestDuration: Histogram<'route' | 'method' | 'status'>;
  recommendations: Counter<'endpoint' | 'fallback'>;
  modelInfo: Gauge<'name' | 'version' | 'type'>;
  logRowsDropped: Counter;
  logRowsWritten: Counter;
  interactions: Counter<'movie'>;
  modelSwaps: Counter<'outcome'>;
  foldInUsers: Counter<'change'>;
  eventLogsQuarantined: Counter;
  eventStreamUp: Gauge<'engine'>;
  eventStreamApplied: Counter;
  foldInUnavailable: Counter;
  /** Where `recsys_model_stale_seconds` reads, on each scrape, since when serving has differed from Production. */
  watchStaleness(since: () => number | undefined): void;
  setModel(info: ModelInfo): void;
}

export function createServingMetrics(options: { defaultMetrics?: boolean } = {}): ServingMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'recsys_' });
  const registers = [registry];
  const modelInfo = new Gauge({
    name: 'recsys_model_info',
    help: 'The model being served (value 1 for the current one)',
    labelNames: ['name', 'version', 'type'] as const,
    registers,
  });
  let staleSince: () => number | undefined = () => undefined;
  new Gauge({
    name: 'recsys_model_stale_seconds',
    help: 'Seconds the served version has differed from the registry Production (0 while they agree; --follow only)',
    registers,
    collect() {
      const since = staleSince();
      this.set(since === undefined ? 0 : (Date.now() - since) / 1000);
    },
  });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'recsys_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route template, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    recommendations: new Counter({
      name: 'recsys_recommendations_total',
      help: 'Ranked lists served, by endpoint and whether the popularity fallback answered',
      labelNames: ['endpoint', 'fallback'] as const,
      registers,
    }),
    modelInfo,
    logRowsDropped: new Counter({
      name: 'recsys_log_rows_dropped_total',
      help: 'Request or event log rows that could not be written (the requests themselves succeeded)',
      registers,
    }),
    logRowsWritten: new Counter({
      name: 'recsys_log_rows_written_total',
      help: 'Request log rows written to SQLite',
      registers,
    }),
    interactions: new Counter({
      name: 'recsys_interactions_total',
      help: 'Interactions accepted by POST /interactions, by whether the model knows the movie',
      labelNames: ['movie'] as const,
      registers,
    }),
    modelSwaps: new Counter({
      name: 'recsys_model_swaps_total',
      help: 'Attempts to load a new Production bundle, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    foldInUsers: new Counter({
      name: 'recsys_fold_in_users_total',
      help: 'Fold-in users evicted from memory (the LRU cap) or loaded back from the event store',
      labelNames: ['change'] as const,
      registers,
    }),
    eventLogsQuarantined: new Counter({
      name: 'recsys_event_logs_quarantined_total',
      help: 'Corrupt event-log files moved into quarantine/ at start-up (their interactions are not used)',
      registers,
    }),
    eventStreamUp: new Gauge({
      name: 'recsys_event_stream_up',
      help: 'Whether the shared event stream answered its last read: 1 up, 0 down (writes answer 503); absent without one',
      labelNames: ['engine'] as const,
      registers,
    }),
    eventStreamApplied: new Counter({
      name: 'recsys_event_stream_applied_total',
      help: 'Events read from the shared event stream and applied to the fold-in users held here',
      registers,
    }),
    foldInUnavailable: new Counter({
      name: 'recsys_fold_in_unavailable_total',
      help: 'Requests answered without the user posted events because the event store could not be read',
      registers,
    }),
    watchStaleness(since) {
      staleSince = since;
    },
    setModel(info) {
      modelInfo.reset();
      modelInfo.set({ name: info.name, version: info.version, type: info.type }, 1);
    },
  };
}
