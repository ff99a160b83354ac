import type { PromotionDecision } from '@recsys/core/promotion/gate';
import { DEFAULT_POLICY } from '@recsys/core/promotion/policy';
import type { ReconcileAction } from '@recsys/core/recmodel/reconcile';
import { describe, expect, it } from 'vitest';
import { executeActions, type RuntimeEffects } from './executor.ts';

const decision = (verdict: 'promote' | 'retain'): PromotionDecision => ({
  verdict,
  summary: `${verdict} v2`,
  candidate_version: 'v2',
  production_version: 'v1',
  metrics: [],
  ci: null,
  gate_window: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', interactions: 10, users: 3 },
  failed_rules: verdict === 'retain' ? ['ndcg@10: relative change >= +1.0%'] : [],
});

/** Effects that record every call; runs and gates exist when their names are listed. */
function fakeEffects(world: { runs?: string[]; gates?: string[]; apply?: 'applied' | 'already-applied' | 'stale' }) {
  const calls: string[] = [];
  const effects: RuntimeEffects = {
    runExists: (run) => world.runs?.includes(run) ?? false,
    startTraining: (run, trigger) => calls.push(`train ${run} ${trigger}`),
    gateStartedOrDone: (run) => world.gates?.includes(run) ?? false,
    startGate: (run, version) => calls.push(`gate ${run} ${version}`),
    applyDecision: async (d) => {
      calls.push(`apply ${d.verdict} ${d.candidate_version}`);
      return world.apply ?? 'applied';
    },
    discardGate: (run) => calls.push(`discard ${run}`),
    ensureServing: (port) => calls.push(`serve ${port}`),
    stopServing: async () => {
      calls.push('stop serving');
    },
    ensureFrontend: (port) => calls.push(`site ${port}`),
    stopFrontend: async () => {
      calls.push('stop site');
    },
    writeReport: (slot) => calls.push(`report ${slot}`),
    writeStatus: (status) => calls.push(`status ${status.productionVersion ?? '-'}`),
    log: (line) => calls.push(`log ${line}`),
  };
  return { effects, calls };
}

const roll: ReconcileAction = {
  type: 'rollServing',
  version: 'v2',
  replicas: 1,
  port: 8000,
  image: 'x',
  resources: undefined,
};

describe('carrying out reconcile actions locally', () => {
  it('starts a run only when no run of that name exists', async () => {
    const train: ReconcileAction = {
      type: 'train',
      runName: 'm-g1-abc',
      trigger: 'initial',
      generation: 1,
      attempt: 1,
    };
    const fresh = fakeEffects({});
    await executeActions([train], fresh.effects);
    expect(fresh.calls).toEqual(['train m-g1-abc initial']);
    const existing = fakeEffects({ runs: ['m-g1-abc'] });
    await executeActions([train], existing.effects);
    expect(existing.calls).toEqual([]);
  });

  it('scores the gate once per run', async () => {
    const gate: ReconcileAction = {
      type: 'evaluateGate',
      runName: 'r1',
      candidateVersion: 'v2',
      productionVersion: 'v1',
      policy: DEFAULT_POLICY,
    };
    const first = fakeEffects({});
    await executeActions([gate], first.effects);
    expect(first.calls).toEqual(['gate r1 v2']);
    const again = fakeEffects({ gates: ['r1'] });
    await executeActions([gate], again.effects);
    expect(again.calls).toEqual([]);
  });

  it('applies a promote, then rolls serving, writes the status and logs the event, in that order', async () => {
    const { effects, calls } = fakeEffects({});
    const error = await executeActions(
      [
        { type: 'promote', runName: 'r1', version: 'v2', previousVersion: 'v1', decision: decision('promote') },
        roll,
        { type: 'updateStatus', status: { conditions: [], history: [], productionVersion: 'v2' } },
        { type: 'emitEvent', eventType: 'Normal', reason: 'Promoted', message: 'promote v2' },
      ],
      effects,
    );
    expect(error).toBeNull();
    expect(calls).toEqual([
      'apply promote v2',
      'log promoted v2',
      'serve 8000',
      'status v2',
      'log Promoted: promote v2',
    ]);
  });

  it('discards a gate scored against a Production that has moved, and writes no status for it', async () => {
    const { effects, calls } = fakeEffects({ apply: 'stale' });
    const error = await executeActions(
      [
        { type: 'retain', runName: 'r1', version: 'v2', decision: decision('retain') },
        { type: 'updateStatus', status: { conditions: [], history: [] } },
      ],
      effects,
    );
    expect(error?.message).toMatch(/Production moved after the gate scored v2 against v1/);
    expect(calls.filter((c) => !c.startsWith('log'))).toEqual(['apply retain v2', 'discard r1']);
  });

  it('carries a decision out again after a crash without moving anything twice', async () => {
    const { effects, calls } = fakeEffects({ apply: 'already-applied' });
    const error = await executeActions(
      [{ type: 'promote', runName: 'r1', version: 'v2', previousVersion: null, decision: decision('promote') }],
      effects,
    );
    expect(error).toBeNull();
    expect(calls).toEqual(['apply promote v2']);
  });

  it('stops at the first failing action and says which', async () => {
    const { effects, calls } = fakeEffects({});
    effects.ensureServing = () => {
      throw new Error('port 8000 is taken');
    };
    const error = await executeActions(
      [
        roll,
        { type: 'runFrontend', port: 4321, image: 'x' },
        { type: 'updateStatus', status: { conditions: [], history: [] } },
      ],
      effects,
    );
    expect(error?.message).toBe('port 8000 is taken');
    expect(calls).toEqual(['log could not rollServing: port 8000 is taken; retrying on the next reconcile']);
  });

  it('stops serving when the spec scales it to zero, and the site when it is disabled', async () => {
    const { effects, calls } = fakeEffects({});
    await executeActions([{ ...roll, replicas: 0 } as ReconcileAction, { type: 'stopFrontend' }], effects);
    expect(calls).toEqual(['stop serving', 'stop site']);
  });

  it('writes a report for its slot and logs warnings as warnings', async () => {
    const { effects, calls } = fakeEffects({});
    await executeActions(
      [
        { type: 'writeReport', slot: '2026-11-29T06:00:00.000Z', since: '24h', format: 'markdown' },
        { type: 'emitEvent', eventType: 'Warning', reason: 'Retained', message: 'kept v1' },
      ],
      effects,
    );
    expect(calls).toEqual(['report 2026-11-29T06:00:00.000Z', 'log warning: Retained: kept v1']);
  });
});
