import type { Middleware } from 'koa';
import { ApiError } from '../api/errors.ts';

/**
 * CORS for an allowlist of origins (the site proxies same-origin, so browsers elsewhere are the exception).
 * Origins not listed get no CORS headers; their preflights are refused with a 403 naming the setting.
 */
export function cors(allowedOrigins: readonly string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return async (ctx, next) => {
    const origin = ctx.get('origin');
    ctx.vary('Origin');
    const isPreflight = ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '';
    if (!origin || !allowed.has(origin)) {
      if (origin && isPreflight) {
        throw new ApiError(
          403,
          'origin_not_allowed',
          `origin ${origin} is not in the CORS allowlist (recsys serve --cors-origin)`,
        );
      }
      return next();
    }
    ctx.set('Access-Control-Allow-Origin', origin);
    ctx.set('Access-Control-Expose-Headers', 'X-Request-Id');
    if (isPreflight) {
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id, X-As-Of');
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    await next();
  };
}
