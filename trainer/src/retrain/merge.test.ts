import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMovieLens } from '../data/fixtures.ts';
import { mergeSources } from './merge.ts';

const scratch = tempDir('recsys-merge-');
afterAll(() => scratch.cleanup());

describe('merging posted interactions into the base data', () => {
  const base = path.join(scratch.dir, 'base');
  writeMovieLens(
    base,
    'ml-1m',
    [
      { id: 1, title: 'Alpha, The (1990)', genres: ['Drama'] },
      { id: 2, title: 'Beta "B" (1991)', genres: [] },
    ],
    [
      { user: 1, movie: 1, rating: 4, time: 100 },
      { user: 2, movie: 1, rating: 5, time: 100 },
      { user: 1, movie: 2, rating: 2, time: 300 },
    ],
  );

  it('keeps the newest rating of a pair, orders by time with ties in arrival order, and lists unlisted movies', () => {
    const merged = mergeSources({
      base,
      until: 250,
      extra: [
        { user_id: 3, movie_id: 2, rating: 5, timestamp: 200 },
        { user_id: 1, movie_id: 1, rating: 1, timestamp: 400 },
        { user_id: 4, movie_id: 9, rating: 4, timestamp: 100 },
      ],
      outRoot: path.join(scratch.dir, 'out'),
    });
    expect(merged).toMatchObject({ base: 2, added: 2, replaced: 1, unlistedMovies: [9] });
    const ratings = readFileSync(path.join(merged.dir, 'ratings.csv'), 'utf8').trim().split('\n');
    expect(ratings).toEqual(['userId,movieId,rating,timestamp', '2,1,5,100', '4,9,4,100', '3,2,5,200', '1,1,1,400']);
    const movies = readFileSync(path.join(merged.dir, 'movies.csv'), 'utf8').trim().split('\n');
    expect(movies).toEqual([
      'movieId,title,genres',
      '1,"Alpha, The (1990)",Drama',
      '2,"Beta ""B"" (1991)",(no genres listed)',
      '9,Movie 9,(no genres listed)',
    ]);
  });

  it('names the merged directory by its content, so the same inputs reuse it', () => {
    const options = { base, extra: [], outRoot: path.join(scratch.dir, 'again') };
    const first = mergeSources(options);
    writeFileSync(path.join(first.dir, 'marker'), 'kept');
    const second = mergeSources(options);
    expect(second.dir).toBe(first.dir);
    expect(readFileSync(path.join(second.dir, 'marker'), 'utf8')).toBe('kept');
  });

  it('never lets an impossible event in: a far-future time, one before the data, or a rating off the scale', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const merged = mergeSources({
      base,
      extra: [
        { user_id: 1, movie_id: 1, rating: 0.5, timestamp: 4_398_046_511_104 },
        { user_id: 1, movie_id: 2, rating: 5, timestamp: 50 },
        { user_id: 2, movie_id: 2, rating: 9, timestamp: 200 },
        { user_id: 2, movie_id: 1, rating: 1, timestamp: now / 1000 + 60 },
      ],
      outRoot: path.join(scratch.dir, 'out'),
      now,
    });
    expect(merged).toMatchObject({ added: 0, replaced: 1, rejected: 3 });
    const ratings = readFileSync(path.join(merged.dir, 'ratings.csv'), 'utf8').trim().split('\n');
    expect(ratings).toEqual(['userId,movieId,rating,timestamp', '1,1,4,100', '1,2,2,300', `2,1,1,${now / 1000 + 60}`]);
  });
});
