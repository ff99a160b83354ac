import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCatalogueBundle } from '../test/catalogue-bundle.ts';
import { loadModel } from './model/load.ts';
import { startServeProcess } from './testing/cli-process.ts';
import { call } from './testing/http.ts';

// A bundle that asks for its usearch indexes from 1,000 movies on (the default is 50,000: too slow to build here).
const SHAPE = { users: 400, items: 3000, perUser: 30, factors: 16 };

describe('recsys serve answers a large factor catalogue from its usearch indexes', () => {
  const temp = tempDir('recsys-serve-ann-');
  const store = path.join(temp.dir, 'store');
  let version: string;
  beforeAll(async () => {
    ({ version } = await writeCatalogueBundle(store, 'movies', SHAPE, { annMinItems: 1000 }));
  }, 120_000);
  afterAll(() => temp.cleanup());

  async function answers(args: string[]) {
    const server = await startServeProcess(['--store', store, '--version', version, '--port', '0', ...args]);
    try {
      const recommend = await call(server.url, 'POST', '/recommend', { user_id: 7, k: 10, genres: ['Drama'] });
      const similar = await call(server.url, 'POST', '/similar', { movie_ids: [42, 1234], k: 10 });
      expect(recommend.status).toBe(200);
      expect(similar.status).toBe(200);
      const ids = (body: unknown) =>
        (body as { recommendations: { movie_id: number }[] }).recommendations.map((item) => item.movie_id);
      const genres = (recommend.body as { recommendations: { genres: string[] }[] }).recommendations.map(
        (m) => m.genres,
      );
      return { recommend: ids(recommend.body), similar: ids(similar.body), genres };
    } finally {
      await server.stop('SIGTERM');
    }
  }

  it('from the bundle min_items on by default, and scans with --ann off; both give k filtered answers', async () => {
    const indexed = await loadModel(store, 'movies', version);
    expect(indexed.approximate).toBe(true);
    expect((await loadModel(store, 'movies', version, { ann: 'off' })).approximate).toBe(false);

    const served = await answers([]);
    const scanned = await answers(['--ann', 'off']);
    for (const run of [served, scanned]) {
      expect(run.recommend).toHaveLength(10);
      expect(run.similar).toHaveLength(10);
      expect(run.genres.every((g) => g.includes('Drama'))).toBe(true);
    }
    const exact = await loadModel(store, 'movies', version, { ann: 'off' });
    expect(scanned.recommend).toEqual([...exact.recommendForUser(7, 10, { genres: ['Drama'] }).movieIds]);
    expect(served.recommend).toEqual([...indexed.recommendForUser(7, 10, { genres: ['Drama'] }).movieIds]);
    const overlap = served.recommend.filter((id) => scanned.recommend.includes(id)).length;
    expect(overlap).toBeGreaterThanOrEqual(9);
  });

  it('refuses --ann with a mode it does not know, naming the choices', async () => {
    await expect(startServeProcess(['--store', store, '--version', version, '--ann', 'maybe'], 20_000)).rejects.toThrow(
      /auto, on, off/,
    );
  });
});
