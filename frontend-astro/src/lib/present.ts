import type { Movie, RecommendResponse } from './api-types.ts';

/**
 * A movie as a person sees it: its natural title ("The Godfather"), never the data's "Godfather, The", and no
 * model score. Everything a page or an island renders goes through this shape, island props included.
 */
export interface ShownMovie {
  movie_id: number;
  title: string;
  year: number | null;
  genres: string[];
  /** "Because you liked …": the natural title of the liked movie that explains a recommendation, if any. */
  because: string | null;
}

type Recommended = RecommendResponse['recommendations'][number];

export function shownMovie(movie: Movie | Recommended): ShownMovie {
  const because = 'because_you_liked' in movie ? movie.because_you_liked : null;
  return {
    movie_id: movie.movie_id,
    title: movie.display_title,
    year: movie.year,
    genres: movie.genres,
    because: because ? because.display_title : null,
  };
}

const sameFilm = (movie: ShownMovie) => `${movie.title.toLowerCase()}\n${movie.year ?? ''}`;

/**
 * A list as people see it: MovieLens lists some films twice under two ids ("Body Snatchers (1993)"); the same
 * title and year is one film, shown once, at its best rank. At most `limit` movies; none that is the same film
 * as one of `besides` (the movie a "similar" list is about, the seeds of a discovery) or as the liked movie
 * that explains it.
 */
export function distinctMovies(
  movies: readonly (Movie | Recommended)[],
  limit = Number.POSITIVE_INFINITY,
  besides: readonly ShownMovie[] = [],
): ShownMovie[] {
  const seen = new Set(besides.map(sameFilm));
  const shown: ShownMovie[] = [];
  for (const movie of movies) {
    if (shown.length >= limit) break;
    const film = shownMovie(movie);
    const key = sameFilm(film);
    if (seen.has(key) || isWhatTheyLiked(movie)) continue;
    seen.add(key);
    shown.push(film);
  }
  return shown;
}

/** A pick explained by the same film under its other id: they liked it already, so it is no recommendation. */
function isWhatTheyLiked(movie: Movie | Recommended): boolean {
  const because = 'because_you_liked' in movie ? movie.because_you_liked : null;
  return because !== null && because.display_title === movie.display_title && because.year === movie.year;
}

/** How many to ask the API for (at most its limit, 100) so that `wanted` distinct movies remain after duplicates go. */
export function withSpare(wanted: number): number {
  return Math.min(100, wanted + Math.ceil(wanted / 4));
}

/** The year, or words when the data has none. */
export function yearText(year: number | null): string {
  return year === null ? 'year unknown' : String(year);
}
/** "A", "A and B", "A, B and C". */
export function joinTitles(titles: string[]): string {
  if (titles.length <= 1) return titles.join('');
  return `${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]}`;
}
