import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, proxy } from './proxy.ts';

/** The same-origin `/api` proxy against a real local HTTP upstream, and against none. */
describe('the /api proxy', () => {
  let upstream: Server;
  let seen: { method?: string; url?: string; body: string; type?: string; authorization?: string } = { body: '' };
  const saved = process.env.RECSYS_API_URL;
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen = { method: req.method, url: req.url, body, type: req.headers['content-type'] };
        if (req.headers.authorization) seen.authorization = req.headers.authorization;
        if (req.url === '/movies/7') return void setTimeout(() => res.end('{}'), 2000);
        if (req.url === '/genres') {
          res.writeHead(500, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ error: { code: 'internal', message: 'boom', request_id: 'r5' } }));
        }
        res.writeHead(req.url === '/similar' ? 404 : 200, {
          'content-type': 'application/json',
          'x-request-id': 'up-1',
        });
        res.end(JSON.stringify({ echoed: req.url }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    process.env.RECSYS_API_URL = saved;
    await new Promise((resolve) => upstream.close(resolve));
  });
  const useUpstream = () => {
    process.env.RECSYS_API_URL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
  };

  it('forwards method, query and JSON body, and relays status, body and request id', async () => {
    useUpstream();
    const got = await proxy(new Request('http://site/api/popular?genre=Drama'), '/popular', '?genre=Drama');
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ echoed: '/popular?genre=Drama' });
    expect(got.headers.get('x-request-id')).toBe('up-1');
    const body = JSON.stringify({ movie_ids: [1, 2] });
    const post = new Request('http://site/api/similar', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    const similar = await proxy(post, '/similar', '');
    expect(similar.status).toBe(404);
    expect(seen).toEqual({ method: 'POST', url: '/similar', body, type: 'application/json' });
  });

  it('relays an API 5xx as it is, for the page to word it', async () => {
    useUpstream();
    const got = await proxy(new Request('http://site/api/genres'), '/genres', '');
    expect(got.status).toBe(500);
    expect((await got.json()).error.request_id).toBe('r5');
  });

  it('answers 504 api_timeout when the API is too slow, without waiting for it', async () => {
    useUpstream();
    const original = console.error;
    console.error = () => {};
    try {
      const started = performance.now();
      const got = await proxy(new Request('http://site/api/movies/7'), '/movies/7', '', 200);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(got.status).toBe(504);
      expect((await got.json()).error.code).toBe('api_timeout');
    } finally {
      console.error = original;
    }
  });

  it('refuses paths that are not API routes without calling the upstream', async () => {
    useUpstream();
    seen = { body: '' };
    for (const path of ['/metrics', '/movies/abc', '/../etc/passwd', '/docs']) {
      const got = await proxy(new Request(`http://site/api${path}`), path, '');
      expect(got.status).toBe(404);
      expect((await got.json()).error.code).toBe('not_found');
    }
    expect(seen.url).toBeUndefined();
  });

  it('answers 502 api_unreachable in the API error shape when nothing listens upstream', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    process.env.RECSYS_API_URL = `http://127.0.0.1:${port}`;
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const got = await proxy(new Request('http://site/api/health'), '/health', '');
      expect(got.status).toBe(502);
      const body = await got.json();
      expect(body.error.code).toBe('api_unreachable');
      expect(body.error.request_id).toMatch(/^site-/);
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
  });

  it('reads an upload only up to its limit: a 50 MB body without Content-Length costs at most the limit', async () => {
    useUpstream();
    seen = { body: '' };
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 50 * 1024 * 1024) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const request = new Request('http://site/api/similar', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    const got = await proxy(request, '/similar', '');
    expect(got.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(BODY_LIMIT_BYTES + 2 * chunk.byteLength);
    expect(seen.url).toBeUndefined();
  });

  describe('interactions: only for the session user, with the key added by the site', () => {
    const saved = process.env.RECSYS_API_KEY;
    afterAll(() => {
      process.env.RECSYS_API_KEY = saved;
    });
    const post = (events: unknown, headers: Record<string, string> = {}) =>
      new Request('http://site/api/interactions', {
        method: 'POST',
        body: JSON.stringify(events),
        headers: { 'content-type': 'application/json', ...headers },
      });
    const me = { userId: 1_234_567_890, returning: true };

    it('forwards the session user’s events with the site key, never the browser’s Authorization', async () => {
      useUpstream();
      process.env.RECSYS_API_KEY = 'site-key-0123456789abcdef';
      const events = [{ user_id: me.userId, movie_id: 1, rating: 5 }];
      const got = await proxy(post(events, { authorization: 'Bearer browser-made-up' }), '/interactions', '', 2000, me);
      expect(got.status).toBe(200);
      expect(seen).toMatchObject({ url: '/interactions', authorization: 'Bearer site-key-0123456789abcdef' });
      expect(JSON.parse(seen.body)).toEqual(events);
    });

    it('answers 403 for an event of another user and 401 without a session, calling nothing upstream', async () => {
      useUpstream();
      process.env.RECSYS_API_KEY = 'site-key-0123456789abcdef';
      seen = { body: '' };
      const foreign = await proxy(
        post([
          { user_id: me.userId, movie_id: 1, rating: 5 },
          { user_id: 1, movie_id: 2, rating: 0.5 },
        ]),
        '/interactions',
        '',
        2000,
        me,
      );
      expect(foreign.status).toBe(403);
      expect((await foreign.json()).error).toMatchObject({ code: 'not_your_user' });
      const fresh = await proxy(post({ user_id: 1, movie_id: 2, rating: 1 }), '/interactions', '', 2000, {
        userId: 5,
        returning: false,
      });
      expect(fresh.status).toBe(401);
      expect((await fresh.json()).error.code).toBe('no_session');
      expect(seen.url).toBeUndefined();
    });

    it('answers 503 writes_unavailable when the site has no key', async () => {
      useUpstream();
      delete process.env.RECSYS_API_KEY;
      const got = await proxy(post({ user_id: me.userId, movie_id: 1, rating: 5 }), '/interactions', '', 2000, me);
      expect(got.status).toBe(503);
      expect((await got.json()).error.code).toBe('writes_unavailable');
    });
  });
});
