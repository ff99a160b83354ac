import type { Middleware } from 'koa';
import type { z } from 'zod';
import { ApiError } from '../api/errors.ts';

type Source = 'body' | 'query' | 'params';

/**
 * Parses one part of the request with its zod schema into `ctx.state.input[source]`; a mismatch is a 400 that
 * lists every problem with its path.
 */
export function validate<S extends z.ZodType>(source: Source, schema: S): Middleware {
  return async (ctx, next) => {
    const raw = source === 'body' ? ctx.state.rawBody : source === 'query' ? { ...ctx.query } : { ...ctx.params };
    const result = schema.safeParse(raw);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(root)',
        code: issue.code,
        message: issue.message,
      }));
      const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
      throw new ApiError(400, 'invalid_request', `the request ${source} is invalid: ${summary}`, { problems });
    }
    ctx.state.input = { ...ctx.state.input, [source]: result.data };
    await next();
  };
}

/** The parsed input a `validate` step left for the route. */
export function input<S extends z.ZodType>(
  state: { input?: Record<string, unknown> },
  source: Source,
  _schema: S,
): z.output<S> {
  return state.input?.[source] as z.output<S>;
}
