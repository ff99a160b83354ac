import path from 'node:path';
import { readBundle } from '@recsys/core/bundle/reader';
import { loadRecommender } from '@recsys/core/recommender/load';
import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import type { PreparedDataset } from '@recsys/trainer/data/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitRecommender, type ModelKind, prepareMl100k, servingTables } from '../test/ml100k-models.ts';
import { type RunningService, serve } from './serve.ts';
import { call } from './testing/http.ts';
import { writeServingBundle } from './testing/write-bundle.ts';

const source = ml100kDir();
const USERS = 100;
const K = 20;

/**
 * Train/serve parity: for 100 users and every model type, what the HTTP API returns equals — movie for movie and
 * score for score — what core's scoring path returns for the same bundle, read back independently.
 */
describe.skipIf(!source)('HTTP answers equal the core scoring path (ml-100k bundles)', () => {
  const temp = tempDir('recsys-serving-parity-');
  let data: PreparedDataset;
  beforeAll(async () => {
    data = await prepareMl100k(source!, path.join(temp.dir, 'prepared'));
  });
  afterAll(() => temp.cleanup());

  it.each<ModelKind>(['popularity', 'itemknn', 'als', 'blend'])('%s', async (kind) => {
    const store = path.join(temp.dir, `store-${kind}`);
    const { version, dir } = await writeServingBundle({
      store,
      modelName: kind,
      recommender: fitRecommender(data, kind),
      tables: servingTables(data),
    });
    const core = loadRecommender(await readBundle(dir));
    const movieIds = core.catalogue.movieIds;
    let running: RunningService | undefined;
    try {
      running = await serve({ store, version, port: 0, logDir: path.join(temp.dir, `logs-${kind}`), say: () => {} });
      // Users spread over the whole id range, each with fit history.
      const users: number[] = [];
      for (let u = 0; users.length < USERS && u < data.userIds.length; u += 7) if (core.knowsUser(u)) users.push(u);
      expect(users.length).toBe(USERS);
      for (const u of users) {
        const res = await call(running.url, 'POST', '/recommend', { user_id: data.userIds[u], k: K });
        expect(res.status).toBe(200);
        expect(res.body.source).toBe('personalised');
        const expected = core.recommend(u, K);
        const got = res.body.recommendations as { movie_id: number; score: number }[];
        expect(
          got.map((r) => r.movie_id),
          `user ${data.userIds[u]}`,
        ).toEqual([...expected.items].map((i) => movieIds[i]));
        expect(got.map((r) => r.score)).toEqual([...expected.scores]);
      }
      // Seeds: single movies and pairs across the catalogue.
      const rankable = [...movieIds.keys()].filter((i) => core.catalogue.inCatalogue[i] === 1);
      for (let s = 0; s < USERS; s++) {
        const seeds =
          s % 2 === 0
            ? [rankable[(s * 13) % rankable.length]]
            : [rankable[(s * 13) % rankable.length], rankable[(s * 31 + 5) % rankable.length]];
        const uniqueSeeds = [...new Set(seeds)];
        const res = await call(running.url, 'POST', '/similar', {
          movie_ids: uniqueSeeds.map((i) => movieIds[i]),
          k: K,
        });
        expect(res.status).toBe(200);
        const expected = core.similar(Uint32Array.from(uniqueSeeds), K);
        const got = res.body.recommendations as { movie_id: number; score: number }[];
        expect(got.map((r) => r.movie_id)).toEqual([...expected.items].map((i) => movieIds[i]));
        expect(got.map((r) => r.score)).toEqual([...expected.scores]);
      }
    } finally {
      await running?.close();
    }
  });
});
