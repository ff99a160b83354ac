import https from 'node:https';

/** An API server's answer: the HTTP status and the raw body. */
export interface KubeResponse {
  status: number;
  body: string;
}

export interface KubeRequestOptions {
  body?: unknown;
  token?: string;
  /** e.g. application/merge-patch+json for PATCH; JSON otherwise. */
  contentType?: string;
}

/** One HTTPS request to the API server, trusting only its CA and authenticating with a bearer token. */
export function kubeRequest(
  url: string,
  ca: string,
  method: string,
  apiPath: string,
  options: KubeRequestOptions = {},
): Promise<KubeResponse> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const request = https.request(new URL(apiPath, url), { method, ca, headers, timeout: 30_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${apiPath} timed out after 30 s`)));
    request.on('error', reject);
    request.end(payload);
  });
}
