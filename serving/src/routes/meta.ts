import { healthResponse } from '@recsys/core/api/schemas';
import type { Middleware } from 'koa';
import { docsPage } from '../api/docs-page.ts';
import { ApiError, draining } from '../api/errors.ts';
import { openApiDocument } from '../api/openapi.ts';
import { respond } from '../api/respond.ts';
import type { ServingMetrics } from '../metrics.ts';
import type { ModelSlot } from '../model/slot.ts';

/** Why serving is not what it should be serving (a stale model past its grace period), or null. */
export type Staleness = () => string | null;

function health(slot: ModelSlot, stale: Staleness) {
  const model = slot.current;
  return {
    status: 'ok' as const,
    ready: model !== undefined && stale() === null,
    model: model
      ? {
          name: model.info.name,
          version: model.info.version,
          type: model.info.type,
          created_at: model.info.created_at,
          loaded_at: model.info.loaded_at,
        }
      : null,
  };
}

/** GET /health: liveness (always 200 while the process answers), the model being served, and whether ready. */
export function healthRoute(slot: ModelSlot, stale: Staleness = () => null): Middleware {
  return (ctx) => respond(ctx, healthResponse, health(slot, stale));
}

/**
 * GET /ready: 200 once a verified bundle and the fold-in state are loaded; 503 before, and 503 while the served
 * version has differed from the registry's Production for longer than the grace period, and while shutting down
 * (the readiness probe).
 */
export function readyRoute(
  slot: ModelSlot,
  stale: Staleness = () => null,
  isDraining: () => boolean = () => false,
): Middleware {
  return (ctx) => {
    if (isDraining()) throw draining();
    slot.require();
    const why = stale();
    if (why) throw new ApiError(503, 'stale_model', why);
    respond(ctx, healthResponse, health(slot, stale));
  };
}

export function metricsRoute(metrics: ServingMetrics): Middleware {
  return async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
}

export function openApiRoute(): Middleware {
  const doc = openApiDocument();
  return (ctx) => {
    ctx.body = doc;
  };
}

export function docsRoute(): Middleware {
  const page = docsPage();
  return (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page;
  };
}
