import path from 'node:path';
import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import type { PreparedDataset } from '@recsys/trainer/data/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitRecommender, type ModelKind, prepareMl100k, servingTables } from '../test/ml100k-models.ts';
import { type RunningService, serve } from './serve.ts';
import { call, TEST_API_KEY, WRITE_HEADERS } from './testing/http.ts';
import { writeServingBundle } from './testing/write-bundle.ts';

const source = ml100kDir();

/** The behaviours against real ml-100k bundles written with core's writer and served by `serve()`. */
describe.skipIf(!source)('the API on real bundles (ml-100k)', () => {
  const temp = tempDir('recsys-serving-behaviour-');
  let data: PreparedDataset;
  beforeAll(async () => {
    data = await prepareMl100k(source!, path.join(temp.dir, 'prepared'));
  });
  afterAll(() => temp.cleanup());

  describe.each<ModelKind>(['als', 'itemknn'])('%s', (kind) => {
    let running: RunningService;
    beforeAll(async () => {
      const store = path.join(temp.dir, `store-${kind}`);
      const { version } = await writeServingBundle({
        store,
        modelName: 'movies',
        recommender: fitRecommender(data, kind),
        tables: servingTables(data),
      });
      running = await serve({
        store,
        version,
        port: 0,
        logDir: path.join(temp.dir, `logs-${kind}`),
        apiKeysEnv: TEST_API_KEY,
        say: () => {},
      });
    });
    afterAll(() => running?.close());
    const post = (p: string, body?: unknown, init?: Parameters<typeof call>[4]) =>
      call(running.url, 'POST', p, body, { ...init, headers: { ...WRITE_HEADERS, ...init?.headers } });

    it('folds in a new user from 5 liked movies: personalised, not fallback, none of the 5 returned', async () => {
      const userId = 1_000_000 + (kind === 'als' ? 1 : 2);
      const before = await post('/recommend', { user_id: userId, k: 10 });
      expect(before.body.is_fallback).toBe(true);
      // Five well-known movies of one taste: Star Wars, Empire, Return of the Jedi, Raiders, Terminator.
      const liked = [50, 172, 181, 174, 195];
      const posted = await post(
        '/interactions',
        liked.map((movie_id, i) => ({ user_id: userId, movie_id, rating: 5, timestamp: 893_000_000 + i })),
      );
      expect(posted.status).toBe(201);
      expect(posted.body.unseen_movie_ids).toEqual([]);
      const after = await post('/recommend', { user_id: userId, k: 10 });
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ source: 'fold_in', is_fallback: false, reason: null });
      const ids = after.body.recommendations.map((r: { movie_id: number }) => r.movie_id);
      expect(ids).toHaveLength(10);
      expect(ids.filter((id: number) => liked.includes(id))).toEqual([]);
      expect(ids).not.toEqual(before.body.recommendations.map((r: { movie_id: number }) => r.movie_id));
    });

    it('answers a known user with personalised movies that carry title, year and genres', async () => {
      const res = await post('/recommend', { user_id: data.userIds[0], k: 5, genres: ['Comedy'] });
      expect(res.status).toBe(200);
      expect(res.body.source).toBe('personalised');
      expect(res.body.model.version).toBe(running.slot.current?.info.version);
      for (const movie of res.body.recommendations) {
        expect(movie.title).toEqual(expect.any(String));
        expect(movie.genres).toContain('Comedy');
      }
    });

    it('answers 200 with an empty list when the filters leave nothing', async () => {
      const res = await post('/recommend', { user_id: data.userIds[0], year_min: 2090 });
      expect(res.status).toBe(200);
      expect(res.body.recommendations).toEqual([]);
      const similar = await post('/similar', { movie_ids: [50], genres: ['Film-Noir'], year_min: 2050 });
      expect(similar.status).toBe(200);
      expect(similar.body.recommendations).toEqual([]);
    });

    it('answers 404 for a movie the model has not seen, explaining why', async () => {
      const res = await post('/similar', { movie_ids: [50, 987_654] });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/987654.*has not seen it yet/);
      const movie = await call(running.url, 'GET', '/movies/987654');
      expect(movie.status).toBe(404);
    });

    it.each([
      ['k out of range', { user_id: 1, k: 1000 }, undefined, 400],
      ['wrong types', { user_id: '1', k: '5' }, undefined, 400],
      ['unknown fields', { user_id: 1, limit: 5 }, undefined, 400],
      ['malformed JSON', undefined, '{"user_id": 1', 400],
      ['an oversize body', undefined, JSON.stringify({ user_id: 1, genres: ['x'.repeat(300_000)] }), 413],
    ])('rejects %s with a clear 4xx', async (_name, body, raw, status) => {
      const res = await post('/recommend', body, raw === undefined ? undefined : { raw });
      expect(res.status).toBe(status);
      expect(res.body.error.message.length).toBeGreaterThan(20);
    });

    it('serves popular movies by genre and trending, and title search', async () => {
      const popular = await call(running.url, 'GET', '/popular?genre=Horror&window=trending&limit=5');
      expect(popular.status).toBe(200);
      expect(popular.body.movies).toHaveLength(5);
      expect(popular.body.movies.every((m: { genres: string[] }) => m.genres.includes('Horror'))).toBe(true);
      const search = await call(running.url, 'GET', '/movies?q=star%20wars');
      expect(search.body.movies[0]).toMatchObject({ movie_id: 50, year: 1977 });
    });
  });
});
