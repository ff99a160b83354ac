import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppOptions, createApp } from './app.ts';

export interface ServerOptions extends AppOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** A request (headers and body) must arrive within this; the client then gets 408 and the socket closes. */
  requestTimeoutMs?: number;
}

export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * How long a server shutting down keeps its open connections, answering each request with `Connection: close`,
 * before it closes the idle ones: a keep-alive client then reconnects to another replica instead of having a socket
 * closed under a request it is sending.
 */
export const DRAIN_WINDOW_MS = 2_000;

export interface RunningServer {
  server: Server;
  url: string;
  /**
   * Drains (GET /ready answers 503, answers carry `Connection: close` for DRAIN_WINDOW_MS while connections are
   * open), then stops accepting, lets in-flight requests finish (up to `graceMs`) and closes the logs.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  let draining = false;
  const app = createApp({ ...options, isDraining: () => draining });
  const handle = app.callback();
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node checks these deadlines every connectionsCheckingInterval (30 s by default, which made "30 s" mean up to
  // 96 s), and headersTimeout above requestTimeout would let slow headers outlive the request's deadline.
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: Math.min(1000, requestTimeout / 4),
    },
    (req, res) => {
      if (draining) res.setHeader('connection', 'close');
      return handle(req, res);
    },
  );
  // Idle keep-alive sockets longer than a typical load balancer's, so it never reuses one we just closed.
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) => {
    closing ??= (async () => {
      draining = true;
      const open = await new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count ?? 0)));
      if (open > 0) await new Promise((resolve) => setTimeout(resolve, DRAIN_WINDOW_MS));
      // server.close() also closes the keep-alive sockets that are idle at this moment.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      await options.requestLog?.close();
      await options.eventStore?.close();
    })();
    return closing;
  };
  return { server, url: `http://${shownHost}:${port}`, close };
}
