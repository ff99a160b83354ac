import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../testing/postgres.ts';

describe('a local PostgreSQL server', () => {
  let engine: TestPostgres;
  beforeAll(async () => {
    engine = await startTestPostgres();
  }, 120_000);
  afterAll(async () => {
    await engine?.cleanup();
  });

  it('counts a server killed by a signal (the OOM killer, kill -9) as gone, and resume() starts it again', async () => {
    const killed = engine.server.pid;
    expect(killed).toBeGreaterThan(0);
    process.kill(killed as number, 'SIGKILL');
    await expect.poll(() => engine.server.pid, { timeout: 10_000, interval: 50 }).toBeUndefined();
    await engine.server.resume();
    const restarted = engine.server.pid;
    expect(restarted).toBeGreaterThan(0);
    expect(restarted).not.toBe(killed);
    expect(() => process.kill(restarted as number, 0)).not.toThrow();
  });
});
