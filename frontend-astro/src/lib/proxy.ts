import { TIMED_OUT } from './problem.ts';
import { upstream } from './upstream.ts';

/** The API paths the browser may reach through the site; anything else is the site's own 404. */
const FORWARDED = /^\/(health|recommend|similar|interactions|popular|movies|movies\/[0-9]{1,10}|genres)$/;
const BODY_LIMIT_BYTES = 256 * 1024;

function errorResponse(status: number, code: string, message: string): Response {
  const body = { error: { code, message, request_id: `site-${crypto.randomUUID()}` } };
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

/** Forwards one same-origin `/api/*` request to the serving API and relays its answer unchanged. */
export async function proxy(request: Request, apiPath: string, search: string, timeoutMs?: number): Promise<Response> {
  if (!FORWARDED.test(apiPath)) {
    return errorResponse(
      404,
      'not_found',
      `the site forwards only the recommendation API's routes; ${apiPath} is not one`,
    );
  }
  let body: ArrayBuffer | null = null;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    body = await request.arrayBuffer();
    if (body.byteLength > BODY_LIMIT_BYTES) {
      return errorResponse(413, 'payload_too_large', `request bodies are limited to ${BODY_LIMIT_BYTES} bytes`);
    }
  }
  const exchange = await upstream(apiPath + search, {
    method: request.method,
    body,
    contentType: request.headers.get('content-type'),
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
  for (const name of ['content-type', 'x-request-id']) {
    const value = response.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(response.body, { status: response.status, headers });
}
