import type { ModelHandle, ScoredMovies } from '../model/handle.ts';

/** A ranked list as the API shows it: each movie with title, year, genres and its score. */
export function scoredMovies(model: ModelHandle, ranked: ScoredMovies) {
  const out = [];
  for (let r = 0; r < ranked.movieIds.length; r++) {
    const movie = model.movie(ranked.movieIds[r]);
    if (!movie)
      throw new Error(`model ${model.info.version} ranked movie ${ranked.movieIds[r]} but has no metadata for it`);
    out.push({ ...movie, score: ranked.scores[r] });
  }
  return out;
}
