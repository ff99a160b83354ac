import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Layout } from './layout.ts';
import { ML100K_GENRES } from './movies.ts';
import { Random } from './random.ts';

/** Small MovieLens directories written by tests, in any of the three layouts. */
export interface FixtureRating {
  user: number;
  movie: number;
  rating: number;
  time: number;
}

export interface FixtureMovie {
  id: number;
  title: string;
  genres: string[];
}

export interface FixtureFormat {
  crlf?: boolean;
  /** Blank lines appended to every file, as some copies of the archives have. */
  trailingBlankLines?: number;
}

export function writeMovieLens(
  dir: string,
  layout: Layout,
  movies: FixtureMovie[],
  ratings: FixtureRating[],
  format: FixtureFormat = {},
): void {
  mkdirSync(dir, { recursive: true });
  const eol = format.crlf ? '\r\n' : '\n';
  const text = (lines: string[]) => lines.join(eol) + eol + eol.repeat(format.trailingBlankLines ?? 0);
  // 100K and 1M are Latin-1 on disk; latest is UTF-8.
  const latin1 = (name: string, lines: string[]) =>
    writeFileSync(path.join(dir, name), Buffer.from(text(lines), 'latin1'));
  if (layout === 'ml-100k') {
    latin1(
      'u.data',
      ratings.map((r) => `${r.user}\t${r.movie}\t${r.rating}\t${r.time}`),
    );
    latin1(
      'u.item',
      movies.map((m) => {
        const flags = ML100K_GENRES.map((g) => (m.genres.includes(g) ? '1' : '0'));
        // The date column deliberately disagrees with the title: the year must come from the title.
        return `${m.id}|${m.title}|01-Jan-2001||http://us.imdb.com/M/title-exact?x|${flags.join('|')}`;
      }),
    );
    latin1(
      'u.genre',
      ML100K_GENRES.map((g, i) => `${g}|${i}`),
    );
  } else if (layout === 'ml-1m') {
    latin1(
      'ratings.dat',
      ratings.map((r) => `${r.user}::${r.movie}::${r.rating}::${r.time}`),
    );
    latin1(
      'movies.dat',
      movies.map((m) => `${m.id}::${m.title}::${m.genres.join('|')}`),
    );
  } else {
    const csv = (field: string) => (/[",]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
    writeFileSync(
      path.join(dir, 'ratings.csv'),
      text([
        'userId,movieId,rating,timestamp',
        ...ratings.map((r) => `${r.user},${r.movie},${r.rating.toFixed(1)},${r.time}`),
      ]),
    );
    writeFileSync(
      path.join(dir, 'movies.csv'),
      text([
        'movieId,title,genres',
        ...movies.map((m) => `${m.id},${csv(m.title)},${m.genres.length ? m.genres.join('|') : '(no genres listed)'}`),
      ]),
    );
  }
}

/**
 * A dataset that survives the thresholds: every user rates every movie (ids spaced out, so dense indices differ
 * from ids), ~80% of ratings positive, times distinct and shuffled against file order.
 */
export function denseFixture(
  users: number,
  movies: number,
  seed = 7,
): { movies: FixtureMovie[]; ratings: FixtureRating[] } {
  const random = new Random(seed);
  const catalogue: FixtureMovie[] = Array.from({ length: movies }, (_, m) => ({
    id: 3 * m + 2,
    title: `Movie ${m} (${1950 + m})`,
    genres: [ML100K_GENRES[1 + (m % 8)]],
  }));
  const ratings: FixtureRating[] = [];
  for (let u = 0; u < users; u++) {
    for (const movie of catalogue) {
      ratings.push({
        user: 5 * u + 1,
        movie: movie.id,
        rating: random.next() < 0.8 ? 4 + random.int(2) : 1 + random.int(3),
        time: 0,
      });
    }
  }
  const times = ratings.map((_, e) => 1_000_000_000 + e * 60);
  for (let e = times.length - 1; e > 0; e--) {
    const k = random.int(e + 1);
    [times[e], times[k]] = [times[k], times[e]];
  }
  ratings.forEach((r, e) => {
    r.time = times[e];
  });
  return { movies: catalogue, ratings };
}
