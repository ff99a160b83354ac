import { recommendRequest } from '@recsys/core/api/schemas';
import type { Middleware } from 'koa';
import { rankedJson, respondJson } from '../api/answer-json.ts';
import { checkGenres } from '../api/errors.ts';
import type { UserRatings } from '../interactions/user-history.ts';
import { input } from '../middleware/validate.ts';
import type { ItemQuery, ModelHandle, ScoredMovies } from '../model/handle.ts';
import { modelRef, type RouteDeps } from './context.ts';

interface Answer {
  source: 'personalised' | 'fold_in' | 'popular';
  reason: string | null;
  ranked: ScoredMovies;
}

/**
 * POST /recommend: a user the model was fit with → their personalised list; a new user with posted likes →
 * folded in online from those likes; anyone else → popular movies, marked as the fallback with the reason.
 */
export function recommendRoute(deps: RouteDeps): Middleware {
  return async (ctx) => {
    const body = input(ctx.state, 'body', recommendRequest);
    const model = deps.slot.require();
    checkGenres(body.genres, model.genres);
    const posted = await deps.history.of(body.user_id);
    const query: ItemQuery = {
      genres: body.genres,
      yearMin: body.year_min,
      yearMax: body.year_max,
      excludeSeen: body.exclude_seen,
      alsoSeen: posted.rated(),
    };
    const answer = answerFor(model, posted, body.user_id, body.k, query);
    const isFallback = answer.source === 'popular';
    deps.metrics.recommendations.inc({ endpoint: 'recommend', fallback: String(isFallback) });
    ctx.state.logged = {
      user_id: body.user_id,
      model_version: model.info.version,
      recommendations: answer.ranked.movieIds,
      scores: answer.ranked.scores,
      is_fallback: isFallback,
    };
    respondJson(
      ctx,
      `{"request_id":${JSON.stringify(ctx.state.requestId)},"user_id":${body.user_id},"model":${JSON.stringify(modelRef(model))},"source":"${answer.source}","is_fallback":${isFallback},"reason":${JSON.stringify(answer.reason)},"recommendations":${rankedJson(model, answer.ranked, because(model, answer, body.user_id, posted.liked()))}}`,
    );
  };
}

/**
 * For each recommended movie, the movie the user liked (fit history or posted since) that explains it; the popular
 * fallback explains nothing.
 */
function because(model: ModelHandle, answer: Answer, userId: number, postedLikes: number[]): (number | null)[] {
  return answer.source === 'popular'
    ? new Array(answer.ranked.movieIds.length).fill(null)
    : model.becauseYouLiked(userId, postedLikes, answer.ranked.movieIds);
}

function answerFor(model: ModelHandle, posted: UserRatings, userId: number, k: number, query: ItemQuery): Answer {
  if (model.knowsUser(userId)) {
    return { source: 'personalised', reason: null, ranked: model.recommendForUser(userId, k, query) };
  }
  const liked = posted.liked().filter((id) => model.knowsMovie(id));
  if (liked.length > 0 && model.foldsIn) {
    return { source: 'fold_in', reason: null, ranked: model.recommendFromLiked(liked, k, query) };
  }
  const reason = !posted.complete
    ? `the interactions user ${userId} posted cannot be read right now (the event store is unreachable); showing popular movies meanwhile`
    : !model.foldsIn && liked.length > 0
      ? `model ${model.info.version} (${model.info.type}) cannot fold in new users; showing popular movies until the next retrain includes user ${userId}`
      : posted.any
        ? `user ${userId} is new to model ${model.info.version} and has not liked (rated 4 or more) a movie it knows yet; showing popular movies`
        : `user ${userId} is new to model ${model.info.version} and has posted no interactions; showing popular movies (POST /interactions to personalise)`;
  return { source: 'popular', reason, ranked: model.coldStart(k, query) };
}
