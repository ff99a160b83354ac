import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeProductionPointer } from '@recsys/core/registry/pointer';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCatalogueBundle } from '../../test/catalogue-bundle.ts';
import { serve } from '../serve.ts';
import { startServeProcess } from '../testing/cli-process.ts';
import { call } from '../testing/http.ts';

const SHAPE = { users: 200, items: 300, perUser: 15, factors: 8 };

/** Issue 16, finding 7: serving's health tells the truth about what it serves, and recovers by itself. */
describe('serving health that tells the truth', () => {
  const temp = tempDir('recsys-truthful-');
  const store = path.join(temp.dir, 'store');
  let earlier: string;
  let production: string;
  beforeAll(async () => {
    ({ version: earlier } = await writeCatalogueBundle(store, 'movies', SHAPE, { seed: 1 }));
    ({ version: production } = await writeCatalogueBundle(store, 'movies', SHAPE, { seed: 2 }));
    writeProductionPointer(store, 'movies', earlier);
    writeProductionPointer(store, 'movies', production);
  });
  afterAll(() => temp.cleanup());
  /** Flips a byte of one of Production's factor files; the caller writes `intact` back. */
  const damageProduction = () => {
    const dir = path.join(store, 'movies', production);
    const victim = path.join(dir, readdirSync(dir).find((name) => name.endsWith('.f32'))!);
    const intact = readFileSync(victim);
    const damaged = Buffer.from(intact);
    damaged[0] ^= 0xff;
    writeFileSync(victim, damaged);
    return { victim, intact };
  };

  it('serves the earlier Production when Production is corrupt at start, says it is stale, and takes the repaired one', async () => {
    const { victim, intact } = damageProduction();
    const said: string[] = [];
    const running = await serve({
      store,
      follow: true,
      port: 0,
      logDir: path.join(temp.dir, 'logs'),
      staleGraceMs: 300,
      retryMs: 500,
      pollMs: 100,
      say: (line) => said.push(line),
    });
    try {
      expect(running.slot.current?.info.version).toBe(earlier);
      expect(said.join('\n')).toMatch(
        new RegExp(
          `WARNING Production ${production} failed to load [\\s\\S]* serving the earlier Production ${earlier}`,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const ready = await call(running.url, 'GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.code).toBe('stale_model');
      expect(ready.body.error.message).toContain(`registry's Production is ${production}`);
      expect((await call(running.url, 'GET', '/health')).body).toMatchObject({
        ready: false,
        model: { version: earlier },
      });
      const metrics = (await call(running.url, 'GET', '/metrics')).body as string;
      expect(metrics).toMatch(/recsys_model_swaps_total\{outcome="fallback"\} 1/);
      expect(Number(/recsys_model_stale_seconds ([0-9.]+)/.exec(metrics)?.[1])).toBeGreaterThan(0.2);

      // Repaired in place (same version): tried again and swapped in without the pointer moving.
      writeFileSync(victim, intact);
      const deadline = Date.now() + 10_000;
      while (running.slot.current?.info.version !== production && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(running.slot.current?.info.version).toBe(production);
      expect((await call(running.url, 'GET', '/ready')).status).toBe(200);
      expect((await call(running.url, 'GET', '/metrics')).body).toMatch(/recsys_model_stale_seconds 0\n/);
    } finally {
      await running.close();
    }
  });

  it('recsys serve --stale-grace sets how long serving may differ from Production before /ready says so', async () => {
    const { victim, intact } = damageProduction();
    const args = ['--store', store, '--follow', '--port', '0', '--log-dir', path.join(temp.dir, 'logs-cli')];
    const running = await startServeProcess([...args, '--stale-grace', '1']);
    try {
      let ready = await call(running.url, 'GET', '/ready');
      for (const deadline = Date.now() + 15_000; ready.status === 200 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ready = await call(running.url, 'GET', '/ready');
      }
      expect(ready.status).toBe(503);
      expect(ready.body.error.code).toBe('stale_model');
    } finally {
      await running.stop();
      writeFileSync(victim, intact);
    }
  });
});
