import { useEffect, useRef, useState } from 'preact/hooks';
import type { InteractionsResponse, MoviesResponse, PopularResponse, SimilarResponse } from '../lib/api-types.ts';
import { fetchApi } from '../lib/client-api.ts';
import { distinctMovies, joinTitles, type ShownMovie, withSpare } from '../lib/present.ts';
import type { ApiProblem } from '../lib/problem.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import { MovieList } from './MovieList.tsx';

type Load<T> =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'done'; value: T }
  | { kind: 'failed'; problem: ApiProblem };

const SEARCH_DELAY_MS = 250;
const MAX_SEEDS = 10;
const POPULAR_PICKS = 'Popular picks';
export const PICK_COUNT = 12;

/**
 * Discover: search titles, pick the movies you like, see similar ones, and optionally save them as your likes,
 * for the user of this browser's session (the site's proxy accepts no other). Props and state hold movies as
 * people see them (`ShownMovie`): the server renders its props into the page.
 */
export default function Discover({
  similarCount = 12,
  popularPicks,
  initialQuery = '',
  sessionUserId,
}: {
  similarCount?: number;
  popularPicks?: ShownMovie[];
  /** A search to start with (`/discover?q=`), e.g. from the movie-not-found page. */
  initialQuery?: string;
  sessionUserId: number;
}) {
  const [query, setQuery] = useState(initialQuery);
  const [candidates, setCandidates] = useState<Load<{ label: string; movies: ShownMovie[] }>>(
    popularPicks && initialQuery === ''
      ? { kind: 'done', value: { label: POPULAR_PICKS, movies: popularPicks } }
      : { kind: 'loading' },
  );
  const [seeds, setSeeds] = useState<ShownMovie[]>([]);
  const [similar, setSimilar] = useState<Load<{ seeds: ShownMovie[]; movies: ShownMovie[] }>>({ kind: 'idle' });
  const [saved, setSaved] = useState<Load<{ userId: number; accepted: number }>>({ kind: 'idle' });
  const searchRun = useRef(0);
  // The server rendered the popular picks already; the first empty query need not fetch them again.
  const rendered = useRef(popularPicks !== undefined && initialQuery === '');

  useEffect(() => {
    const run = ++searchRun.current;
    const q = query.trim();
    if (rendered.current) {
      rendered.current = false;
      if (q === '') return;
    }
    setCandidates({ kind: 'loading' });
    const timer = setTimeout(
      async () => {
        const limit = withSpare(PICK_COUNT);
        const result = q
          ? await fetchApi<MoviesResponse>(`/movies?q=${encodeURIComponent(q)}&limit=${limit}`)
          : await fetchApi<PopularResponse>(`/popular?limit=${limit}`);
        if (run !== searchRun.current) return;
        if (!result.ok) return setCandidates({ kind: 'failed', problem: result.problem });
        const movies = distinctMovies(result.data.movies, PICK_COUNT);
        setCandidates({ kind: 'done', value: { label: q ? `Titles matching “${q}”` : POPULAR_PICKS, movies } });
      },
      q ? SEARCH_DELAY_MS : 0,
    );
    return () => clearTimeout(timer);
  }, [query]);

  const addSeed = (movie: ShownMovie) => {
    if (seeds.length >= MAX_SEEDS || seeds.some((s) => s.movie_id === movie.movie_id)) return;
    setSeeds([...seeds, movie]);
    setSaved({ kind: 'idle' });
  };
  const removeSeed = (movieId: number) => {
    setSeeds(seeds.filter((s) => s.movie_id !== movieId));
    setSaved({ kind: 'idle' });
  };

  const findSimilar = async () => {
    if (seeds.length === 0) return;
    const asked = seeds;
    setSimilar({ kind: 'loading' });
    const result = await fetchApi<SimilarResponse>('/similar', {
      movie_ids: asked.map((s) => s.movie_id),
      k: withSpare(similarCount),
    });
    setSimilar(
      result.ok
        ? {
            kind: 'done',
            value: { seeds: asked, movies: distinctMovies(result.data.recommendations, similarCount, asked) },
          }
        : { kind: 'failed', problem: result.problem },
    );
  };

  const saveLikes = async (event: Event) => {
    event.preventDefault();
    const id = sessionUserId;
    setSaved({ kind: 'loading' });
    const result = await fetchApi<InteractionsResponse>(
      '/interactions',
      seeds.map((s) => ({ user_id: id, movie_id: s.movie_id, rating: 5 })),
    );
    setSaved(
      result.ok
        ? { kind: 'done', value: { userId: id, accepted: result.data.accepted } }
        : { kind: 'failed', problem: result.problem },
    );
  };

  const seedTitles = (list: ShownMovie[]) => joinTitles(list.map((s) => s.title));
  return (
    <div class="discover">
      <section aria-labelledby="pick-heading" class="panel">
        <h2 id="pick-heading">1. Pick movies you like</h2>
        <p class="hint">Choose a title to add it to your picks; choose it again to take it out.</p>
        <label for="title-search">Search titles</label>
        <input
          id="title-search"
          type="search"
          autocomplete="off"
          placeholder="e.g. star"
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
        <div aria-live="polite" aria-busy={candidates.kind === 'loading'}>
          {candidates.kind === 'loading' && <p class="loading">Searching…</p>}
          {candidates.kind === 'failed' && <ErrorNotice problem={candidates.problem} />}
          {candidates.kind === 'done' && candidates.value.movies.length === 0 && (
            <p class="empty">No titles match “{query.trim()}”. Try a shorter or different word.</p>
          )}
          {candidates.kind === 'done' && candidates.value.movies.length > 0 && (
            <>
              <h3 class="list-heading">{candidates.value.label}</h3>
              <ul class="candidates" data-testid="candidates">
                {candidates.value.movies.map((movie) => {
                  const picked = seeds.some((s) => s.movie_id === movie.movie_id);
                  return (
                    <li key={movie.movie_id} data-movie-id={movie.movie_id}>
                      <button
                        type="button"
                        class="pick"
                        aria-pressed={picked}
                        disabled={!picked && seeds.length >= MAX_SEEDS}
                        onClick={() => (picked ? removeSeed(movie.movie_id) : addSeed(movie))}
                      >
                        <span class="pick-mark" aria-hidden="true">
                          {picked ? '✓' : '+'}
                        </span>
                        {movie.title}
                        {movie.year !== null && ` (${movie.year})`}
                      </button>
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </div>
      </section>

      <section aria-labelledby="seeds-heading" class="panel">
        <h2 id="seeds-heading">2. Your picks</h2>
        {seeds.length === 0 ? (
          <p class="empty">Nothing picked yet. Pick one or more movies above.</p>
        ) : (
          <ul class="seeds" data-testid="seeds">
            {seeds.map((s) => (
              <li key={s.movie_id}>
                <span>{s.title}</span>
                <button
                  type="button"
                  class="remove"
                  aria-label={`Remove ${s.title}`}
                  onClick={() => removeSeed(s.movie_id)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        {seeds.length >= MAX_SEEDS && <p class="empty">{MAX_SEEDS} picks is the most; remove one to pick another.</p>}
        <button
          type="button"
          class="primary"
          disabled={seeds.length === 0 || similar.kind === 'loading'}
          onClick={findSimilar}
        >
          Find similar movies
        </button>
        {seeds.length > 0 && (
          <form class="save-likes" onSubmit={saveLikes}>
            <p>Saved as user {sessionUserId}, this browser's id.</p>
            <button type="submit" disabled={saved.kind === 'loading'}>
              I liked these
            </button>
            <div class="save-likes-status" aria-live="polite">
              {saved.kind === 'loading' && <p class="loading">Saving…</p>}
              {saved.kind === 'failed' && <ErrorNotice problem={saved.problem} />}
              {saved.kind === 'done' && (
                <p class="success" role="status">
                  Saved {saved.value.accepted} likes. <a href="/">See your picks</a>, now based on them.
                </p>
              )}
            </div>
          </form>
        )}
      </section>

      <section
        aria-labelledby="similar-heading"
        class="panel wide"
        aria-live="polite"
        aria-busy={similar.kind === 'loading'}
      >
        <h2 id="similar-heading">3. Similar movies</h2>
        {similar.kind === 'idle' && <p class="empty">Pick movies, then choose “Find similar movies”.</p>}
        {similar.kind === 'loading' && <p class="loading">Finding movies like {seedTitles(seeds)}…</p>}
        {similar.kind === 'failed' && <ErrorNotice problem={similar.problem} />}
        {similar.kind === 'done' && (
          <>
            <p class="because" data-testid="because">
              Because you liked {seedTitles(similar.value.seeds)}
            </p>
            {similar.value.movies.length === 0 ? (
              <p class="empty">No similar movies found for these picks. Try different ones.</p>
            ) : (
              <MovieList movies={similar.value.movies} label={`Similar to ${seedTitles(similar.value.seeds)}`} />
            )}
          </>
        )}
      </section>
    </div>
  );
}
