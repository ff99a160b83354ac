import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { writeProductionPointer } from '@recsys/core/registry/pointer';
import { ml100kDir, repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { fitRecommender, prepareMl100k, servingTables } from '../test/ml100k-models.ts';
import { startServeProcess } from './testing/cli-process.ts';
import { writeServingBundle } from './testing/write-bundle.ts';

const source = ml100kDir();
const CLIENTS = 8;

/**
 * The real `recsys serve --follow` under steady load while Production moves: zero failed requests, every client
 * sees the version switch once and never back, SIGTERM drains and flushes, and the log holds one row per request.
 */
describe.skipIf(!source)('hot swap under load (recsys serve --follow, ml-100k)', () => {
  const temp = tempDir('recsys-hot-swap-');
  afterAll(() => temp.cleanup());

  it('switches versions with zero failed requests, then shuts down cleanly', async () => {
    const data = await prepareMl100k(source!, path.join(temp.dir, 'prepared'));
    const store = path.join(temp.dir, 'store');
    const logDir = path.join(temp.dir, 'logs');
    const tables = servingTables(data);
    const v1 = await writeServingBundle({
      store,
      modelName: 'movies',
      recommender: fitRecommender(data, 'itemknn'),
      tables,
    });
    writeProductionPointer(store, 'movies', v1.version);
    const server = await startServeProcess(['--store', store, '--follow', '--port', '0', '--log-dir', logDir]);
    try {
      let running = true;
      const failures: string[] = [];
      const seen: string[][] = Array.from({ length: CLIENTS }, () => []);
      let sent = 0;
      const client = async (c: number) => {
        for (let i = 0; running; i++) {
          const similar = i % 4 === 3;
          const body = similar
            ? { movie_ids: [data.movieIds[(c * 31 + i) % 200]], k: 10 }
            : { user_id: data.userIds[(c * 97 + i * 13) % data.userIds.length], k: 10 };
          sent++;
          try {
            const res = await fetch(`${server.url}${similar ? '/similar' : '/recommend'}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            const json = (await res.json()) as { model?: { version: string } };
            if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(json)}`);
            else if (seen[c].at(-1) !== json.model!.version) seen[c].push(json.model!.version);
          } catch (err) {
            failures.push(String(err));
          }
        }
      };
      const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
      await new Promise((r) => setTimeout(r, 1000));
      const v2 = await writeServingBundle({
        store,
        modelName: 'movies',
        recommender: fitRecommender(data, 'als'),
        tables,
      });
      writeProductionPointer(store, 'movies', v2.version);
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && seen.some((versions) => versions.at(-1) !== v2.version)) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 500));
      running = false;
      await load;

      expect(failures).toEqual([]);
      expect(sent).toBeGreaterThan(200);
      for (const versions of seen) expect(versions).toEqual([v1.version, v2.version]);
      expect(server.stderr()).toMatch(/swapped movies .* → /);

      expect(await server.stop('SIGTERM')).toBe(0);
      const summary = JSON.parse(
        execFileSync(
          process.execPath,
          [path.join(repoRoot, 'cli/src/main.ts'), 'logs', '--log-dir', logDir, '--since', '1h', '--json'],
          {
            encoding: 'utf8',
          },
        ),
      );
      expect(summary.requests).toBe(sent);
      expect(summary.model_versions).toEqual([v1.version, v2.version].sort());
      expect(summary.endpoints.every((e: { errors_5xx: number }) => e.errors_5xx === 0)).toBe(true);
    } finally {
      if (server.child.exitCode === null) await server.stop('SIGKILL');
    }
  });
});
