import type { Context } from 'koa';
import type { z } from 'zod';

/**
 * Sends a body after checking it against its response schema: a response outside its contract is a server
 * bug, so it surfaces as a 500 here rather than as a confused client.
 */
export function respond<S extends z.ZodType>(ctx: Context, schema: S, body: z.input<S>, status = 200): void {
  ctx.status = status;
  ctx.body = schema.parse(body);
}
