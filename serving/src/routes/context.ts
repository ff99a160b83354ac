import type { EventLog } from '@recsys/core/logs/event-log';
import type { UserHistory } from '../interactions/user-history.ts';
import type { ServingMetrics } from '../metrics.ts';
import type { ModelHandle } from '../model/handle.ts';
import type { ModelSlot } from '../model/slot.ts';

/** What the routes share: the model slot, the posted interactions, the event log and the metrics. */
export interface RouteDeps {
  slot: ModelSlot;
  history: UserHistory;
  metrics: ServingMetrics;
  /** Absent in tests that do not exercise persistence; then POST /interactions only feeds fold-in. */
  eventLog?: EventLog;
}

export function modelRef(model: ModelHandle) {
  const { name, version, type } = model.info;
  return { name, version, type };
}
