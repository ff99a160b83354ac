/** A JSON request against a test server: the status, the parsed body (or text) and the headers. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  init: { headers?: Record<string, string>; raw?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back and assert on its fields
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  let payload: string | undefined = init.raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  } else if (init.raw !== undefined) {
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
  return { status: response.status, body: parsed, headers: response.headers };
}

/** The write key test servers are started with (`apiKeys: new ApiKeys({ env: TEST_API_KEY })`). */
export const TEST_API_KEY = 'test-key-0123456789abcdef';
export const WRITE_HEADERS = { authorization: `Bearer ${TEST_API_KEY}` };
