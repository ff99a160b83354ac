import { recommendResponse, similarResponse } from '@recsys/core/api/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from './auth/api-keys.ts';
import { createServingMetrics } from './metrics.ts';
import { ModelSlot } from './model/slot.ts';
import { type RunningServer, startServer } from './server.ts';
import { call, TEST_API_KEY, WRITE_HEADERS } from './testing/http.ts';
import { type SyntheticModel, syntheticModel } from './testing/synthetic-model.ts';

let server: RunningServer;
let synthetic: SyntheticModel;
let base: string;
const serverErrors: unknown[] = [];

beforeAll(async () => {
  synthetic = syntheticModel();
  server = await startServer({
    slot: new ModelSlot(synthetic.model),
    metrics: createServingMetrics({ defaultMetrics: false }),
    corsOrigins: ['http://allowed.example'],
    bodyLimitBytes: 4096,
    apiKeys: new ApiKeys({ env: TEST_API_KEY }),
    onServerError: (err) => serverErrors.push(err),
  });
  base = server.url;
});
afterAll(async () => {
  await server.close();
  expect(serverErrors).toEqual([]);
});

const post = (path: string, body?: unknown, init?: Parameters<typeof call>[4]) =>
  call(base, 'POST', path, body, { ...init, headers: { ...WRITE_HEADERS, ...init?.headers } });
const get = (path: string) => call(base, 'GET', path);

describe('POST /recommend', () => {
  it('gives a known user the core ranking, with movie details and the model version', async () => {
    const userId = synthetic.userIds[3];
    const res = await post('/recommend', { user_id: userId, k: 5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'personalised', is_fallback: false, reason: null });
    expect(res.body.model.version).toBe('v-synthetic');
    const expected = synthetic.model.recommendForUser(userId, 5, { excludeSeen: true });
    expect(res.body.recommendations.map((r: { movie_id: number }) => r.movie_id)).toEqual([...expected.movieIds]);
    expect(res.body.recommendations.length).toBe(5);
    expect(res.body.recommendations[0]).toMatchObject({ title: expect.any(String), genres: expect.any(Array) });
    expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
  });

  it('explains each personalised recommendation by the liked movie that core ranks most similar to it', async () => {
    const userId = synthetic.userIds[3];
    const res = await post('/recommend', { user_id: userId, k: 8 });
    const liked = synthetic.model.fitLikes(userId);
    expect(liked.length).toBeGreaterThan(0);
    const explained = res.body.recommendations.filter((r: { because_you_liked: unknown }) => r.because_you_liked);
    expect(explained.length).toBeGreaterThan(0);
    for (const r of explained) {
      // The same answer through another path: the first liked movie in core's own similar ranking of the item.
      const ranked = synthetic.model.similar([r.movie_id], synthetic.movieIds.length, { excludeSeen: true });
      const nearest = [...ranked.movieIds].find((id) => liked.includes(id));
      expect(r.because_you_liked.movie_id).toBe(nearest);
      expect(r.because_you_liked.display_title).toBe(synthetic.model.movie(nearest!)!.display_title);
    }
  });

  it('falls back to popular movies for a user with nothing, saying why', async () => {
    const res = await post('/recommend', { user_id: 999_999, k: 4, genres: ['Comedy'] });
    expect(res.status).toBe(200);
    expect(res.body.is_fallback).toBe(true);
    expect(res.body.source).toBe('popular');
    expect(res.body.reason).toMatch(/no interactions/);
    expect(res.body.recommendations.every((r: { genres: string[] }) => r.genres.includes('Comedy'))).toBe(true);
    expect(res.body.recommendations.every((r: { because_you_liked: unknown }) => r.because_you_liked === null)).toBe(
      true,
    );
    const expected = synthetic.model.coldStart(4, { genres: ['Comedy'] });
    expect(res.body.recommendations.map((r: { movie_id: number }) => r.movie_id)).toEqual([...expected.movieIds]);
  });

  it('folds in a new user who posted 5 liked movies: personalised, none of the 5 returned', async () => {
    const userId = 555_001;
    const liked = [10, 40, 70, 100, 130];
    const posted = await post(
      '/interactions',
      liked.map((movie_id) => ({ user_id: userId, movie_id, rating: 5 })),
    );
    expect(posted.status).toBe(201);
    expect(posted.body.accepted).toBe(5);
    const res = await post('/recommend', { user_id: userId, k: 10 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'fold_in', is_fallback: false, reason: null });
    const ids = res.body.recommendations.map((r: { movie_id: number }) => r.movie_id);
    expect(ids.length).toBe(10);
    expect(ids.filter((id: number) => liked.includes(id))).toEqual([]);
    expect(ids).toEqual([...synthetic.model.recommendFromLiked(liked, 10, {}).movieIds]);
    const because = res.body.recommendations.map(
      (r: { because_you_liked: { movie_id: number } | null }) => r.because_you_liked,
    );
    expect(because.some((b: unknown) => b !== null)).toBe(true);
    for (const b of because) if (b) expect(liked).toContain(b.movie_id);
    const popular = [...synthetic.model.popular(10, 'all', {}).movieIds];
    expect(ids).not.toEqual(popular);
  });

  it('leaves out movies a user rated since the fit, known user or new, liked or not', async () => {
    const known = synthetic.userIds[5];
    const before = await post('/recommend', { user_id: known, k: 5 });
    const top = before.body.recommendations.map((r: { movie_id: number }) => r.movie_id);
    await post('/interactions', { user_id: known, movie_id: top[0], rating: 1 });
    const after = await post('/recommend', { user_id: known, k: 5 });
    const ids = after.body.recommendations.map((r: { movie_id: number }) => r.movie_id);
    expect(ids).toEqual([...top.slice(1), expect.any(Number)]);
    expect(ids).not.toContain(top[0]);
    const withSeen = await post('/recommend', { user_id: known, k: 5, exclude_seen: false });
    expect(withSeen.body.recommendations.map((r: { movie_id: number }) => r.movie_id)).toEqual([
      ...synthetic.model.recommendForUser(known, 5, { excludeSeen: false }).movieIds,
    ]);

    const newUser = 555_003;
    const cold = await post('/recommend', { user_id: newUser, k: 3 });
    const coldTop = cold.body.recommendations[0].movie_id;
    await post('/interactions', { user_id: newUser, movie_id: coldTop, rating: 2 });
    const next = await post('/recommend', { user_id: newUser, k: 3 });
    expect(next.body.is_fallback).toBe(true);
    expect(next.body.recommendations.map((r: { movie_id: number }) => r.movie_id)).not.toContain(coldTop);
  });

  it('stays on the fallback for a new user whose ratings are all below "liked"', async () => {
    await post('/interactions', { user_id: 555_002, movie_id: 10, rating: 2 });
    const res = await post('/recommend', { user_id: 555_002 });
    expect(res.body.is_fallback).toBe(true);
    expect(res.body.reason).toMatch(/not liked/);
  });

  it('answers 200 with an empty list when the filters leave nothing', async () => {
    const res = await post('/recommend', { user_id: synthetic.userIds[0], year_min: 2090, year_max: 2095 });
    expect(res.status).toBe(200);
    expect(res.body.recommendations).toEqual([]);
  });

  it('applies genre and year filters', async () => {
    const res = await post('/recommend', {
      user_id: synthetic.userIds[1],
      k: 100,
      genres: ['Drama'],
      year_min: 1985,
      year_max: 2000,
    });
    expect(res.status).toBe(200);
    expect(res.body.recommendations.length).toBeGreaterThan(0);
    for (const r of res.body.recommendations) {
      expect(r.genres).toContain('Drama');
      expect(r.year).toBeGreaterThanOrEqual(1985);
      expect(r.year).toBeLessThanOrEqual(2000);
    }
  });

  it.each([
    ['k of 0', { user_id: 1, k: 0 }, 'k'],
    ['k above the maximum', { user_id: 1, k: 101 }, 'k'],
    ['a fractional k', { user_id: 1, k: 1.5 }, 'k'],
    ['a string user id', { user_id: 'abc' }, 'user_id'],
    ['a missing user id', { k: 3 }, 'user_id'],
    ['an unknown field', { user_id: 1, colour: 'red' }, '(root)'],
    ['year_min after year_max', { user_id: 1, year_min: 2000, year_max: 1990 }, 'year_min'],
    ['genres that are not a list', { user_id: 1, genres: 'Drama' }, 'genres'],
    ['a JSON array body', [1, 2], '(root)'],
    ['a JSON null body', null, '(root)'],
  ])('rejects %s with a 400 naming the field', async (_name, body, field) => {
    const res = await post('/recommend', undefined, { raw: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details.problems.map((p: { path: string }) => p.path)).toContain(field);
    expect(res.body.error.request_id).toEqual(expect.any(String));
  });

  it('rejects an unknown genre with the list of known ones', async () => {
    const res = await post('/recommend', { user_id: 1, genres: ['Western'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unknown_genre');
    expect(res.body.error.message).toContain('Action');
  });

  it('rejects malformed JSON, an empty body and a non-JSON content type', async () => {
    const malformed = await post('/recommend', undefined, { raw: '{"user_id": 1,' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const empty = await post('/recommend', undefined, { raw: '' });
    expect(empty.status).toBe(400);
    const text = await post('/recommend', undefined, { raw: 'user_id=1', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
  });

  it('stops reading a chunked body (no Content-Length) once it passes the limit', async () => {
    const { request } = await import('node:http');
    const url = new URL(`${base}/recommend`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(`{"user_id": 1, "genres": [${'"Drama",'.repeat(400)}`);
      req.write(`${'"Drama",'.repeat(400)}"Drama"]}`);
      req.end();
    });
    expect(status).toBe(413);
  });

  it('rejects an oversize body with a 413', async () => {
    const res = await post('/recommend', { user_id: 1, genres: Array.from({ length: 1000 }, () => 'Drama') });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

describe('POST /similar', () => {
  it('returns the core similar ranking without the seeds', async () => {
    const seeds = [20, 50];
    const res = await post('/similar', { movie_ids: seeds, k: 6 });
    expect(res.status).toBe(200);
    const ids = res.body.recommendations.map((r: { movie_id: number }) => r.movie_id);
    expect(ids).toEqual([...synthetic.model.similar(seeds, 6, {}).movieIds]);
    expect(ids.some((id: number) => seeds.includes(id))).toBe(false);
    expect(res.body.seeds.map((m: { movie_id: number }) => m.movie_id)).toEqual(seeds);
  });

  it('answers 404 naming an unknown movie and explaining the model has not seen it', async () => {
    const res = await post('/similar', { movie_ids: [20, 99_999] });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('unknown_movie');
    expect(res.body.error.message).toContain('99999');
    expect(res.body.error.message).toMatch(/has not seen/);
    expect(res.body.error.details.unknown_movie_ids).toEqual([99_999]);
  });

  it('answers 404 for a movie that had no interactions at fit time', async () => {
    const res = await post('/similar', { movie_ids: [synthetic.unrankedMovieId] });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/next retrain/);
  });

  it('rejects an empty seed list and too many seeds', async () => {
    expect((await post('/similar', { movie_ids: [] })).status).toBe(400);
    expect((await post('/similar', { movie_ids: Array.from({ length: 51 }, (_, i) => i + 1) })).status).toBe(400);
  });
});

describe('POST /interactions', () => {
  it('accepts one or a batch and lists movies the model has not seen', async () => {
    const one = await post('/interactions', { user_id: 7, movie_id: 20, rating: 4.5, timestamp: 978_300_760 });
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ accepted: 1, users: [7], unseen_movie_ids: [] });
    const batch = await post('/interactions', [
      { user_id: 8, movie_id: 424_242, rating: 5, timestamp: '2026-11-29T10:00:00Z' },
      { user_id: 9, movie_id: synthetic.unrankedMovieId, rating: 3 },
    ]);
    expect(batch.status).toBe(201);
    expect(batch.body.unseen_movie_ids).toEqual([424_242, synthetic.unrankedMovieId]);
  });

  it.each([
    ['a rating above 5', { user_id: 1, movie_id: 1, rating: 6 }],
    ['a rating off the half-star grid', { user_id: 1, movie_id: 1, rating: 3.3 }],
    ['a bad timestamp', { user_id: 1, movie_id: 1, rating: 3, timestamp: 'yesterday' }],
    ['an empty batch', []],
    ['an unknown field', { user_id: 1, movie_id: 1, rating: 3, liked: true }],
  ])('rejects %s', async (_name, body) => {
    const res = await post('/interactions', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });
});

describe('catalogue endpoints', () => {
  it('GET /popular ranks by popularity, per genre and trending', async () => {
    const all = await get('/popular?limit=5');
    expect(all.status).toBe(200);
    expect(all.body.movies.map((m: { movie_id: number }) => m.movie_id)).toEqual([
      ...synthetic.model.popular(5, 'all', {}).movieIds,
    ]);
    const action = await get('/popular?genre=Action&window=trending&limit=3');
    expect(action.status).toBe(200);
    expect(action.body.window).toBe('trending');
    expect(action.body.movies.every((m: { genres: string[] }) => m.genres.includes('Action'))).toBe(true);
    expect((await get('/popular?limit=0')).status).toBe(400);
    expect((await get('/popular?limit=ten')).status).toBe(400);
    expect((await get('/popular?window=weekly')).status).toBe(400);
    expect((await get('/popular?genre=Western')).status).toBe(400);
    expect((await get('/popular?sort=asc')).status).toBe(400);
  });

  it('GET /movies searches titles and GET /movies/{id} looks one up', async () => {
    const found = await get('/movies?q=movie%201&limit=50');
    expect(found.status).toBe(200);
    expect(found.body.movies.length).toBeGreaterThan(1);
    expect(found.body.movies.every((m: { title: string }) => m.title.toLowerCase().includes('movie 1'))).toBe(true);
    const one = await get('/movies/30');
    expect(one.status).toBe(200);
    expect(one.body.movie).toMatchObject({
      movie_id: 30,
      title: 'Movie 2, The (1982)',
      display_title: 'The Movie 2',
      year: 1982,
      genres: ['Drama'],
      in_model: true,
    });
    // Either title form finds it.
    for (const q of ['the%20movie%202', 'movie%202,%20the']) {
      expect((await get(`/movies?q=${q}`)).body.movies.map((m: { movie_id: number }) => m.movie_id)).toContain(30);
    }
    const unranked = await get(`/movies/${synthetic.unrankedMovieId}`);
    expect(unranked.body.movie.in_model).toBe(false);
    const missing = await get('/movies/99999');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/has not seen/);
    expect((await get('/movies/abc')).status).toBe(400);
    expect((await get('/genres')).body.genres).toEqual(['Action', 'Comedy', 'Drama']);
  });
});

describe('the service around the endpoints', () => {
  it('reports health, readiness and the model', async () => {
    const health = await get('/health');
    expect(health.body).toMatchObject({
      status: 'ok',
      ready: true,
      model: { version: 'v-synthetic', type: 'itemknn' },
    });
    expect((await get('/ready')).status).toBe(200);
  });

  it('answers unknown paths with 404 and wrong methods with 405, as JSON errors', async () => {
    const missing = await get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const wrong = await get('/recommend');
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('method_not_allowed');
    expect(wrong.headers.get('allow')).toBe('POST');
    const options = await call(base, 'OPTIONS', '/movies/3');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toContain('GET');
  });

  it('exposes Prometheus metrics', async () => {
    await post('/recommend', { user_id: 999_998 });
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/recsys_http_request_duration_seconds_bucket\{[^}]*route="\/recommend"/);
    expect(res.body).toMatch(/recsys_recommendations_total\{endpoint="recommend",fallback="true"\} [1-9]/);
    expect(res.body).toContain('recsys_log_rows_dropped_total');
  });

  it('serves an OpenAPI document covering every endpoint, and a docs page', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/recommend', '/similar', '/interactions', '/popular', '/movies', '/movies/{id}']),
    );
    const recommend = res.body.paths['/recommend'].post;
    expect(recommend.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(Object.keys(recommend.responses)).toEqual(expect.arrayContaining(['200', '400', '413', '415']));
    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.body).toContain('/recommend');
  });

  it('allows listed CORS origins only', async () => {
    const allowed = await call(base, 'OPTIONS', '/recommend', undefined, {
      headers: { origin: 'http://allowed.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://allowed.example');
    const refused = await call(base, 'OPTIONS', '/recommend', undefined, {
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
    const simple = await call(base, 'GET', '/health', undefined, { headers: { origin: 'http://evil.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never answers arbitrary JSON with a 5xx', async () => {
    const values = [
      0,
      -1,
      1e308,
      'x',
      true,
      null,
      [],
      {},
      [{}],
      { user_id: null },
      { movie_ids: [0] },
      { user_id: 2 ** 53 },
    ];
    for (const path of ['/recommend', '/similar', '/interactions']) {
      for (const value of values) {
        const res = await post(path, value);
        expect(res.status, `${path} ${JSON.stringify(value)}`).toBeLessThan(500);
      }
    }
  });
});

describe('without a model', () => {
  it('is alive but not ready, and model endpoints answer 503', async () => {
    const empty = await startServer({
      slot: new ModelSlot(),
      metrics: createServingMetrics({ defaultMetrics: false }),
    });
    try {
      expect((await call(empty.url, 'GET', '/health')).body).toMatchObject({ ready: false, model: null });
      expect((await call(empty.url, 'GET', '/ready')).status).toBe(503);
      const res = await call(empty.url, 'POST', '/recommend', { user_id: 1 });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('model_not_ready');
    } finally {
      await empty.close();
    }
  });
});

async function postText(path: string, body: unknown): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { ...WRITE_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('the hot routes answer joined JSON text', () => {
  it('prints what JSON.stringify of the zod-checked answer prints, for every /recommend source', async () => {
    const userId = 777_001;
    const liked = [10, 40, 70];
    const posted = await postText(
      '/interactions',
      liked.map((movie_id) => ({ user_id: userId, movie_id, rating: 5 })),
    );
    expect(posted.status).toBe(201);
    const answers = [
      { user_id: synthetic.userIds[3], k: 8 },
      { user_id: userId, k: 5, genres: ['Drama'] },
      { user_id: 999_999, k: 4 },
    ];
    const sources: string[] = [];
    for (const body of answers) {
      const res = await postText('/recommend', body);
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/json; charset=utf-8');
      const parsed = recommendResponse.parse(JSON.parse(res.text));
      expect(res.text).toBe(JSON.stringify(parsed));
      sources.push(parsed.source);
    }
    expect(sources).toEqual(['personalised', 'fold_in', 'popular']);
  });

  it('prints /similar the same way, seeds (with titles needing their article moved) and list', async () => {
    const res = await postText('/similar', { movie_ids: [20, 30, 50], k: 6, year_min: 1990 });
    expect(res.status).toBe(200);
    const parsed = similarResponse.parse(JSON.parse(res.text));
    expect(res.text).toBe(JSON.stringify(parsed));
    expect(parsed.seeds.map((m) => m.display_title)).toContain('The Movie 2');
    expect(parsed.recommendations).toHaveLength(6);
  });
});
