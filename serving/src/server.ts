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

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the logs. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = createApp(options);
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node checks these deadlines every connectionsCheckingInterval (30 s by default, which made "30 s" mean up to
  // 96 s), and headersTimeout above requestTimeout would let slow headers outlive the request's deadline.
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: Math.min(1000, requestTimeout / 4),
    },
    app.callback(),
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
