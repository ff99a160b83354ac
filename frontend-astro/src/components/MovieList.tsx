import type { Movie, ScoredMovie } from '../lib/api-types.ts';
import { displayTitle, formatScore } from '../lib/format.ts';

interface Props {
  movies: readonly (Movie | ScoredMovie)[];
  /** The list's accessible name, e.g. "Recommended for user 12". */
  label: string;
}

/** A ranked list of movies, each linking to its details; rendered on the server, or inside an island. */
export function MovieList({ movies, label }: Props) {
  return (
    <ol class="movies" aria-label={label} data-testid="movie-list">
      {movies.map((movie) => {
        const scored = 'score' in movie;
        const href = `/movies/${movie.movie_id}${scored ? `?score=${encodeURIComponent(movie.score)}` : ''}`;
        return (
          <li class="movie" key={movie.movie_id} data-movie-id={movie.movie_id}>
            <a class="movie-title" href={href}>
              {displayTitle(movie)}
            </a>
            <span class="movie-meta">
              {movie.year ?? 'year unknown'}
              {movie.genres.length > 0 && <> · {movie.genres.join(', ')}</>}
            </span>
            {scored && <span class="movie-score">score {formatScore(movie.score)}</span>}
          </li>
        );
      })}
    </ol>
  );
}
