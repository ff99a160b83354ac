import { type ConditionChange, setCondition } from './conditions.ts';
import type { Action, ObservedWorld, ReconcileAction } from './reconcile.ts';
import type { RecModel, RecModelSpec, RecModelStatus } from './types.ts';

/**
 * One reconcile pass in the making (Karpenter's nodeclaim lifecycle style): each step reads the RecModel, the
 * observed world and the steps before it, adds actions and events, and edits the status, which is written once
 * at the end. Steps run in a fixed order, so what one decides (a promotion, a busy run) the next one sees.
 */
export interface Draft {
  readonly spec: RecModelSpec;
  readonly metadata: RecModel['metadata'];
  readonly generation: number;
  /** The status as it was read; steps compare with it to act once per change. */
  readonly previous: RecModelStatus;
  readonly world: ObservedWorld;
  readonly now: string;
  /** The status being written. */
  status: RecModelStatus;
  /** Production after this pass's decisions (a promotion moves it before serving is rolled). */
  production: string | null;
  /** A run is training or being gated: no new run starts. */
  busy: boolean;
  requeueAfterMs: number | null;
  /** Side effects, in the order the steps add them. */
  actions: ReconcileAction[];
  /** Events, emitted after the status is written. */
  events: Action<'emitEvent'>[];
}

export function startDraft(recModel: RecModel, world: ObservedWorld): Draft {
  const generation = recModel.metadata.generation ?? 1;
  const previous: RecModelStatus = recModel.status ?? { conditions: [], history: [] };
  const status: RecModelStatus = { ...structuredClone(previous), observedGeneration: generation };
  return {
    spec: recModel.spec,
    metadata: recModel.metadata,
    generation,
    previous,
    world,
    now: world.now,
    status,
    production: world.productionVersion,
    busy: false,
    requeueAfterMs: null,
    actions: [],
    events: [],
  };
}

export function condition(draft: Draft, change: ConditionChange): void {
  draft.status.conditions = setCondition(draft.status.conditions, change, draft.now, draft.generation);
}

export function event(draft: Draft, eventType: 'Normal' | 'Warning', reason: string, message: string): void {
  draft.events.push({ type: 'emitEvent', eventType, reason, message });
}
