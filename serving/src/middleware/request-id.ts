import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Every request gets an id (the caller's X-Request-Id when well-formed): in the response, the error body and the log. */
export function requestId(): Middleware {
  return async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const id = CLIENT_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    await next();
  };
}
