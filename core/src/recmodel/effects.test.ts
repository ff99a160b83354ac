import { describe, expect, it } from 'vitest';
import type { PromotionDecision } from '../promotion/gate.ts';
import { DEFAULT_POLICY } from '../promotion/policy.ts';
import { type ApplyOutcome, ConflictError, carryOut, type RecModelEffects } from './effects.ts';
import type { ReconcileAction } from './reconcile.ts';

const decision = (verdict: 'promote' | 'retain'): PromotionDecision => ({
  verdict,
  summary: `${verdict} v2`,
  candidate_version: 'v2',
  production_version: 'v1',
  metrics: [],
  ci: null,
  gate_window: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', interactions: 10, users: 3 },
  failed_rules: verdict === 'retain' ? ['ndcg@10: relative change >= +1.0%'] : [],
  min_confidence: null,
  min_users: null,
});

/** Effects that record every call; runs and gates exist when their names are listed. */
function fakeEffects(world: { runs?: string[]; gates?: string[]; apply?: ApplyOutcome }) {
  const calls: string[] = [];
  const effects: RecModelEffects = {
    runExists: (run) => world.runs?.includes(run) ?? false,
    startTraining: async (action) => void calls.push(`train ${action.runName} ${action.trigger}`),
    gateStartedOrDone: (action) => world.gates?.includes(action.runName) ?? false,
    startGate: async (action) => void calls.push(`gate ${action.runName} ${action.candidateVersion}`),
    applyDecision: async (d) => {
      calls.push(`apply ${d.verdict} ${d.candidate_version}`);
      return world.apply ?? { outcome: 'applied', tracking_error: null };
    },
    discardGate: async (run) => void calls.push(`discard ${run}`),
    rollServing: async (action) => void calls.push(`serve ${action.version} x${action.replicas}`),
    runFrontend: async (action) => void calls.push(`site ${action.port}`),
    stopFrontend: async () => void calls.push('stop site'),
    schedule: async (action) => void calls.push(`schedule ${action.job} ${action.schedule}`),
    writeReport: async (action) => void calls.push(`report ${action.slot}`),
    writeStatus: async (status) => void calls.push(`status ${status.productionVersion ?? '-'}`),
    emitEvent: async (action) => void calls.push(`event ${action.eventType} ${action.reason}`),
    log: (line) => void calls.push(`log ${line}`),
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
  foldInUsers: undefined,
  eventStream: undefined,
};

describe('carrying out reconcile actions through the effects port (both runtimes)', () => {
  it('starts a run only when no run of that name exists', async () => {
    const train: ReconcileAction = {
      type: 'train',
      runName: 'm-g1-abc',
      trigger: 'initial',
      generation: 1,
      attempt: 1,
    };
    const fresh = fakeEffects({});
    await carryOut([train], fresh.effects);
    expect(fresh.calls).toEqual(['train m-g1-abc initial']);
    const existing = fakeEffects({ runs: ['m-g1-abc'] });
    await carryOut([train], existing.effects);
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
    await carryOut([gate], first.effects);
    expect(first.calls).toEqual(['gate r1 v2']);
    const again = fakeEffects({ gates: ['r1'] });
    await carryOut([gate], again.effects);
    expect(again.calls).toEqual([]);
  });

  it('applies a promote, then rolls serving, writes the status and emits the event, in that order', async () => {
    const { effects, calls } = fakeEffects({});
    const error = await carryOut(
      [
        { type: 'promote', runName: 'r1', version: 'v2', previousVersion: 'v1', decision: decision('promote') },
        roll,
        { type: 'updateStatus', status: { conditions: [], history: [], productionVersion: 'v2' } },
        { type: 'emitEvent', eventType: 'Normal', reason: 'Promoted', message: 'promote v2' },
      ],
      effects,
    );
    expect(error).toBeNull();
    expect(calls).toEqual(['apply promote v2', 'log promoted v2', 'serve v2 x1', 'status v2', 'event Normal Promoted']);
  });

  it('discards a gate scored against a Production that has moved, and writes no status for it', async () => {
    const { effects, calls } = fakeEffects({ apply: { outcome: 'stale', production_version: 'v3' } });
    const error = await carryOut(
      [
        { type: 'retain', runName: 'r1', version: 'v2', decision: decision('retain') },
        { type: 'updateStatus', status: { conditions: [], history: [] } },
      ],
      effects,
    );
    expect(error?.message).toMatch(/Production moved to v3 after the gate scored v2 against v1/);
    expect(calls.filter((c) => !c.startsWith('log'))).toEqual(['apply retain v2', 'discard r1']);
  });

  it('carries a decision out again after a crash without moving anything twice', async () => {
    const { effects, calls } = fakeEffects({ apply: { outcome: 'already-applied' } });
    const error = await carryOut(
      [{ type: 'promote', runName: 'r1', version: 'v2', previousVersion: null, decision: decision('promote') }],
      effects,
    );
    expect(error).toBeNull();
    expect(calls).toEqual(['apply promote v2']);
  });

  it('stops at the first failing action and says which; a conflict stops it quietly', async () => {
    const { effects, calls } = fakeEffects({});
    effects.rollServing = async () => {
      throw new Error('port 8000 is taken');
    };
    const error = await carryOut(
      [
        roll,
        { type: 'runFrontend', port: 4321, image: 'x' },
        { type: 'updateStatus', status: { conditions: [], history: [] } },
      ],
      effects,
    );
    expect(error?.message).toBe('port 8000 is taken');
    expect(calls).toEqual(['log could not rollServing: port 8000 is taken; retrying on the next reconcile']);

    const quiet = fakeEffects({});
    quiet.effects.writeStatus = async () => {
      throw new ConflictError('the object has been modified');
    };
    const conflict = await carryOut([{ type: 'updateStatus', status: { conditions: [], history: [] } }], quiet.effects);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(quiet.calls).toEqual([]);
  });

  it('hands scale-to-zero, the site, the schedules and the report slot to the runtime', async () => {
    const { effects, calls } = fakeEffects({});
    await carryOut(
      [
        { ...roll, replicas: 0 } as ReconcileAction,
        { type: 'stopFrontend' },
        { type: 'schedule', job: 'retrain', schedule: '0 3 * * *' },
        { type: 'schedule', job: 'report', schedule: null },
        { type: 'writeReport', slot: '2026-11-29T06:00:00.000Z', since: '24h', format: 'markdown' },
        { type: 'emitEvent', eventType: 'Warning', reason: 'Retained', message: 'kept v1' },
      ],
      effects,
    );
    expect(calls).toEqual([
      'serve v2 x0',
      'stop site',
      'schedule retrain 0 3 * * *',
      'schedule report null',
      'report 2026-11-29T06:00:00.000Z',
      'event Warning Retained',
    ]);
  });
});
