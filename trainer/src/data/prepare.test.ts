import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { denseFixture, type FixtureMovie, writeMovieLens } from './fixtures.ts';
import { prepareDataset } from './prepare.ts';
import { readPrepared } from './prepared.ts';

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir('recsys-prepare-');
});
afterEach(() => work.cleanup());

const src = () => path.join(work.dir, 'src');
const out = () => path.join(work.dir, 'prepared');

/** Fails with a one-line message matching `pattern`, and leaves neither the output nor a temp directory behind. */
async function expectRefusal(pattern: RegExp): Promise<void> {
  const before = readdirSync(work.dir);
  const error = await prepareDataset({ source: src(), out: out() }).then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  expect(error, 'prepare should have failed').toBeInstanceOf(Error);
  expect(error!.message).toMatch(pattern);
  expect(error!.message).not.toContain('\n');
  expect(existsSync(out())).toBe(false);
  expect(readdirSync(work.dir)).toEqual(before);
}

describe('prepareDataset refuses bad input with the file, the line and what was expected', () => {
  it('names a missing source directory', async () => {
    await expectRefusal(/src: source directory does not exist; expected a MovieLens directory/);
  });

  it('names an unknown layout', async () => {
    mkdirSync(src());
    writeFileSync(path.join(src(), 'ratings.txt'), '1 2 3 4\n');
    await expectRefusal(
      /unknown layout: expected u\.data \+ u\.item .*ratings\.dat \+ movies\.dat .*ratings\.csv \+ movies\.csv/,
    );
  });

  it('names a malformed ratings line', async () => {
    const { movies, ratings } = denseFixture(20, 12);
    writeMovieLens(src(), 'ml-1m', movies, ratings);
    const file = path.join(src(), 'ratings.dat');
    const lines = readFileSync(file, 'latin1').split('\n');
    lines[2] = '7::14::5';
    writeFileSync(file, lines.join('\n'), 'latin1');
    await expectRefusal(
      /^ratings\.dat line 3: expected 4 fields "UserID::MovieID::Rating::Timestamp", got "7::14::5"$/,
    );
  });

  it('names a non-numeric field', async () => {
    const { movies, ratings } = denseFixture(20, 12);
    writeMovieLens(src(), 'ml-100k', movies, ratings);
    const file = path.join(src(), 'u.data');
    const lines = readFileSync(file, 'latin1').split('\n');
    lines[4] = '1\tabc\t4\t881250949';
    writeFileSync(file, lines.join('\n'), 'latin1');
    await expectRefusal(/^u\.data line 5: expected positive integer ids, a numeric rating and an integer timestamp/);
  });

  it('names a rating out of range', async () => {
    const { movies, ratings } = denseFixture(20, 12);
    ratings[9].rating = 6;
    writeMovieLens(src(), 'ml-100k', movies, ratings);
    await expectRefusal(/^u\.data line 10: rating 6 is out of range; expected 1 to 5 in steps of 1$/);
  });

  it('names a malformed movies line', async () => {
    const { movies, ratings } = denseFixture(20, 12);
    writeMovieLens(src(), 'ml-100k', movies, ratings);
    writeFileSync(path.join(src(), 'u.item'), '1|Toy Story (1995)|01-Jan-1995\n', 'latin1');
    await expectRefusal(/^u\.item line 1: expected "movie id\|title\|.*19 genre flags/);
  });

  it('names a rated movie missing from the movies file', async () => {
    const { movies, ratings } = denseFixture(20, 12);
    writeMovieLens(src(), 'ml-1m', movies.slice(1), ratings);
    await expectRefusal(/^ratings\.dat line 1: movie 2 is not in movies\.dat/);
  });

  it('says when nothing survives the thresholds', async () => {
    // Every movie has 9 positives: all dropped by the 10-positive threshold.
    const { movies, ratings } = denseFixture(9, 20);
    for (const r of ratings) r.rating = 5;
    writeMovieLens(src(), 'ml-1m', movies, ratings);
    await expectRefusal(/no interactions left after filtering .*expected a larger dataset/);
  });

  it('refuses to overwrite a directory that is not a prepared dataset', async () => {
    const { movies, ratings } = denseFixture(20, 12);
    writeMovieLens(src(), 'ml-1m', movies, ratings);
    mkdirSync(out());
    writeFileSync(path.join(out(), 'notes.txt'), 'mine');
    await expect(prepareDataset({ source: src(), out: out() })).rejects.toThrow(
      /is not a prepared dataset; choose another --out/,
    );
    expect(readdirSync(out())).toEqual(['notes.txt']);
  });
});

describe('the readers tolerate what real copies of MovieLens contain', () => {
  const tricky: FixtureMovie[] = [
    { id: 1, title: 'Misérables, Les (1995)', genres: ['Drama'] },
    { id: 2, title: 'unknown', genres: ['unknown'] },
    {
      id: 3,
      title: 'Land Before Time III: The Time of the Great Giving (1995) (V)',
      genres: ['Animation', "Children's"],
    },
    { id: 4, title: 'Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)', genres: ['Drama'] },
    { id: 5, title: 'Jungle2Jungle (1997) ', genres: ['Comedy'] },
  ];

  function trickyRatings() {
    const ratings = [];
    for (let u = 1; u <= 12; u++)
      for (const m of tricky) ratings.push({ user: u, movie: m.id, rating: 5, time: 1000 * u + m.id });
    return ratings;
  }

  for (const layout of ['ml-100k', 'ml-1m', 'ml-latest'] as const) {
    it(`${layout}: Latin-1 or UTF-8 titles, CRLF, trailing blank lines, titles without a year`, async () => {
      writeMovieLens(src(), layout, tricky, trickyRatings(), { crlf: true, trailingBlankLines: 3 });
      const manifest = await prepareDataset({ source: src(), out: out() });
      expect(manifest.layout).toBe(layout);
      const data = readPrepared(out());
      expect(Array.from(data.movieIds)).toEqual([1, 2, 3, 4, 5]);
      expect(data.items.map((m) => [m.title, m.year])).toEqual([
        ['Misérables, Les (1995)', 1995],
        ['unknown', null],
        ['Land Before Time III: The Time of the Great Giving (1995) (V)', 1995],
        ['Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)', 1995],
        ['Jungle2Jungle (1997)', 1997],
      ]);
      // "unknown" is a flag in u.item, not a genre.
      expect(data.items[1].genres).toEqual([]);
      expect(data.items[2].genres).toEqual(['Animation', "Children's"]);
      expect(manifest.interactions.train + manifest.interactions.validation + manifest.interactions.test).toBe(60);
    });
  }

  it('reads the latest layout: quoted titles with commas and quotes, half-star ratings, the header', async () => {
    const movies: FixtureMovie[] = [
      { id: 10, title: 'American President, The (1995)', genres: ['Comedy', 'Romance'] },
      { id: 20, title: '"Great Performances" Cats (1998)', genres: ['Musical'] },
      { id: 30, title: 'Babylon 5', genres: [] },
      { id: 40, title: 'Hours (2002)', genres: ['Drama'] },
      { id: 50, title: 'Cosmos (1980)', genres: ['Documentary'] },
      { id: 60, title: 'Heat (1995)', genres: ['Action'] },
    ];
    const ratings = [];
    for (let u = 1; u <= 12; u++) {
      for (const m of movies)
        ratings.push({ user: u, movie: m.id, rating: m.id === 50 ? 3.5 : 4.5, time: 100 * u + m.id });
    }
    writeMovieLens(src(), 'ml-latest', movies, ratings);
    const manifest = await prepareDataset({ source: src(), out: out() });
    const data = readPrepared(out());
    // 3.5 is not a positive: movie 50 disappears.
    expect(Array.from(data.movieIds)).toEqual([10, 20, 30, 40, 60]);
    expect(data.items.map((m) => m.title)).toEqual([
      'American President, The (1995)',
      '"Great Performances" Cats (1998)',
      'Babylon 5',
      'Hours (2002)',
      'Heat (1995)',
    ]);
    expect(data.items[2]).toEqual({ movie_id: 30, title: 'Babylon 5', year: null, genres: [] });
    expect(manifest.genres).toEqual(['Action', 'Comedy', 'Documentary', 'Drama', 'Musical', 'Romance']);
    expect(Array.from(data.popularity.meanRating)).toEqual([4.5, 4.5, 4.5, 4.5, 4.5]);
  });

  it('takes the year from the title, never from the u.item date column', async () => {
    const { movies, ratings } = denseFixture(20, 12);
    writeMovieLens(src(), 'ml-100k', movies, ratings);
    await prepareDataset({ source: src(), out: out() });
    expect(readPrepared(out()).items.map((m) => m.year)).toEqual(movies.map((_, m) => 1950 + m));
  });
});

describe('the prepared dataset on disk', () => {
  it('round-trips through readPrepared with a fingerprint that depends only on the content', async () => {
    const { movies, ratings } = denseFixture(20, 15);
    writeMovieLens(src(), 'ml-1m', movies, ratings);
    const first = await prepareDataset({ source: src(), out: out() });
    const again = await prepareDataset({ source: src(), out: path.join(work.dir, 'again') });
    expect(again.fingerprint).toBe(first.fingerprint);
    // Preparing into the same directory replaces it atomically.
    const replaced = await prepareDataset({ source: src(), out: out() });
    expect(replaced.fingerprint).toBe(first.fingerprint);
    expect(readdirSync(work.dir).sort()).toEqual(['again', 'prepared', 'src']);

    const data = readPrepared(out());
    expect(data.manifest).toEqual(replaced);
    const n = data.events.user.length;
    expect(data.train.indices.length + data.validation.indices.length + data.test.indices.length).toBe(n);
    expect(data.fit.indices.length).toBe(data.train.indices.length + data.validation.indices.length);
    expect(data.itemGenres.length).toBe(data.manifest.items * data.manifest.genres.length);

    ratings[0].rating = ratings[0].rating >= 4 ? 1 : 5;
    writeMovieLens(src(), 'ml-1m', movies, ratings);
    const changed = await prepareDataset({ source: src(), out: path.join(work.dir, 'changed') });
    expect(changed.fingerprint).not.toBe(first.fingerprint);
  });

  it('refuses a file whose sha256 does not match dataset.json, naming it', async () => {
    const { movies, ratings } = denseFixture(20, 15);
    writeMovieLens(src(), 'ml-1m', movies, ratings);
    await prepareDataset({ source: src(), out: out() });
    const file = path.join(out(), 'train.indices.u32');
    const bytes = readFileSync(file);
    bytes[0] ^= 1;
    writeFileSync(file, bytes);
    expect(() => readPrepared(out())).toThrow(/train\.indices\.u32: sha256 differs from dataset\.json/);
  });
});
