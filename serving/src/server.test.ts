import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createServingMetrics } from './metrics.ts';
import { ModelSlot } from './model/slot.ts';
import { DRAIN_WINDOW_MS, startServer } from './server.ts';
import { syntheticModel } from './testing/synthetic-model.ts';

/** One GET over a keep-alive agent: the status, the headers and whether the socket was a reused one. */
function get(
  agent: Agent,
  url: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; reused: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, reused: req.reusedSocket, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('shutting down (SIGTERM in a pod)', () => {
  it('turns not-ready first, answers keep-alive clients with Connection: close, then stops', async () => {
    const server = await startServer({
      slot: new ModelSlot(syntheticModel().model),
      metrics: createServingMetrics({ defaultMetrics: false }),
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await get(agent, `${server.url}/ready`);
      expect(before.status).toBe(200);
      expect(before.headers.connection).toBe('keep-alive');

      const started = performance.now();
      const closed = server.close();
      // The client's open connection still gets answers while the server drains: /ready says 503 and each answer
      // tells the client to reconnect (elsewhere, in a cluster) rather than reuse this socket.
      const ready = await get(agent, `${server.url}/ready`);
      expect(ready.reused).toBe(true);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body).error.code).toBe('draining');
      expect(ready.headers.connection).toBe('close');
      const health = await get(agent, `${server.url}/health`);
      expect(health.status).toBe(200);
      expect(health.headers.connection).toBe('close');

      await closed;
      expect(performance.now() - started).toBeGreaterThanOrEqual(DRAIN_WINDOW_MS - 50);
      await expect(get(agent, `${server.url}/health`)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('stops at once when no connection is open', async () => {
    const server = await startServer({
      slot: new ModelSlot(syntheticModel().model),
      metrics: createServingMetrics({ defaultMetrics: false }),
    });
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(DRAIN_WINDOW_MS);
  });
});
