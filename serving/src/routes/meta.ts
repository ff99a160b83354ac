import { healthResponse } from '@recsys/core/api/schemas';
import type { Middleware } from 'koa';
import { docsPage } from '../api/docs-page.ts';
import { draining } from '../api/errors.ts';
import { openApiDocument } from '../api/openapi.ts';
import { respond } from '../api/respond.ts';
import type { ServingMetrics } from '../metrics.ts';
import type { ModelSlot } from '../model/slot.ts';

function health(slot: ModelSlot) {
  const model = slot.current;
  return {
    status: 'ok' as const,
    ready: model !== undefined,
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

/** GET /health: liveness (always 200 while the process answers) and the model being served. */
export function healthRoute(slot: ModelSlot): Middleware {
  return (ctx) => respond(ctx, healthResponse, health(slot));
}

/** GET /ready: 200 once a verified bundle is loaded, 503 before and while shutting down (the readiness probe). */
export function readyRoute(slot: ModelSlot, isDraining: () => boolean): Middleware {
  return (ctx) => {
    if (isDraining()) throw draining();
    slot.require();
    respond(ctx, healthResponse, health(slot));
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
