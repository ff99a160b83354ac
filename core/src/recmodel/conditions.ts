import { CONDITION_TYPES, type Condition, type ConditionType } from './types.ts';

export interface ConditionChange {
  type: ConditionType;
  status: Condition['status'];
  reason: string;
  message: string;
}

/**
 * Sets one condition the Kubernetes way: lastTransitionTime moves only when the status changes, so reconciling
 * the same state twice writes the same conditions. Conditions stay in CONDITION_TYPES order.
 */
export function setCondition(
  conditions: Condition[],
  change: ConditionChange,
  now: string,
  generation: number,
): Condition[] {
  const previous = conditions.find((c) => c.type === change.type);
  const next: Condition = {
    type: change.type,
    status: change.status,
    reason: change.reason,
    message: change.message,
    lastTransitionTime: previous && previous.status === change.status ? previous.lastTransitionTime : now,
    observedGeneration: generation,
  };
  const others = conditions.filter((c) => c.type !== change.type);
  return [...others, next].sort((a, b) => rank(a.type) - rank(b.type));
}

function rank(type: string): number {
  const i = (CONDITION_TYPES as readonly string[]).indexOf(type);
  return i === -1 ? CONDITION_TYPES.length : i;
}
