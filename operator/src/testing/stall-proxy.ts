import net from 'node:net';

/** A TCP proxy in front of the API server that can freeze its open connections without closing them. */
export interface StallProxy {
  url: string;
  /**
   * Open connections stop carrying bytes and stay open: a watch that goes silent with no error. After
   * `releaseAfterMs` they are closed, so a keep-alive connection the client happened to reuse for an ordinary
   * request cannot hang the rest of the test.
   */
  freeze(options?: { releaseAfterMs?: number }): void;
  close(): Promise<void>;
}

export async function startStallProxy(upstreamUrl: string): Promise<StallProxy> {
  const upstream = new URL(upstreamUrl);
  const open = new Set<{ client: net.Socket; server: net.Socket }>();
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const server = net.connect(Number(upstream.port), upstream.hostname);
    const pair = { client, server };
    open.add(pair);
    sockets.add(client).add(server);
    client.pipe(server);
    server.pipe(client);
    const drop = () => {
      open.delete(pair);
      sockets.delete(client);
      sockets.delete(server);
      client.destroy();
      server.destroy();
    };
    client.on('error', drop).on('close', drop);
    server.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    freeze(options = {}) {
      const frozen = [...open];
      for (const { client, server } of frozen) {
        client.unpipe(server);
        server.unpipe(client);
        client.pause();
        server.pause();
      }
      open.clear();
      if (options.releaseAfterMs !== undefined) {
        setTimeout(() => {
          for (const { client, server } of frozen) {
            client.destroy();
            server.destroy();
          }
        }, options.releaseAfterMs).unref();
      }
    },
    async close() {
      // close() waits for every connection to end, and frozen ones never would.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
