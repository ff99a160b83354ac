import { TrackingError } from './tracker.ts';

/** A request MLflow did not carry out: the server, the endpoint, and what came back (or why nothing did). */
export class MlflowRequestError extends TrackingError {
  readonly url: string;
  readonly endpoint: string;
  /** HTTP status, or undefined when the server could not be reached. */
  readonly status: number | undefined;
  /** MLflow's error_code, e.g. RESOURCE_DOES_NOT_EXIST. */
  readonly errorCode: string | undefined;

  constructor(url: string, endpoint: string, detail: { status?: number; errorCode?: string; message: string }) {
    const what =
      detail.status === undefined
        ? `MLflow at ${url} could not be reached for ${endpoint}: ${detail.message}`
        : `MLflow at ${url} answered ${endpoint} with HTTP ${detail.status}${detail.errorCode ? ` ${detail.errorCode}` : ''}: ${detail.message}`;
    super(what);
    this.name = 'MlflowRequestError';
    this.url = url;
    this.endpoint = endpoint;
    this.status = detail.status;
    this.errorCode = detail.errorCode;
  }
}

type Query = Record<string, string | number | undefined>;

/** MLflow's REST API (`/api/2.0/mlflow/...`) and its artifact proxy (`/api/2.0/mlflow-artifacts/...`) over fetch. */
export class MlflowRest {
  readonly uri: string;
  readonly #timeoutMs: number;

  constructor(uri: string, timeoutMs = 30_000) {
    this.uri = uri.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.#json<T>('GET', path, query, undefined);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#json<T>('POST', path, {}, body);
  }

  delete<T>(path: string, body: unknown): Promise<T> {
    return this.#json<T>('DELETE', path, {}, body);
  }

  /** Uploads bytes through the artifact proxy to `<proxyPath>` (the run's artifact root without its scheme). */
  async putArtifact(proxyPath: string, bytes: Uint8Array): Promise<void> {
    await this.#send(
      'PUT',
      `/api/2.0/mlflow-artifacts/artifacts/${encodePath(proxyPath)}`,
      {},
      {
        body: bytes,
        headers: { 'content-type': 'application/octet-stream' },
      },
    );
  }

  async getArtifact(proxyPath: string): Promise<Buffer> {
    const response = await this.#send('GET', `/api/2.0/mlflow-artifacts/artifacts/${encodePath(proxyPath)}`, {}, {});
    return Buffer.from(await response.arrayBuffer());
  }

  async #json<T>(method: string, path: string, query: Query, body: unknown): Promise<T> {
    const init =
      body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
    const response = await this.#send(method, `/api/2.0/mlflow/${path}`, query, init);
    const text = await response.text();
    return (text.length > 0 ? JSON.parse(text) : {}) as T;
  }

  async #send(
    method: string,
    path: string,
    query: Query,
    init: { body?: string | Uint8Array; headers?: Record<string, string> },
  ): Promise<Response> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const endpoint = `${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.uri}${path}${search.size > 0 ? `?${search}` : ''}`, {
        method,
        ...init,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const message = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new MlflowRequestError(this.uri, endpoint, {
        message: `${message}; check that the server runs there (mlflow server --host 127.0.0.1 --port ...)`,
      });
    }
    if (!response.ok) {
      const text = await response.text();
      let errorCode: string | undefined;
      let message = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { error_code?: string; message?: string };
        errorCode = parsed.error_code;
        message = parsed.message ?? message;
      } catch {
        // Not JSON (a proxy's HTML page, say): the raw text is the best detail there is.
      }
      throw new MlflowRequestError(this.uri, endpoint, { status: response.status, errorCode, message });
    }
    return response;
  }
}

function encodePath(path: string): string {
  return path
    .split('/')
    .filter((part) => part.length > 0)
    .map(encodeURIComponent)
    .join('/');
}

/**
 * `mlflow-artifacts:/1/abc/artifacts` (or with `//host:port`) → `1/abc/artifacts`, the path the proxy serves.
 * Any other scheme means the server hands out a store the client would have to reach itself.
 */
export function proxyRoot(artifactUri: string, uri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (!match) {
    throw new TrackingError(
      `MLflow at ${uri} gives runs the artifact location ${artifactUri}, which only the server's own disk can reach; start it with artifact proxying (mlflow server --artifacts-destination <dir>, without --no-serve-artifacts)`,
    );
  }
  return match[1].replace(/\/+$/, '');
}
