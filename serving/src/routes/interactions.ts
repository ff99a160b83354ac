import { type Interaction, interactionsRequest, interactionsResponse } from '@recsys/core/api/schemas';
import type { EventRow } from '@recsys/core/logs/event-log';
import type { Middleware } from 'koa';
import { ApiError } from '../api/errors.ts';
import { respond } from '../api/respond.ts';
import { checkEventTimes } from '../interactions/event-checks.ts';
import { clientEventId, defaultEventId } from '../interactions/event-ids.ts';
import { input } from '../middleware/validate.ts';
import { modelRef, type RouteDeps } from './context.ts';

/**
 * POST /interactions (one or a batch): stored in the event log first (the next retraining batch), then used for
 * fold-in at once; an event whose id this key stored before changes nothing (counted in `duplicates`). Movies the model has not seen are kept and counted, learnable at the next retrain (R19). The
 * key was checked before the body was read (writeAuth); times outside the data's span are refused whole (400), and a
 * batch over the per-key or per-user rate is refused whole (429).
 */
export function interactionsRoute(deps: RouteDeps): Middleware {
  return async (ctx) => {
    const body = input(ctx.state, 'body', interactionsRequest);
    const batch: Interaction[] = Array.isArray(body) ? body : [body];
    const model = deps.slot.require();
    const receivedAt = Date.now();
    const times = checkEventTimes(batch, !Array.isArray(body), receivedAt, model.info.data_start);
    const caller = ctx.state.apiKey;
    if (typeof caller !== 'string') throw new Error('POST /interactions was reached without writeAuth checking a key');
    deps.writeLimiter?.check(
      caller,
      batch.map((event) => event.user_id),
    );
    const rows: EventRow[] = batch.map((event, i) => ({
      event_id:
        event.event_id === undefined
          ? defaultEventId(caller, ctx.state.requestId, i)
          : clientEventId(caller, event.user_id, event.event_id),
      request_id: ctx.state.requestId,
      received_at: receivedAt,
      user_id: event.user_id,
      movie_id: event.movie_id,
      rating: event.rating,
      timestamp: times[i],
      in_model: model.knowsMovie(event.movie_id),
      model_version: model.info.version,
    }));
    let stored: EventRow[];
    let duplicates: number;
    try {
      ({ stored, duplicates } = await deps.history.append(rows));
    } catch (err) {
      deps.metrics.logRowsDropped.inc(rows.length);
      throw new ApiError(
        503,
        'event_log_unavailable',
        `the interactions could not be stored (${(err as Error).message}); retry later with the same event ids (an event id is never stored twice)`,
        undefined,
        { 'Retry-After': '5' },
      );
    }
    deps.writeLimiter?.charge(
      caller,
      stored.map((row) => row.user_id),
    );
    for (const row of stored) deps.metrics.interactions.inc({ movie: row.in_model ? 'known' : 'unseen' });
    const users = [...new Set(rows.map((r) => r.user_id))];
    const unseen = [...new Set(rows.filter((r) => !r.in_model).map((r) => r.movie_id))];
    ctx.state.logged = { user_id: users.length === 1 ? users[0] : null, model_version: model.info.version };
    respond(
      ctx,
      interactionsResponse,
      {
        request_id: ctx.state.requestId,
        model: modelRef(model),
        accepted: stored.length,
        duplicates,
        users,
        unseen_movie_ids: unseen,
      },
      201,
    );
  };
}
