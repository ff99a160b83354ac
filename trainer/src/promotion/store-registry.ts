import type { ProductionRegistry } from '@recsys/core/recmodel/effects';
import { Registry } from '../registry/registry.ts';
import { applyDecision } from './promote.ts';

/**
 * A store's registry as the runtimes' source of truth for Production (core's ProductionRegistry port); decisions
 * are mirrored to the MLflow server at `trackingUri` (default: RECSYS_TRACKING_URI, else the embedded tracker).
 */
export function storeRegistry(store: string, trackingUri?: string): ProductionRegistry {
  return {
    production(modelName) {
      const registry = Registry.open(store);
      try {
        return registry.production(modelName)?.version ?? null;
      } finally {
        registry.close();
      }
    },
    applyDecision: (modelName, decision) => applyDecision({ store, modelName, decision, trackingUri }),
  };
}
