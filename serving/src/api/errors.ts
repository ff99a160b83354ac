/** An error the client can act on: the HTTP status, a stable code, and a message saying what to do. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** Response headers the error needs (Allow on a 405, Retry-After on a 429). */
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, code: string, message: string, details?: unknown, headers?: Record<string, string>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

/** 503 before a model is loaded; `why` says what would load one, when the server knows. */
export const modelNotReady = (why?: string) =>
  new ApiError(503, 'model_not_ready', why ?? 'no model is loaded yet; wait until GET /ready answers 200 and retry');

/** 503 from /ready once the server is shutting down, so load balancers stop sending it new requests. */
export const draining = () =>
  new ApiError(503, 'draining', 'this server is shutting down; send requests to another replica');

/** Genres must be ones the model knows, or the filter would silently match nothing. */
export function checkGenres(requested: readonly string[] | undefined, known: readonly string[]): void {
  const unknown = (requested ?? []).filter((g) => !known.includes(g));
  if (unknown.length > 0) {
    throw new ApiError(
      400,
      'unknown_genre',
      `unknown genre${unknown.length > 1 ? 's' : ''} ${unknown.map((g) => `"${g}"`).join(', ')}: expected names from GET /genres (${known.join(', ')})`,
      { unknown_genres: unknown, known_genres: known },
    );
  }
}

/** The status an error will be answered with (koa's http errors carry one; anything else is a 500). */
export function errorStatus(err: unknown): number {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
