import type { ErrorBody } from '@recsys/core/api/schemas';
import type { Middleware } from 'koa';
import { ApiError, errorStatus } from '../api/errors.ts';

/** Codes for errors raised by koa and the router themselves (no route ran). */
const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  501: 'not_implemented',
};

/**
 * Turns every failure into `{error: {code, message, request_id, details?}}`: client errors say what to fix;
 * server errors say only that it failed (the stack goes to stderr, tagged with the request id).
 */
export function errorBodies(options: { onServerError?: (err: unknown, requestId: string) => void } = {}): Middleware {
  const report =
    options.onServerError ??
    ((err, id) => process.stderr.write(`serving: request ${id} failed: ${(err as Error)?.stack ?? String(err)}\n`));
  return async (ctx, next) => {
    const requestId = String(ctx.state.requestId ?? '');
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new ApiError(404, 'not_found', `no endpoint ${ctx.method} ${ctx.path}; see GET /openapi.json or /docs`);
      }
    } catch (err) {
      const status = errorStatus(err);
      let body: ErrorBody;
      if (err instanceof ApiError) {
        body = { error: { code: err.code, message: err.message, request_id: requestId, details: err.details } };
      } else if (status < 500) {
        const message = (err as Error).message || 'bad request';
        body = { error: { code: HTTP_CODES[status] ?? 'bad_request', message, request_id: requestId } };
      } else {
        report(err, requestId);
        const message = `the server failed to answer; quote request id ${requestId} when reporting it`;
        body = { error: { code: 'internal_error', message, request_id: requestId } };
      }
      if (body.error.details === undefined) delete body.error.details;
      ctx.status = status;
      ctx.body = body;
      // Allow on a 405, Retry-After on a 429/503, WWW-Authenticate on a 401.
      const headers = err instanceof ApiError ? err.headers : (err as { headers?: Record<string, string> }).headers;
      if (headers?.Allow) ctx.set('Allow', headers.Allow);
      if (err instanceof ApiError && headers) ctx.set(headers);
    }
  };
}
