import type { Middleware } from 'koa';
import { errorStatus } from '../api/errors.ts';
import type { ServingMetrics } from '../metrics.ts';

/** Times every request by route template (not raw path: ids would explode the label set). */
export function requestMetrics(metrics: ServingMetrics): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (err) {
      status = errorStatus(err);
      throw err;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
      metrics.requestDuration.observe({ route, method: ctx.method, status: String(status) }, seconds);
    }
  };
}
