import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxy } from './proxy.ts';

/** The same-origin `/api` proxy against a real local HTTP upstream, and against none. */
describe('the /api proxy', () => {
  let upstream: Server;
  let seen: { method?: string; url?: string; body: string; type?: string } = { body: '' };
  const saved = process.env.RECSYS_API_URL;
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen = { method: req.method, url: req.url, body, type: req.headers['content-type'] };
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
});
