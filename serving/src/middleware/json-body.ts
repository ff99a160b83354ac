import type { Readable } from 'node:stream';
import type { Middleware } from 'koa';
import { ApiError } from '../api/errors.ts';

// Room for the largest valid body (a batch of 1,000 interactions is about 100 KB), so a body over the limit is never valid.
export const DEFAULT_BODY_LIMIT = 256 * 1024;

/**
 * Reads a JSON request body into `ctx.state.rawBody` for methods that carry one: only application/json, at most
 * `limitBytes` (checked against Content-Length first, then while reading), and it must parse.
 */
export function jsonBody(limitBytes = DEFAULT_BODY_LIMIT): Middleware {
  return async (ctx, next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method)) return next();
    if (!ctx.is('application/json')) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `expected a JSON body with Content-Type: application/json, got ${ctx.get('content-type') || 'no Content-Type'}`,
      );
    }
    const declared = Number(ctx.get('content-length'));
    if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
    const text = await readLimited(ctx.req, limitBytes);
    if (text.trim() === '') {
      throw new ApiError(400, 'empty_body', 'the request body is empty; send a JSON object (see GET /openapi.json)');
    }
    try {
      ctx.state.rawBody = JSON.parse(text);
    } catch (err) {
      throw new ApiError(400, 'malformed_json', `the request body is not valid JSON: ${(err as Error).message}`);
    }
    await next();
  };
}

function tooLarge(limitBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `the request body exceeds ${limitBytes} bytes; send a smaller batch`, {
    limit_bytes: limitBytes,
  });
}

/** nginx's 499: the client closed the connection before its request was complete. Not a server error. */
export const CLIENT_CLOSED_REQUEST = 499;

/** Reads the body by its events: an async iterator over the request costs several promises per request on the hot path. */
function readLimited(stream: Readable, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (stream.readableEnded) {
      resolve('');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      stream.off('data', onData).off('end', onEnd).off('error', onClosed).off('close', onClosed);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limitBytes) {
        // Stop reading at once: the connection closes after the 413 instead of buffering the rest.
        stop();
        stream.pause();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    const onClosed = (err?: Error) => {
      stop();
      reject(
        new ApiError(
          CLIENT_CLOSED_REQUEST,
          'client_closed_request',
          `the client closed the connection after ${size} bytes of the body (${err?.message ?? 'Premature close'}); nothing was processed`,
        ),
      );
    };
    stream.on('data', onData).on('end', onEnd).on('error', onClosed).on('close', onClosed);
  });
}
