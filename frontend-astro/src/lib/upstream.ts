import { type ApiResult, problemFrom, TIMED_OUT, UNREACHABLE } from './problem.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:8000';
/** Long enough for a cold model, short enough that a page never hangs on a stuck API. */
export const UPSTREAM_TIMEOUT_MS = 5000;

/** The serving API this site talks to, named at run time so one build runs locally and in a cluster. */
export function apiBase(): string {
  return (process.env.RECSYS_API_URL || DEFAULT_API_URL).replace(/\/+$/, '');
}

/** One upstream exchange: the raw Response, or why there is none (unreachable or too slow). */
export async function upstream(
  path: string,
  init: {
    method?: string;
    body?: BodyInit | null;
    contentType?: string | null;
    /** Only the site's own writes carry one (its API key); it never comes from the browser. */
    authorization?: string;
    timeoutMs?: number;
  } = {},
): Promise<{ response: Response } | { failure: typeof UNREACHABLE | typeof TIMED_OUT; reason: string }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.contentType) headers['content-type'] = init.contentType;
  if (init.authorization) headers.authorization = init.authorization;
  try {
    const response = await fetch(apiBase() + path, {
      method: init.method ?? 'GET',
      body: init.body ?? null,
      headers,
      signal: AbortSignal.timeout(init.timeoutMs ?? UPSTREAM_TIMEOUT_MS),
    });
    return { response };
  } catch (err) {
    const error = err as Error & { cause?: { code?: string } };
    const timedOut = error.name === 'TimeoutError';
    return { failure: timedOut ? TIMED_OUT : UNREACHABLE, reason: error.cause?.code ?? error.message };
  }
}

/** Server-side rendering's API call: parsed JSON on success, an ApiProblem otherwise (logged, never thrown). */
export async function callApi<T>(path: string, body?: unknown): Promise<ApiResult<T>> {
  const exchange = await upstream(
    path,
    body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' },
  );
  if ('failure' in exchange) {
    console.error(`site: ${apiBase()}${path} failed: ${exchange.failure} (${exchange.reason})`);
    return { ok: false, problem: { status: 0, code: exchange.failure, message: '', request_id: null } };
  }
  const parsed: unknown = await exchange.response.json().catch(() => null);
  if (!exchange.response.ok || parsed === null) {
    return { ok: false, problem: problemFrom(exchange.response.ok ? 502 : exchange.response.status, parsed) };
  }
  return { ok: true, data: parsed as T };
}
