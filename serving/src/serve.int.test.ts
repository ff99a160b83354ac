import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { writeProductionPointer } from '@recsys/core/registry/pointer';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCatalogueBundle } from '../test/catalogue-bundle.ts';
import { resolveModelName, serve } from './serve.ts';
import { call, TEST_API_KEY, WRITE_HEADERS } from './testing/http.ts';

const SHAPE = { users: 300, items: 400, perUser: 20, factors: 8 };

describe('serve(): startup, readiness and restarts', () => {
  const temp = tempDir('recsys-serve-');
  let store: string;
  let version: string;
  beforeAll(async () => {
    store = path.join(temp.dir, 'store');
    ({ version } = await writeCatalogueBundle(store, 'movies', SHAPE));
  });
  afterAll(() => temp.cleanup());
  const quiet = { say: () => {} };

  it('refuses to start without a version to serve, and names the ways out', async () => {
    await expect(serve({ store, port: 0, logDir: path.join(temp.dir, 'l0'), ...quiet })).rejects.toThrow(
      /no Production version.*--version.*--follow/s,
    );
    await expect(serve({ store, follow: true, version, port: 0, ...quiet })).rejects.toThrow(/exclude each other/);
    expect(resolveModelName(store)).toBe('movies');
    mkdirSync(path.join(temp.dir, 'empty'));
    expect(() => resolveModelName(path.join(temp.dir, 'empty'))).toThrow(/no model bundles/);
  });

  it('with --follow and no Production yet: alive, not ready, saying what to run; ready once the pointer appears', async () => {
    const said: string[] = [];
    const running = await serve({
      store,
      follow: true,
      port: 0,
      pollMs: 50,
      logDir: path.join(temp.dir, 'l1'),
      say: (line) => said.push(line),
    });
    try {
      expect((await call(running.url, 'GET', '/health')).body.ready).toBe(false);
      expect((await call(running.url, 'GET', '/ready')).status).toBe(503);
      const waiting = await call(running.url, 'POST', '/recommend', { user_id: 1 });
      expect(waiting.status).toBe(503);
      // Waiting alone would not help: the answer names the command, the store and the trained version.
      const promote = `recsys promote --store ${store} --model movies --version <version> (trained: ${version})`;
      expect(waiting.body.error.message).toContain(promote);
      expect(waiting.body.error.message).not.toMatch(/wait until/);
      expect(said.join('\n')).toContain(promote);
      writeProductionPointer(store, 'movies', version);
      const deadline = Date.now() + 5000;
      while ((await call(running.url, 'GET', '/ready')).status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await call(running.url, 'GET', '/ready')).status).toBe(200);
      const metrics = (await call(running.url, 'GET', '/metrics')).body as string;
      expect(metrics).toMatch(/^recsys_catalogue_movies [1-9]/m);
      expect(metrics).toContain(`recsys_model_info{name="movies",version="${version}",type="factors"} 1`);
    } finally {
      await running.close();
    }
  });

  it('keeps fold-in users across a restart, from the event log', async () => {
    const logDir = path.join(temp.dir, 'l2');
    const first = await serve({ store, version, port: 0, logDir, apiKeysEnv: TEST_API_KEY, ...quiet });
    const liked = [1, 2, 3, 4, 5].map((movie_id) => ({ user_id: 77_777, movie_id, rating: 5 }));
    expect((await call(first.url, 'POST', '/interactions', liked, { headers: WRITE_HEADERS })).status).toBe(201);
    const before = await call(first.url, 'POST', '/recommend', { user_id: 77_777 });
    expect(before.body.source).toBe('fold_in');
    await first.close();
    const second = await serve({ store, version, port: 0, logDir, ...quiet });
    try {
      const after = await call(second.url, 'POST', '/recommend', { user_id: 77_777 });
      expect(after.body.source).toBe('fold_in');
      expect(after.body.recommendations).toEqual(before.body.recommendations);
    } finally {
      await second.close();
    }
  });

  /** `recsys serve` as a process: its exit code, its stderr, and how long it lived after its first error line. */
  const failedStart = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string; lingeredMs: number }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), 'serve', ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      let erredAt = 0;
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
        if (!erredAt && /^recsys: /m.test(stderr)) erredAt = performance.now();
      });
      child.on('exit', (code) => {
        clearTimeout(killer);
        resolve({ code, stderr, lingeredMs: erredAt ? performance.now() - erredAt : Number.POSITIVE_INFINITY });
      });
    });

  it('exits non-zero at once on a start-up error, naming the address or the path (finding 5)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = await failedStart(['--store', store, '--version', version, '--port', String(port)]);
      expect(busy.code).not.toBe(0);
      expect(busy.stderr).toContain(`127.0.0.1:${port}`);
      expect(busy.lingeredMs).toBeLessThan(5000);
    } finally {
      taken.close();
    }
    const file = path.join(temp.dir, 'not-a-dir');
    writeFileSync(file, '');
    const badLogs = await failedStart([
      '--store',
      store,
      '--version',
      version,
      '--port',
      '0',
      '--log-dir',
      `${file}/logs`,
    ]);
    expect(badLogs.code).not.toBe(0);
    expect(badLogs.stderr).toContain(`${file}/logs`);
    expect(badLogs.lingeredMs).toBeLessThan(5000);
  });
});
