import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DatasetManifest } from './dataset.ts';
import { DataError } from './errors.ts';

export type Layout = DatasetManifest['layout'];

/** Where a MovieLens directory keeps its ratings and movies, and what a valid rating looks like there. */
export interface LayoutFiles {
  layout: Layout;
  dir: string;
  ratings: string;
  movies: string;
  /** 100K only: the genre names for u.item's flag columns. */
  genres?: string;
}

const signatures: { layout: Layout; ratings: string; movies: string }[] = [
  { layout: 'ml-100k', ratings: 'u.data', movies: 'u.item' },
  { layout: 'ml-1m', ratings: 'ratings.dat', movies: 'movies.dat' },
  { layout: 'ml-latest', ratings: 'ratings.csv', movies: 'movies.csv' },
];

/** Detects the layout from the files present; the archives unpack into one subdirectory, which is looked into too. */
export function detectLayout(dir: string): LayoutFiles {
  if (!existsSync(dir)) {
    throw new DataError(
      `source directory does not exist; expected a MovieLens directory or one of ml-100k, ml-1m, ml-latest-small`,
      {
        file: dir,
      },
    );
  }
  if (!statSync(dir).isDirectory())
    throw new DataError('source is not a directory; expected a MovieLens directory', { file: dir });
  for (const candidate of [dir, ...onlySubdirectory(dir)]) {
    for (const signature of signatures) {
      const ratings = path.join(candidate, signature.ratings);
      if (!existsSync(ratings)) continue;
      const movies = path.join(candidate, signature.movies);
      if (!existsSync(movies)) {
        throw new DataError(
          `${signature.layout} layout: found ${signature.ratings} but not ${signature.movies} beside it`,
          {
            file: candidate,
          },
        );
      }
      const genres = path.join(candidate, 'u.genre');
      return {
        layout: signature.layout,
        dir: candidate,
        ratings,
        movies,
        genres: signature.layout === 'ml-100k' && existsSync(genres) ? genres : undefined,
      };
    }
  }
  throw new DataError(
    'unknown layout: expected u.data + u.item (MovieLens 100K), ratings.dat + movies.dat (1M) or ratings.csv + movies.csv (latest)',
    { file: dir },
  );
}

function onlySubdirectory(dir: string): string[] {
  const entries = readdirSync(dir).filter((name) => !name.startsWith('.'));
  const dirs = entries.filter((name) => statSync(path.join(dir, name)).isDirectory());
  return dirs.length === 1 && entries.length === 1 ? [path.join(dir, dirs[0])] : [];
}
