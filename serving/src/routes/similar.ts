import { similarRequest } from '@recsys/core/api/schemas';
import type { Middleware } from 'koa';
import { movieJson, rankedJson, respondJson } from '../api/answer-json.ts';
import { ApiError, checkGenres } from '../api/errors.ts';
import { input } from '../middleware/validate.ts';
import type { ModelHandle } from '../model/handle.ts';
import { modelRef, type RouteDeps } from './context.ts';

/** POST /similar: movies like one or more seeds (R19); a seed the model cannot rank is a 404 that says why. */
export function similarRoute(deps: RouteDeps): Middleware {
  return (ctx) => {
    const body = input(ctx.state, 'body', similarRequest);
    const model = deps.slot.require();
    checkGenres(body.genres, model.genres);
    const seeds = [...new Set(body.movie_ids)];
    checkSeeds(model, seeds);
    const ranked = model.similar(seeds, body.k, {
      genres: body.genres,
      yearMin: body.year_min,
      yearMax: body.year_max,
    });
    deps.metrics.recommendations.inc({ endpoint: 'similar', fallback: 'false' });
    ctx.state.logged = {
      model_version: model.info.version,
      recommendations: ranked.movieIds,
      scores: ranked.scores,
      is_fallback: false,
    };
    respondJson(
      ctx,
      `{"request_id":${JSON.stringify(ctx.state.requestId)},"model":${JSON.stringify(modelRef(model))},"seeds":[${seeds.map((id) => movieJson(model, id)).join(',')}],"recommendations":${rankedJson(model, ranked)}}`,
    );
  };
}

function checkSeeds(model: ModelHandle, seeds: number[]): void {
  const unknown = seeds.filter((id) => !model.movie(id));
  const unranked = seeds.filter((id) => model.movie(id) && !model.knowsMovie(id));
  if (unknown.length === 0 && unranked.length === 0) return;
  const parts: string[] = [];
  if (unknown.length > 0) {
    parts.push(
      `movie${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the catalogue of model ${model.info.version}: the model has not seen ${unknown.length > 1 ? 'them' : 'it'} yet (check the id with GET /movies?q=; a new movie becomes similar-able after interactions are posted and the next retrain)`,
    );
  }
  if (unranked.length > 0) {
    parts.push(
      `movie${unranked.length > 1 ? 's' : ''} ${unranked.join(', ')} had no interactions when model ${model.info.version} was trained, so it has nothing to compare ${unranked.length > 1 ? 'them' : 'it'} by yet; it becomes similar-able after the next retrain`,
    );
  }
  throw new ApiError(404, 'unknown_movie', parts.join('; '), { unknown_movie_ids: [...unknown, ...unranked] });
}
