import type { WriteLimiter } from '../interactions/event-checks.ts';
import type { UserHistory } from '../interactions/user-history.ts';
import type { ServingMetrics } from '../metrics.ts';
import type { ModelHandle } from '../model/handle.ts';
import type { ModelSlot } from '../model/slot.ts';

/** What the routes share: the model slot, the posted interactions (over the event store) and the metrics. */
export interface RouteDeps {
  slot: ModelSlot;
  history: UserHistory;
  metrics: ServingMetrics;
  /** Per-key and per-user limits on posted events; absent: unlimited. */
  writeLimiter?: WriteLimiter;
}

export function modelRef(model: ModelHandle) {
  const { name, version, type } = model.info;
  return { name, version, type };
}
