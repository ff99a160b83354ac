import { type ApiResult, problemFrom, TIMED_OUT, UNREACHABLE } from './problem.ts';

/** Browser-side calls to the site's same-origin `/api` proxy; failures come back as values, never as throws. */
export async function fetchApi<T>(path: string, body?: unknown, timeoutMs = 8000): Promise<ApiResult<T>> {
  const init: RequestInit = { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.method = 'POST';
    init.body = JSON.stringify(body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }
  let response: Response;
  try {
    response = await fetch(`/api${path}`, init);
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return {
      ok: false,
      problem: { status: 0, code: timedOut ? TIMED_OUT : UNREACHABLE, message: '', request_id: null },
    };
  }
  const parsed: unknown = await response.json().catch(() => null);
  if (!response.ok) return { ok: false, problem: problemFrom(response.status, parsed) };
  if (parsed === null) return { ok: false, problem: problemFrom(502, null) };
  return { ok: true, data: parsed as T };
}
