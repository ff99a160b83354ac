import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ApiKeys } from '../auth/api-keys.ts';

/**
 * Writes need a key: `POST /interactions` is checked before its body is read, so an anonymous client costs no
 * parsing. The key's identity goes to `ctx.state.apiKey` for the per-key rate limit. Reads stay open.
 * Decided by the route the router will run, not by the path string: the router also matches `/interactions/` and
 * `/Interactions`, and every spelling that reaches the write route must show a key.
 */
export function writeAuth(keys: ApiKeys, router: Router, writePaths: readonly string[]): Middleware {
  return async (ctx, next) => {
    const matched = router.match(ctx.path, ctx.method);
    if (matched.pathAndMethod.some((layer) => writePaths.some((path) => path === layer.path))) {
      ctx.state.apiKey = keys.authorize(ctx.get('authorization') || undefined);
    }
    await next();
  };
}
