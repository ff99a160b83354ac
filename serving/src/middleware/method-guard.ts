import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { ApiError } from '../api/errors.ts';

/**
 * A known path asked with a method it does not have (including TRACE and other methods no route knows) is a 405
 * with the Allow header (RFC 9110), before any body is read; OPTIONS on a known path answers 204 with Allow.
 * Unknown paths fall through to the 404.
 */
export function methodGuard(router: Router): Middleware {
  return async (ctx, next) => {
    const matched = router.match(ctx.path, ctx.method);
    const methods = new Set(matched.path.flatMap((layer) => layer.methods));
    if (matched.route || methods.size === 0) return next();
    const allow = [...methods].join(', ');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', allow);
      ctx.status = 204;
      return;
    }
    throw new ApiError(
      405,
      'method_not_allowed',
      `${ctx.method} is not allowed on ${ctx.path}; use ${allow}`,
      undefined,
      {
        Allow: allow,
      },
    );
  };
}
