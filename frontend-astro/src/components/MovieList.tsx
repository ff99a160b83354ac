import { type ShownMovie, yearText } from '../lib/present.ts';
import { RateButtons } from './RateButtons.tsx';

interface Props {
  movies: readonly ShownMovie[];
  /** The list's accessible name, e.g. "Picked for you". */
  label: string;
}

/**
 * A ranked list of movies, each linking to its details, with like / not-interested buttons; rendered on the
 * server, or inside an island.
 */
export function MovieList({ movies, label }: Props) {
  return (
    <ol class="movies" aria-label={label} data-testid="movie-list">
      {movies.map((movie) => (
        <li class="movie" key={movie.movie_id} data-movie-id={movie.movie_id}>
          <a class="movie-title" href={`/movies/${movie.movie_id}`}>
            {movie.title}
          </a>
          <span class="movie-meta">
            {yearText(movie.year)}
            {movie.genres.length > 0 && <> · {movie.genres.join(', ')}</>}
          </span>
          {movie.because && (
            <span class="movie-because" data-testid="because-you-liked">
              Because you liked <cite>{movie.because}</cite>
            </span>
          )}
          <RateButtons movieId={movie.movie_id} title={movie.title} />
        </li>
      ))}
    </ol>
  );
}
