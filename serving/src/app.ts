import Router from '@koa/router';
import {
  interactionsRequest,
  movieParams,
  moviesQuery,
  popularQuery,
  recommendRequest,
  similarRequest,
} from '@recsys/core/api/schemas';
import type { EventLog } from '@recsys/core/logs/event-log';
import type { RequestLogSink } from '@recsys/core/logs/request-log';
import Koa from 'koa';
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
import type { ModelSlot } from './model/slot.ts';
import { genresRoute, movieRoute, moviesRoute, popularRoute } from './routes/catalogue.ts';
import type { RouteDeps } from './routes/context.ts';
import { interactionsRoute } from './routes/interactions.ts';
import { docsRoute, healthRoute, metricsRoute, openApiRoute, readyRoute } from './routes/meta.ts';
import { recommendRoute } from './routes/recommend.ts';
import { similarRoute } from './routes/similar.ts';

export interface AppOptions {
  slot: ModelSlot;
  metrics: ServingMetrics;
  requestLog?: RequestLogSink;
  eventLog?: EventLog;
  history?: UserHistory;
  /** Origins allowed to call the API from a browser. */
  corsOrigins?: readonly string[];
  bodyLimitBytes?: number;
  onServerError?: (err: unknown, requestId: string) => void;
}

/** The serving app, read top to bottom: request id → errors → metrics → log → CORS → method → body → validate → route. */
export function createApp(options: AppOptions): Koa {
  const deps: RouteDeps = {
    slot: options.slot,
    metrics: options.metrics,
    eventLog: options.eventLog,
    history: options.history ?? new UserHistory(),
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
    .get('/health', healthRoute(deps.slot))
    .get('/ready', readyRoute(deps.slot))
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
  app.use(jsonBody(options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT));
  app.use(router.routes());
  // Errors are answered by errorBodies; koa's default handler would print them a second time.
  app.silent = true;
  return app;
}
