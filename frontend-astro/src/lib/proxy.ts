import { TIMED_OUT } from './problem.ts';
import type { Visitor } from './session.ts';
import { upstream } from './upstream.ts';

/** The API paths the browser may reach through the site; anything else is the site's own 404. */
const FORWARDED = /^\/(health|recommend|similar|interactions|popular|movies|movies\/[0-9]{1,10}|genres)$/;
export const BODY_LIMIT_BYTES = 256 * 1024;

function errorResponse(status: number, code: string, message: string): Response {
  const body = { error: { code, message, request_id: `site-${crypto.randomUUID()}` } };
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

/**
 * Forwards one same-origin `/api/*` request to the serving API and relays its answer unchanged. Interactions are
 * a write: they go through only for the visitor's own user id (their session cookie), with the site's API key
 * added here, so the key never reaches a browser.
 */
export async function proxy(
  request: Request,
  apiPath: string,
  search: string,
  timeoutMs?: number,
  visitor?: Visitor,
): Promise<Response> {
  if (!FORWARDED.test(apiPath)) {
    return errorResponse(
      404,
      'not_found',
      `the site forwards only the recommendation API's routes; ${apiPath} is not one`,
    );
  }
  let body: Uint8Array<ArrayBuffer> | null = null;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    body = await readLimited(request, BODY_LIMIT_BYTES);
    if (body === null) {
      return errorResponse(413, 'payload_too_large', `request bodies are limited to ${BODY_LIMIT_BYTES} bytes`);
    }
  }
  let authorization: string | undefined;
  if (apiPath === '/interactions' && request.method === 'POST') {
    const refused = refuseForeignEvents(body, visitor);
    if (refused) return refused;
    const key = process.env.RECSYS_API_KEY;
    if (!key) {
      return errorResponse(
        503,
        'writes_unavailable',
        'this site has no API key (RECSYS_API_KEY), so it cannot save likes; the recommendations still work',
      );
    }
    authorization = `Bearer ${key}`;
  }
  const exchange = await upstream(apiPath + search, {
    method: request.method,
    body,
    contentType: request.headers.get('content-type'),
    authorization,
    timeoutMs,
  });
  if ('failure' in exchange) {
    console.error(`site: proxy ${request.method} ${apiPath} failed: ${exchange.failure} (${exchange.reason})`);
    return exchange.failure === TIMED_OUT
      ? errorResponse(504, TIMED_OUT, 'the recommendation API did not answer in time; try again in a moment')
      : errorResponse(502, exchange.failure, 'the recommendation API is not reachable; try again in a moment');
  }
  const { response } = exchange;
  const headers = new Headers({ 'cache-control': 'no-store' });
  for (const name of ['content-type', 'x-request-id', 'retry-after']) {
    const value = response.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(response.body, { status: response.status, headers });
}

/**
 * The body, read chunk by chunk and abandoned the moment it passes `limit` (null then): a huge upload costs the
 * site at most `limit` bytes of memory, never its whole size.
 */
async function readLimited(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel();
    return null;
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** 401 without a session, 403 when any event is for a user other than the session's; null when all are theirs. */
function refuseForeignEvents(body: Uint8Array<ArrayBuffer> | null, visitor: Visitor | undefined): Response | null {
  if (!visitor?.returning) {
    return errorResponse(
      401,
      'no_session',
      'saving likes needs the session cookie this site sets on its pages; open a page of the site first (cookies must be on)',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body ?? new Uint8Array(0)));
  } catch {
    return errorResponse(400, 'malformed_json', 'the request body is not valid JSON');
  }
  const events = Array.isArray(parsed) ? parsed : [parsed];
  const others = events
    .map((event) => (event as { user_id?: unknown } | null)?.user_id)
    .filter((userId) => userId !== visitor.userId);
  if (others.length > 0) {
    return errorResponse(
      403,
      'not_your_user',
      `this browser's session is user ${visitor.userId}; the site saves interactions only for that user, not for ${JSON.stringify(others[0])}`,
    );
  }
  return null;
}
