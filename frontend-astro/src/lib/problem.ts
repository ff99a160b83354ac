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

/** A title and a sentence a person can act on; the API's own message only where it speaks to them (4xx). */
export function describeProblem(problem: ApiProblem): { title: string; detail: string } {
  if (problem.code === UNREACHABLE) {
    return {
      title: 'The recommendation service is not reachable',
      detail: 'It may be restarting. Try again in a moment; the status light at the top turns green when it is back.',
    };
  }
  if (problem.code === TIMED_OUT) {
    return { title: 'The recommendation service is slow to answer', detail: 'Try again in a moment.' };
  }
  if (problem.code === 'model_not_ready') {
    return {
      title: 'No model is loaded yet',
      detail: 'The service is up but still loading a model. Try again in a moment.',
    };
  }
  if (problem.status >= 400 && problem.status < 500 && problem.message) {
    return { title: 'That request could not be answered', detail: problem.message };
  }
  const reference = problem.request_id ? ` (reference ${problem.request_id})` : '';
  return {
    title: 'Something went wrong on our side',
    detail: `The service could not answer${reference}. Try again in a moment.`,
  };
}
