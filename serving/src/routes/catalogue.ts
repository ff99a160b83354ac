import {
  genresResponse,
  movieParams,
  movieResponse,
  moviesQuery,
  moviesResponse,
  popularQuery,
  popularResponse,
} from '@recsys/core/api/schemas';
import type { Middleware } from 'koa';
import { ApiError, checkGenres } from '../api/errors.ts';
import { respond } from '../api/respond.ts';
import { input } from '../middleware/validate.ts';
import { modelRef, type RouteDeps } from './context.ts';
import { scoredMovies } from './movies-out.ts';

/** GET /popular?genre=&window=all|trending&limit=: the most popular movies, optionally of one genre. */
export function popularRoute(deps: RouteDeps): Middleware {
  return (ctx) => {
    const query = input(ctx.state, 'query', popularQuery);
    const model = deps.slot.require();
    if (query.genre !== undefined) checkGenres([query.genre], model.genres);
    if (!model.popularWindows.includes(query.window)) {
      throw new ApiError(
        400,
        'window_unavailable',
        `model ${model.info.version} has no ${query.window} popularity table; use one of ${model.popularWindows.join(', ')}`,
      );
    }
    const ranked = model.popular(query.limit, query.window, { genres: query.genre ? [query.genre] : undefined });
    deps.metrics.recommendations.inc({ endpoint: 'popular', fallback: 'false' });
    ctx.state.logged = { model_version: model.info.version, recommendations: ranked.movieIds, scores: ranked.scores };
    respond(ctx, popularResponse, {
      request_id: ctx.state.requestId,
      model: modelRef(model),
      window: query.window,
      genre: query.genre ?? null,
      movies: scoredMovies(model, ranked),
    });
  };
}

/** GET /movies?q=&genre=&limit=: title search, most popular first. */
export function moviesRoute(deps: RouteDeps): Middleware {
  return (ctx) => {
    const query = input(ctx.state, 'query', moviesQuery);
    const model = deps.slot.require();
    if (query.genre !== undefined) checkGenres([query.genre], model.genres);
    const movies = model.searchMovies(query.q, query.genre, query.limit);
    ctx.state.logged = { model_version: model.info.version, recommendations: movies.map((m) => m.movie_id) };
    respond(ctx, moviesResponse, { request_id: ctx.state.requestId, model: modelRef(model), movies });
  };
}

/** GET /movies/{id}: one movie, and whether the model can rank it. */
export function movieRoute(deps: RouteDeps): Middleware {
  return (ctx) => {
    const { id } = input(ctx.state, 'params', movieParams);
    const model = deps.slot.require();
    const movie = model.movie(id);
    if (!movie) {
      throw new ApiError(
        404,
        'unknown_movie',
        `movie ${id} is not in the catalogue of model ${model.info.version}: the model has not seen it yet; search titles with GET /movies?q=`,
        { movie_id: id },
      );
    }
    ctx.state.logged = { model_version: model.info.version };
    respond(ctx, movieResponse, {
      request_id: ctx.state.requestId,
      model: modelRef(model),
      movie: { ...movie, in_model: model.knowsMovie(id) },
    });
  };
}

/** GET /genres: the names the genre filters accept. */
export function genresRoute(deps: RouteDeps): Middleware {
  return (ctx) => {
    const model = deps.slot.require();
    respond(ctx, genresResponse, {
      request_id: ctx.state.requestId,
      model: modelRef(model),
      genres: [...model.genres],
    });
  };
}
