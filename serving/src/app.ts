import Router from '@koa/router';
import {
  interactionsRequest,
  movieParams,
  moviesQuery,
  popularQuery,
  recommendRequest,
  similarRequest,
} from '@recsys/core/api/schemas';
import type { RequestLogSink } from '@recsys/core/logs/request-log';
import Koa from 'koa';
import { ApiKeys } from './auth/api-keys.ts';
import type { EventStore } from './events/event-store.ts';
import { WriteLimiter, type WriteLimits } from './interactions/event-checks.ts';
import { UserHistory } from './interactions/user-history.ts';
import type { ServingMetrics } from './metrics.ts';
import { cors } from './middleware/cors.ts';
import { errorBodies } from './middleware/error.ts';
import { DEFAULT_BODY_LIMIT, jsonBody } from './middleware/json-body.ts';
import { methodGuard } from './middleware/method-guard.ts';
import { requestMetrics } from './middleware/metrics.ts';
import { requestId } from './middleware/request-id.ts';
import { requestLogging } from './middleware/request-log.ts';
import { validate } from './middleware/validate.ts';
import { writeAuth } from './middleware/write-auth.ts';
import type { ModelSlot } from './model/slot.ts';
import { genresRoute, movieRoute, moviesRoute, popularRoute } from './routes/catalogue.ts';
import type { RouteDeps } from './routes/context.ts';
import { interactionsRoute } from './routes/interactions.ts';
import { docsRoute, healthRoute, metricsRoute, openApiRoute, readyRoute, type Staleness } from './routes/meta.ts';
import { recommendRoute } from './routes/recommend.ts';
import { similarRoute } from './routes/similar.ts';

export interface AppOptions {
  slot: ModelSlot;
  metrics: ServingMetrics;
  requestLog?: RequestLogSink;
  /** Where posted interactions are stored; absent in tests of the routes alone (then fold-in state is memory only). */
  eventStore?: EventStore;
  /** The fold-in state over `eventStore` (made here when not given). */
  history?: UserHistory;
  /** Who may POST /interactions; none configured means writes are refused (401), reads still work. */
  apiKeys?: ApiKeys;
  /** Per-key and per-user event rates; absent: unlimited. */
  writeLimits?: WriteLimits;
  /** Why the served model is stale (not Production for too long), or null; /ready and /health say so. */
  staleness?: Staleness;
  /** Origins allowed to call the API from a browser. */
  corsOrigins?: readonly string[];
  bodyLimitBytes?: number;
  onServerError?: (err: unknown, requestId: string) => void;
  /** True once the server is shutting down: GET /ready then answers 503. */
  isDraining?: () => boolean;
}

/**
 * The serving app, read top to bottom: request id → errors → metrics → log → CORS → method → write key → body →
 * validate → route.
 */
export function createApp(options: AppOptions): Koa {
  const deps: RouteDeps = {
    slot: options.slot,
    metrics: options.metrics,
    history: options.history ?? new UserHistory(options.eventStore),
    writeLimiter: options.writeLimits ? new WriteLimiter(options.writeLimits) : undefined,
  };
  const router = new Router();
  router
    .post('/recommend', validate('body', recommendRequest), recommendRoute(deps))
    .post('/similar', validate('body', similarRequest), similarRoute(deps))
    .post('/interactions', validate('body', interactionsRequest), interactionsRoute(deps))
    .get('/popular', validate('query', popularQuery), popularRoute(deps))
    .get('/movies', validate('query', moviesQuery), moviesRoute(deps))
    .get('/movies/:id', validate('params', movieParams), movieRoute(deps))
    .get('/genres', genresRoute(deps))
    .get('/health', healthRoute(deps.slot, options.staleness))
    .get('/ready', readyRoute(deps.slot, options.staleness, options.isDraining))
    .get('/metrics', metricsRoute(deps.metrics))
    .get('/openapi.json', openApiRoute())
    .get('/docs', docsRoute());

  const app = new Koa();
  app.proxy = false;
  app.use(requestId());
  app.use(errorBodies({ onServerError: options.onServerError }));
  app.use(requestMetrics(options.metrics));
  app.use(requestLogging(options.requestLog));
  app.use(cors(options.corsOrigins ?? []));
  app.use(methodGuard(router));
  app.use(writeAuth(options.apiKeys ?? new ApiKeys({}), router, ['/interactions']));
  app.use(jsonBody(options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT));
  app.use(router.routes());
  // Errors are answered by errorBodies; koa's default handler would print them a second time.
  app.silent = true;
  return app;
}
