import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ItemMeta } from './dataset.ts';
import { DataError } from './errors.ts';
import type { LayoutFiles } from './layout.ts';
import { decodeText, forEachLine, malformed, parseNatural, splitCsvLine, yearFromTitle } from './text.ts';

/** The movies file: metadata by MovieLens id, and the genre vocabulary in a fixed order. */
export interface Catalogue {
  genres: string[];
  movies: Map<number, ItemMeta>;
}

/** u.item's 19 flag columns, used when u.genre is absent. "unknown" is a flag, not a genre: it maps to no genre. */
export const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];
const NO_GENRE = new Set(['unknown', '(no genres listed)']);

export function readMovies(files: LayoutFiles): Catalogue {
  const name = path.basename(files.movies);
  const text = decodeText(readFileSync(files.movies));
  const movies = new Map<number, ItemMeta>();
  const add = (movie_id: number, rawTitle: string, genres: string[], lineNumber: number) => {
    if (movies.has(movie_id))
      throw new DataError(`movie ${movie_id} is listed twice; expected unique movie ids`, {
        file: name,
        line: lineNumber,
      });
    const title = rawTitle.trim();
    movies.set(movie_id, {
      movie_id,
      title,
      year: yearFromTitle(title),
      genres: genres.filter((g) => !NO_GENRE.has(g)),
    });
  };
  if (files.layout === 'ml-100k') {
    const flagNames = files.genres ? readGenreNames(files.genres) : ML100K_GENRES;
    const expected = `"movie id|title|release date|video release date|IMDb URL|" and ${flagNames.length} genre flags (0/1)`;
    forEachLine(text, (line, lineNumber) => {
      const fields = line.split('|');
      const firstFlag = fields.length - flagNames.length;
      const id = parseNatural(fields[0]);
      if (firstFlag < 5 || !(id > 0)) throw malformed(name, lineNumber, expected, line);
      const genres: string[] = [];
      for (let g = 0; g < flagNames.length; g++) {
        const flag = fields[firstFlag + g];
        if (flag !== '0' && flag !== '1') throw malformed(name, lineNumber, expected, line);
        if (flag === '1') genres.push(flagNames[g]);
      }
      // A title may itself contain "|": everything between the id and the three fixed columns before the flags.
      add(id, fields.slice(1, firstFlag - 3).join('|'), genres, lineNumber);
    });
    return { genres: flagNames.filter((g) => !NO_GENRE.has(g)), movies };
  }
  if (files.layout === 'ml-1m') {
    forEachLine(text, (line, lineNumber) => {
      const first = line.indexOf('::');
      const last = line.lastIndexOf('::');
      const id = parseNatural(line, 0, first);
      if (first < 0 || last <= first || !(id > 0)) throw malformed(name, lineNumber, '"MovieID::Title::Genres"', line);
      const genres = line.slice(last + 2);
      add(id, line.slice(first + 2, last), genres ? genres.split('|') : [], lineNumber);
    });
  } else {
    forEachLine(text, (line, lineNumber) => {
      if (lineNumber === 1 && line === 'movieId,title,genres') return;
      const fields = splitCsvLine(line);
      const id = fields ? parseNatural(fields[0]) : Number.NaN;
      if (fields?.length !== 3 || !(id > 0)) throw malformed(name, lineNumber, '"movieId,title,genres" (CSV)', line);
      add(id, fields[1], fields[2] ? fields[2].split('|') : [], lineNumber);
    });
  }
  const vocabulary = new Set<string>();
  for (const movie of movies.values()) for (const g of movie.genres) vocabulary.add(g);
  return { genres: [...vocabulary].sort(), movies };
}

function readGenreNames(file: string): string[] {
  if (!existsSync(file)) return ML100K_GENRES;
  const names: string[] = [];
  forEachLine(decodeText(readFileSync(file)), (line, lineNumber) => {
    const bar = line.lastIndexOf('|');
    const index = parseNatural(line, bar + 1);
    if (bar <= 0 || index !== names.length)
      throw malformed(path.basename(file), lineNumber, `"name|${names.length}"`, line);
    names.push(line.slice(0, bar));
  });
  return names;
}
