import type { Middleware } from 'koa';
import type { ApiKeys } from '../auth/api-keys.ts';

/**
 * Writes need a key: `POST /interactions` is checked before its body is read, so an anonymous client costs no
 * parsing. The key's identity goes to `ctx.state.apiKey` for the per-key rate limit. Reads stay open.
 */
export function writeAuth(keys: ApiKeys): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/interactions') {
      ctx.state.apiKey = keys.authorize(ctx.get('authorization') || undefined);
    }
    await next();
  };
}
