import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { readBundle } from '@recsys/core/bundle/reader';
import { MODEL_FILES } from '@recsys/core/model-files';
import { ml100kDir, repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, serve } from './serve.ts';
import { call } from './testing/http.ts';

const source = ml100kDir();
const recsys = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), ...args], { encoding: 'utf8' });

interface Listed {
  movie_id: number;
  genres: string[];
}

/** The model a plain `recsys train` picks on ml-100k, promoted and served: what a visitor of the site gets. */
describe.skipIf(!source)('the plain recsys train pick on ml-100k, through the running API', () => {
  const temp = tempDir('recsys-serving-pick-');
  let running: RunningService;
  let prepared: { users: number };
  let trained: { version: string; bundle: string; best: string };
  beforeAll(async () => {
    const data = path.join(temp.dir, 'data');
    const store = path.join(temp.dir, 'store');
    prepared = JSON.parse(recsys('data', 'prepare', '--source', source!, '--out', data, '--json'));
    trained = JSON.parse(recsys('train', '--data', data, '--store', store, '--json'));
    recsys('promote', '--store', store, '--version', trained.version);
    running = await serve({ store, follow: true, port: 0, logDir: path.join(temp.dir, 'logs'), say: () => {} });
  });
  afterAll(async () => {
    await running?.close();
    temp.cleanup();
  });

  const similar = async (movieId: number): Promise<Listed[]> => {
    const res = await call(running.url, 'POST', '/similar', { movie_ids: [movieId], k: 10 });
    expect(res.status, `/similar ${movieId}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body.recommendations;
  };

  it('/similar names no movie first for more than 5% of the seeds 1–300', async () => {
    const firsts = new Map<number, number>();
    let seeds = 0;
    for (let movieId = 1; movieId <= 300; movieId++) {
      const movie = await call(running.url, 'GET', `/movies/${movieId}`);
      if (movie.status !== 200 || !movie.body.movie.in_model) continue;
      const listed = await similar(movieId);
      seeds++;
      firsts.set(listed[0].movie_id, (firsts.get(listed[0].movie_id) ?? 0) + 1);
    }
    const [top, count] = [...firsts.entries()].sort((a, b) => b[1] - a[1])[0];
    console.log(
      `${trained.best} ${trained.version}: /similar #1 share ${(count / seeds).toFixed(3)} (movie ${top}, ${count} of ${seeds} seeds)`,
    );
    expect(seeds).toBeGreaterThan(250);
    expect(count / seeds, `movie ${top} is #1 for ${count} of ${seeds} seeds`).toBeLessThanOrEqual(0.05);
  });

  it('/similar lists for seeds of distinct genres differ and lean to the seeds’ genres', async () => {
    // Toy Story, Pulp Fiction, Star Trek: First Contact, Jaws, The Lion King, Jurassic Park.
    const seeds = [1, 56, 222, 234, 71, 82];
    // The base rate: movies 1–300 the model can rank.
    const catalogue: Listed[] = [];
    for (let movieId = 1; movieId <= 300; movieId++) {
      const res = await call(running.url, 'GET', `/movies/${movieId}`);
      if (res.status === 200 && res.body.movie.in_model) catalogue.push(res.body.movie);
    }
    const genresOf = new Map(catalogue.map((m) => [m.movie_id, new Set(m.genres)]));
    const lists = new Map<number, Listed[]>();
    for (const seed of seeds) lists.set(seed, await similar(seed));

    for (const a of seeds) {
      for (const b of seeds) {
        if (a >= b) continue;
        const setA = new Set(lists.get(a)!.map((m) => m.movie_id));
        const shared = lists.get(b)!.filter((m) => setA.has(m.movie_id)).length;
        expect(shared / (20 - shared), `top-10 Jaccard of seeds ${a} and ${b}`).toBeLessThanOrEqual(0.3);
      }
    }
    // Share of a list that shares a genre with its seed, against the same share over the whole catalogue.
    let lift = 0;
    for (const seed of seeds) {
      const own = genresOf.get(seed)!;
      const sharesGenre = (m: Listed) => m.genres.some((g) => own.has(g));
      const listed = lists.get(seed)!;
      const others = catalogue.filter((m) => m.movie_id !== seed);
      lift += listed.filter(sharesGenre).length / listed.length - others.filter(sharesGenre).length / others.length;
    }
    expect(lift / seeds.length).toBeGreaterThan(0.1);
  });

  it('/recommend is personalised for user 100 and for every user preparation keeps; the same-#1 share is reported', async () => {
    const one = await call(running.url, 'POST', '/recommend', { user_id: 100, k: 10 });
    expect(one.status).toBe(200);
    expect(one.body.source).toBe('personalised');
    expect(one.body.is_fallback).toBe(false);

    const userIds = (await readBundle(trained.bundle)).u32(MODEL_FILES.userIds);
    expect(userIds.length).toBe(prepared.users);
    const firsts = new Map<number, number>();
    for (const userId of userIds) {
      const res = await call(running.url, 'POST', '/recommend', { user_id: userId, k: 10 });
      expect(res.body.source, `user ${userId}: ${res.body.reason}`).toBe('personalised');
      const first = res.body.recommendations[0].movie_id;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    const [movie, count] = [...firsts.entries()].sort((a, b) => b[1] - a[1])[0];
    console.log(
      `${trained.best} ${trained.version}: /recommend same-#1 share ${(count / userIds.length).toFixed(3)} (movie ${movie}, ${count} of ${userIds.length} users)`,
    );
  });
});
