import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { readBundle } from '@recsys/core/bundle/reader';
import { loadFallback } from '@recsys/core/model-files';
import { loadRecommender } from '@recsys/core/recommender/load';
import { ml100kDir, repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVING_FILES } from './model/bundle-files.ts';
import { type RunningService, serve } from './serve.ts';
import { call } from './testing/http.ts';

const source = ml100kDir();
const recsys = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), ...args], { encoding: 'utf8' });

/** A bundle the real trainer exported and promoted: serving follows it and answers exactly as core would. */
describe.skipIf(!source)('serving a bundle from recsys train + promote (ml-100k)', () => {
  const temp = tempDir('recsys-serving-trained-');
  let running: RunningService | undefined;
  afterAll(async () => {
    await running?.close();
    temp.cleanup();
  });

  it('answers known users, cold users and seeds as the core scoring path does on that bundle', async () => {
    const data = path.join(temp.dir, 'data');
    const store = path.join(temp.dir, 'store');
    recsys('data', 'prepare', '--source', source!, '--out', data, '--json');
    const trained = JSON.parse(
      recsys('train', '--data', data, '--store', store, '--models', 'als', '--budget', '1', '--json'),
    );
    recsys('promote', '--store', store, '--version', trained.version);
    running = await serve({ store, follow: true, port: 0, logDir: path.join(temp.dir, 'logs'), say: () => {} });
    expect(running.slot.current?.info.version).toBe(trained.version);

    const bundle = await readBundle(trained.bundle);
    const core = loadRecommender(bundle);
    const fallback = loadFallback(bundle, core.catalogue, core)!;
    const userIds = bundle.u32(SERVING_FILES.userIds);
    const movieIds = core.catalogue.movieIds;
    const ids = (items: Uint32Array) => [...items].map((i) => movieIds[i]);

    for (let u = 0; u < userIds.length; u += 37) {
      if (!core.knowsUser(u)) continue;
      const res = await call(running.url, 'POST', '/recommend', { user_id: userIds[u], k: 10 });
      expect(res.body.source).toBe('personalised');
      expect(res.body.recommendations.map((r: { movie_id: number }) => r.movie_id)).toEqual(
        ids(core.recommend(u, 10).items),
      );
    }
    const cold = await call(running.url, 'POST', '/recommend', { user_id: 10_000_000, k: 10, genres: ['Drama'] });
    expect(cold.body.is_fallback).toBe(true);
    const expectedCold = fallback.recommendFromLiked(new Uint32Array(0), 10, { filter: { genres: ['Drama'] } });
    expect(cold.body.recommendations.map((r: { movie_id: number }) => r.movie_id)).toEqual(ids(expectedCold.items));

    const seed = movieIds.indexOf(50);
    const similar = await call(running.url, 'POST', '/similar', { movie_ids: [50], k: 10 });
    expect(similar.body.recommendations.map((r: { movie_id: number }) => r.movie_id)).toEqual(
      ids(core.similar(Uint32Array.of(seed), 10).items),
    );
  });
});
