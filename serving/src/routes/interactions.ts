import { type Interaction, interactionsRequest, interactionsResponse } from '@recsys/core/api/schemas';
import type { EventRow } from '@recsys/core/logs/event-log';
import type { Middleware } from 'koa';
import { ApiError } from '../api/errors.ts';
import { respond } from '../api/respond.ts';
import { input } from '../middleware/validate.ts';
import { modelRef, type RouteDeps } from './context.ts';

/**
 * POST /interactions (one or a batch): stored in the event log first (the next retraining batch), then used for
 * fold-in at once. Movies the model has not seen are kept and counted, learnable at the next retrain (R19).
 */
export function interactionsRoute(deps: RouteDeps): Middleware {
  return (ctx) => {
    const body = input(ctx.state, 'body', interactionsRequest);
    const batch: Interaction[] = Array.isArray(body) ? body : [body];
    const model = deps.slot.require();
    const receivedAt = Date.now();
    const rows: EventRow[] = batch.map((event) => ({
      request_id: ctx.state.requestId,
      received_at: receivedAt,
      user_id: event.user_id,
      movie_id: event.movie_id,
      rating: event.rating,
      timestamp: eventSeconds(event.timestamp, receivedAt),
      in_model: model.knowsMovie(event.movie_id),
      model_version: model.info.version,
    }));
    if (deps.eventLog) {
      try {
        deps.eventLog.append(rows);
      } catch (err) {
        deps.metrics.logRowsDropped.inc(rows.length);
        throw new ApiError(
          503,
          'event_log_unavailable',
          `the interactions could not be stored (${(err as Error).message}); nothing was recorded, retry later`,
        );
      }
    }
    for (const row of rows) {
      deps.history.add(row.user_id, row.movie_id, row.rating);
      deps.metrics.interactions.inc({ movie: row.in_model ? 'known' : 'unseen' });
    }
    const users = [...new Set(rows.map((r) => r.user_id))];
    const unseen = [...new Set(rows.filter((r) => !r.in_model).map((r) => r.movie_id))];
    ctx.state.logged = { user_id: users.length === 1 ? users[0] : null, model_version: model.info.version };
    respond(
      ctx,
      interactionsResponse,
      {
        request_id: ctx.state.requestId,
        model: modelRef(model),
        accepted: rows.length,
        users,
        unseen_movie_ids: unseen,
      },
      201,
    );
  };
}

function eventSeconds(timestamp: number | string | undefined, receivedAtMs: number): number {
  if (timestamp === undefined) return Math.floor(receivedAtMs / 1000);
  if (typeof timestamp === 'number') return timestamp;
  return Math.floor(Date.parse(timestamp) / 1000);
}
