/** What went wrong with one API call, in the API's error shape; the site never shows more than this. */
export interface ApiProblem {
  status: number;
  code: string;
  message: string;
  request_id: string | null;
}

/** Codes the site's own proxy answers with when the API itself did not. */
export const UNREACHABLE = 'api_unreachable';
export const TIMED_OUT = 'api_timeout';

export type ApiResult<T> = { ok: true; data: T } | { ok: false; problem: ApiProblem };

/** Reads an error body whatever it holds: the API's `{error: {...}}`, other JSON, or nothing usable. */
export function problemFrom(status: number, body: unknown): ApiProblem {
  const error = (body as { error?: Partial<ApiProblem> } | null)?.error;
  if (error && typeof error === 'object' && typeof error.code === 'string') {
    return {
      status,
      code: error.code,
      message: typeof error.message === 'string' ? error.message : '',
      request_id: typeof error.request_id === 'string' ? error.request_id : null,
    };
  }
  return { status, code: `http_${status}`, message: '', request_id: null };
}

/** Failures that mean the service as a whole is away (not this one request): the page says so once. */
const SERVICE_AWAY = new Set([UNREACHABLE, TIMED_OUT, 'model_not_ready']);

/** True when every one of a page's API calls failed because the service is away: one notice for the page. */
export function serviceAway(results: readonly (ApiResult<unknown> | null)[]): ApiProblem | null {
  const failed = results.filter((r): r is { ok: false; problem: ApiProblem } => r !== null && !r.ok);
  if (failed.length === 0 || failed.length < results.filter((r) => r !== null).length) return null;
  return failed.every((r) => SERVICE_AWAY.has(r.problem.code)) ? failed[0].problem : null;
}

/**
 * A title and a sentence a person can act on, in the site's own words: the API's messages are written for
 * programmers ("search titles with GET /movies?q="), so they never reach the page; a reference number does.
 */
export function describeProblem(problem: ApiProblem): { title: string; detail: string } {
  if (problem.code === UNREACHABLE) {
    return {
      title: 'Recommendations are offline right now',
      detail:
        'The recommendation service may be restarting. Try again in a moment; the light at the top turns green when it is back.',
    };
  }
  if (problem.code === TIMED_OUT) {
    return { title: 'Recommendations are slow to answer', detail: 'Try again in a moment.' };
  }
  if (problem.code === 'model_not_ready') {
    return {
      title: 'Recommendations are not ready yet',
      detail:
        'The service is starting and has no trained model yet. Try again in a moment; the light at the top turns green when it is ready.',
    };
  }
  if (problem.code === 'unknown_movie') {
    return {
      title: 'We don’t know that movie',
      detail: 'It is not in our catalogue yet. Search for it on Discover, or browse Popular.',
    };
  }
  if (problem.code === 'no_session') {
    return {
      title: 'Your like was not saved',
      detail: 'Likes are kept with this site’s cookie: allow cookies for it, reload the page and try again.',
    };
  }
  if (problem.code === 'not_your_user') {
    return { title: 'Your like was not saved', detail: 'Your session changed: reload the page and try again.' };
  }
  if (problem.code === 'writes_unavailable') {
    return {
      title: 'Likes cannot be saved right now',
      detail: 'Recommendations still work; try again later.',
    };
  }
  if (problem.status === 429) {
    return { title: 'That was a lot of likes at once', detail: 'Wait a few seconds and try again.' };
  }
  const reference = problem.request_id ? ` (reference ${problem.request_id})` : '';
  if (problem.status >= 400 && problem.status < 500) {
    return {
      title: 'That could not be shown',
      detail: `Something in the request was not accepted${reference}. Go back and try different choices.`,
    };
  }
  return {
    title: 'Something went wrong on our side',
    detail: `The service could not answer${reference}. Try again in a moment.`,
  };
}
