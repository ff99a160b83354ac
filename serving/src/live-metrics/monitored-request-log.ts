import type { RequestLogOptions, RequestLogRow } from '@recsys/core/logs/request-log';
import { ThreadedRequestLog } from '@recsys/core/logs/request-log-thread';
import type { Registry } from 'prom-client';
import type { ModelSlot } from '../model/slot.ts';
import { createServingMonitor, rankableMovies, type ServingMonitor } from './monitor.ts';

/**
 * The request log that also feeds the serving monitor: every row it is handed (one per answered request) is
 * observed first, so the monitoring metrics see exactly what the log records, and serving needs no new hook.
 */
export class MonitoredRequestLog extends ThreadedRequestLog {
  readonly monitor: ServingMonitor;

  constructor(options: RequestLogOptions, monitor: ServingMonitor) {
    super(options);
    this.monitor = monitor;
  }

  override append(row: RequestLogRow): void {
    this.monitor.observe(row);
    super.append(row);
  }
}

/** The monitor for a served slot: coverage is over the current model's rankable movies, recounted on swap. */
export function monitorSlot(registry: Registry, slot: ModelSlot): ServingMonitor {
  let size = slot.current ? rankableMovies(slot.current) : undefined;
  slot.onSwap((model) => {
    size = rankableMovies(model);
  });
  return createServingMonitor({ registry, catalogueSize: () => size });
}
