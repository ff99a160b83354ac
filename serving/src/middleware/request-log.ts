import type { RequestLogSink } from '@recsys/core/logs/request-log';
import type { Middleware } from 'koa';
import { ApiError, errorStatus } from '../api/errors.ts';
import { FUTURE_SLACK_SECONDS } from '../interactions/event-checks.ts';

/** What a route leaves in `ctx.state.logged` for its log row. */
export interface LoggedAnswer {
  user_id?: number | null;
  model_version?: string | null;
  recommendations?: ArrayLike<number> | null;
  scores?: ArrayLike<number> | null;
  is_fallback?: boolean | null;
}

/** Paths that are probes or documents, not questions to the model: not logged. */
const UNLOGGED = new Set(['/metrics', '/health', '/ready', '/openapi.json', '/docs', '/favicon.ico']);

/**
 * Queues one request-log row per answered request (R20) after the answer is ready; the write happens later,
 * in the log's batch. `X-As-Of` (ISO-8601 or Unix seconds) is the event time a simulator replays at.
 */
export function requestLogging(log: RequestLogSink | undefined): Middleware {
  return async (ctx, next) => {
    if (!log || UNLOGGED.has(ctx.path)) return next();
    const started = performance.now();
    const timestamp = Date.now();
    let status = 500;
    let asOf = timestamp;
    try {
      asOf = parseAsOf(ctx.get('x-as-of'), timestamp);
      await next();
      status = ctx.status;
    } catch (err) {
      status = errorStatus(err);
      throw err;
    } finally {
      const logged: LoggedAnswer = ctx.state.logged ?? {};
      log.append({
        request_id: String(ctx.state.requestId),
        timestamp,
        as_of: asOf,
        user_id: logged.user_id ?? null,
        endpoint: `${ctx.method} ${typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : ctx.path}`,
        model_version: logged.model_version ?? null,
        recommendations: logged.recommendations ? Array.from(logged.recommendations) : null,
        scores: logged.scores ? Array.from(logged.scores, (s) => Math.round(s * 1e6) / 1e6) : null,
        latency_ms: performance.now() - started,
        is_fallback: logged.is_fallback ?? null,
        status,
      });
    }
  };
}

function parseAsOf(header: string, fallback: number): number {
  if (header === '') return fallback;
  const ms = /^[0-9]{1,12}(\.[0-9]+)?$/.test(header) ? Number(header) * 1000 : Date.parse(header);
  if (!Number.isFinite(ms)) {
    throw new ApiError(400, 'invalid_as_of', `X-As-Of "${header}" is neither Unix seconds nor an ISO-8601 time`);
  }
  // A replay is of the past: a time beyond the clock's slack would date log rows into the far future.
  if (ms > fallback + FUTURE_SLACK_SECONDS * 1000) {
    throw new ApiError(
      400,
      'invalid_as_of',
      `X-As-Of "${header}" is after now + 5 min (${new Date(fallback + FUTURE_SLACK_SECONDS * 1000).toISOString()}); send the replayed event's time`,
    );
  }
  return Math.round(ms);
}
