import { describe, expect, it } from 'vitest';
import { decidePromotion, type GateScore, type PromotionDecision } from '../promotion/gate.ts';
import { DEFAULT_POLICY } from '../promotion/policy.ts';
import { parseRecModelOrThrow } from './parse.ts';
import {
  type ObservedRun,
  type ObservedWorld,
  type ReconcileAction,
  type ReconcileResult,
  reconcile,
} from './reconcile.ts';
import { RETRY_BACKOFF } from './records.ts';
import { retrainCronJobName, runNameFor } from './run-name.ts';
import { HISTORY_LIMIT, RETRAIN_ANNOTATION, type RecModel, RecModelStatusSchema } from './types.ts';

const T0 = '2026-11-29T10:00:00.000Z';
const later = (ms: number, from = T0) => new Date(Date.parse(from) + ms).toISOString();

function recModel(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): RecModel {
  return parseRecModelOrThrow({
    apiVersion: 'recsys.dev/v1alpha1',
    kind: 'RecModel',
    metadata: { name: 'movies', generation: 1, ...metadata },
    spec: { dataset: { source: 'ml-100k' }, ...spec },
  });
}

function world(overrides: Partial<ObservedWorld> = {}): ObservedWorld {
  return {
    now: T0,
    productionVersion: null,
    run: null,
    serving: { running: false, ready: false, version: null, replicas: 0 },
    frontend: { running: true },
    scheduledSlot: null,
    reportSlot: null,
    schedules: { retrain: 'current', report: 'current' },
    adoptableRun: null,
    ...overrides,
  };
}

const servingAt = (version: string, replicas = 1) => ({ running: true, ready: true, version, replicas });

/** What a runtime does with updateStatus: the next reconcile sees the new status. */
function applied(model: RecModel, result: ReconcileResult): RecModel {
  const update = result.actions.find((a) => a.type === 'updateStatus');
  return update ? { ...model, status: update.status } : model;
}

const ofType = <T extends ReconcileAction['type']>(result: ReconcileResult, type: T) =>
  result.actions.filter((a): a is Extract<ReconcileAction, { type: T }> => a.type === type);
const types = (result: ReconcileResult) => result.actions.map((a) => a.type);

function score(version: string, ndcg: number, coverage = 0.6): GateScore {
  const perUser = Array.from({ length: 50 }, (_, u) => Math.max(0, ndcg + ((u % 5) - 2) * 0.01));
  return {
    version,
    fit_cutoff: '2026-01-01T00:00:00Z',
    metrics: {
      'ndcg@10': ndcg,
      'precision@10': ndcg / 2,
      'recall@20': ndcg * 1.5,
      'hit_rate@10': ndcg * 3,
      mrr: ndcg * 1.2,
      'coverage@100': coverage,
    },
    per_user_primary: perUser,
  };
}

const gateWindow = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', interactions: 500, users: 50 };
const decide = (candidate: GateScore, production: GateScore | null): PromotionDecision =>
  decidePromotion(DEFAULT_POLICY, candidate, production, gateWindow);

/** Drives the first start to the point where a run is training: returns the model with that status. */
function trainingStarted(model: RecModel, w: ObservedWorld): { model: RecModel; runName: string } {
  const result = reconcile(model, w);
  const [train] = ofType(result, 'train');
  return { model: applied(model, result), runName: train.runName };
}

function succeeded(name: string, version: string, gate?: ObservedRun['gate']): ObservedRun {
  return { name, phase: 'Succeeded', candidate: { version, metrics: { 'ndcg@10': 0.3 } }, gate, finishedAt: T0 };
}

/** A model already serving Production `v1`, with nothing pending. */
function settled(spec: Record<string, unknown> = {}): { model: RecModel; w: ObservedWorld } {
  const w = world({ productionVersion: 'v1', serving: servingAt('v1') });
  const model = recModel(spec);
  return { model: applied(model, reconcile(model, w)), w };
}

describe('reconcile', () => {
  it('trains on first start when no Production exists, and does not train again while that run is running', () => {
    const model = recModel();
    const first = reconcile(model, world());
    expect(types(first)).toEqual(['train', 'updateStatus', 'emitEvent']);
    const [train] = ofType(first, 'train');
    expect(train).toMatchObject({ trigger: 'initial', generation: 1, attempt: 1 });
    expect(train.runName).toMatch(/^movies-g1-[0-9a-f]{8}$/);
    const [update] = ofType(first, 'updateStatus');
    expect(update.status.training?.runName).toBe(train.runName);
    expect(update.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NoProduction',
    });
    expect(update.status.conditions.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'Training',
    });

    const next = applied(model, first);
    const running = reconcile(next, world({ run: { name: train.runName, phase: 'Running' }, now: later(5_000) }));
    expect(running.actions).toEqual([]);
    // The same observed state gives the same actions.
    expect(reconcile(model, world())).toEqual(first);
  });

  it('asks for the gate once training finished, then promotes, rolls serving and records the decision', () => {
    const { model, runName } = trainingStarted(recModel(), world());
    const finished = reconcile(model, world({ run: succeeded(runName, 'v1') }));
    expect(types(finished)).toEqual(['evaluateGate', 'updateStatus', 'emitEvent']);
    expect(ofType(finished, 'evaluateGate')[0]).toMatchObject({
      runName,
      candidateVersion: 'v1',
      productionVersion: null,
    });
    const gating = applied(model, finished);
    expect(gating.status?.stagingVersion).toBe('v1');

    const decision = decide(score('v1', 0.3), null);
    const promoted = reconcile(gating, world({ run: succeeded(runName, 'v1', { phase: 'Decided', decision }) }));
    expect(types(promoted)).toEqual(['promote', 'rollServing', 'updateStatus', 'emitEvent', 'emitEvent']);
    expect(ofType(promoted, 'promote')[0]).toMatchObject({ version: 'v1', previousVersion: null });
    expect(ofType(promoted, 'rollServing')[0]).toMatchObject({ version: 'v1', replicas: 1, port: 8000 });
    const status = ofType(promoted, 'updateStatus')[0].status;
    expect(status).toMatchObject({ productionVersion: 'v1', targetVersion: 'v1', productionNdcgAt10: 0.3 });
    expect(status.stagingVersion).toBeUndefined();
    expect(status.history).toHaveLength(1);
    expect(status.history[0]).toMatchObject({ version: 'v1', stage: 'Production', verdict: 'promote', runName });
    expect(status.conditions.find((c) => c.type === 'PromotionGatePassed')).toMatchObject({
      status: 'True',
      reason: 'Promoted',
    });
    expect(ofType(promoted, 'emitEvent').map((e) => e.reason)).toEqual(['Promoted', 'RollingServing']);

    // Once the runtime has promoted and serving runs v1, the finished state gives no actions.
    const done = applied(gating, promoted);
    const serving = world({
      productionVersion: 'v1',
      serving: servingAt('v1'),
      run: succeeded(runName, 'v1', { phase: 'Decided', decision }),
    });
    const ready = reconcile(done, serving);
    expect(ofType(ready, 'updateStatus')[0].status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
    });
    expect(reconcile(applied(done, ready), serving).actions).toEqual([]);
  });

  it('retrains exactly once for a spec change made while a run was training', () => {
    const { model, runName } = trainingStarted(recModel(), world());
    const edited = { ...recModel({ models: { budget: 3 } }, { generation: 2 }), status: model.status };
    const running = reconcile(edited, world({ run: { name: runName, phase: 'Running' } }));
    expect(ofType(running, 'train')).toEqual([]);
    const decision = decide(score('v1', 0.3), null);
    const after = reconcile(
      applied(edited, running),
      world({ run: succeeded(runName, 'v1', { phase: 'Decided', decision }) }),
    );
    const trains = ofType(after, 'train');
    expect(trains).toHaveLength(1);
    expect(trains[0]).toMatchObject({ trigger: 'spec', generation: 2 });
    expect(ofType(after, 'promote')).toHaveLength(1);
    const next = applied(applied(edited, running), after);
    const w = world({
      productionVersion: 'v1',
      serving: servingAt('v1'),
      run: { name: trains[0].runName, phase: 'Running' },
    });
    expect(ofType(reconcile(next, w), 'train')).toEqual([]);
  });

  it('treats a failed gate as a failed run: Degraded, then a new attempt after the backoff', () => {
    const { model, runName } = trainingStarted(recModel(), world());
    const gateFailed = succeeded(runName, 'v1', {
      phase: 'Failed',
      reason: 'NoGateWindow',
      message: 'no interactions after both cutoffs',
    });
    const failed = reconcile(model, world({ run: gateFailed }));
    const status = ofType(failed, 'updateStatus')[0].status;
    expect(status.lastFailure).toMatchObject({ step: 'gate', reason: 'NoGateWindow', attempts: 1 });
    expect(status.conditions.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'GateFailed',
    });
    expect(ofType(failed, 'emitEvent')[0]).toMatchObject({ eventType: 'Warning', reason: 'GateFailed' });
    const retry = reconcile(applied(model, failed), world({ run: null, now: status.lastFailure?.retryAt }));
    expect(ofType(retry, 'train')).toEqual([expect.objectContaining({ runName: `${runName}-a2`, attempt: 2 })]);
  });

  it('scales serving to zero without reporting a rollout forever', () => {
    const { model, w } = settled();
    const zero = { ...recModel({ serving: { replicas: 0 } }), status: model.status };
    expect(ofType(reconcile(zero, w), 'rollServing')).toEqual([expect.objectContaining({ replicas: 0 })]);
    const stopped = { ...w, serving: { running: false, ready: false, version: null, replicas: 0 } };
    const result = reconcile(zero, stopped);
    expect(types(result)).toEqual(['updateStatus']);
    expect(reconcile(applied(zero, result), stopped).actions).toEqual([]);
  });

  it('rolls serving again when it runs with settings the spec no longer asks for (event stream, fold-in cap)', () => {
    const { model, w } = settled();
    const shared = { ...recModel({ serving: { eventStream: 'postgres', foldInUsers: 5000 } }), status: model.status };
    expect(ofType(reconcile(shared, w), 'rollServing')).toEqual([]);
    const rolls = ofType(reconcile(shared, { ...w, serving: { ...w.serving, outdated: true } }), 'rollServing');
    expect(rolls).toEqual([expect.objectContaining({ eventStream: 'postgres', foldInUsers: 5000 })]);
  });

  it('retains a worse candidate with a Warning event naming the failing rule and both values', () => {
    const { model, w } = settled();
    const annotated = { ...model, metadata: { ...model.metadata, annotations: { [RETRAIN_ANNOTATION]: 'now' } } };
    const { model: training, runName } = trainingStarted(annotated, w);
    const decision = decide(score('v2', 0.2), score('v1', 0.3));
    const retained = reconcile(training, { ...w, run: succeeded(runName, 'v2', { phase: 'Decided', decision }) });
    expect(types(retained)).toEqual(['retain', 'updateStatus', 'emitEvent']);
    const [warning] = ofType(retained, 'emitEvent');
    expect(warning).toMatchObject({ eventType: 'Warning', reason: 'Retained' });
    expect(warning.message).toContain('ndcg@10: relative change >= 1%');
    expect(warning.message).toContain('0.2000 vs 0.3000');
    const status = ofType(retained, 'updateStatus')[0].status;
    expect(status.productionVersion).toBe('v1');
    expect(status.history.at(-1)).toMatchObject({
      version: 'v2',
      stage: 'Archived',
      verdict: 'retain',
      comparedWith: 'v1',
      gateWindow: decision.gate_window,
    });
    // Both values of every metric stay in the status, so `kubectl get -o yaml` shows why it was retained.
    expect(status.history.at(-1)?.metrics['ndcg@10']).toBeCloseTo(0.2);
    expect(status.history.at(-1)?.productionMetrics?.['ndcg@10']).toBeCloseTo(0.3);
    expect(RecModelStatusSchema.safeParse(status).success).toBe(true);
    expect(status.conditions.find((c) => c.type === 'PromotionGatePassed')).toMatchObject({
      status: 'False',
      reason: 'Retained',
    });
  });

  it('archives the replaced Production in the history when a better candidate is promoted', () => {
    const w = world({ productionVersion: 'v1', serving: servingAt('v1') });
    const first = trainingStarted(recModel(), world());
    const promotedV1 = applied(
      first.model,
      reconcile(
        first.model,
        world({ run: succeeded(first.runName, 'v1', { phase: 'Decided', decision: decide(score('v1', 0.3), null) }) }),
      ),
    );
    expect(promotedV1.status?.history[0].stage).toBe('Production');
    const annotated = {
      ...promotedV1,
      metadata: { ...promotedV1.metadata, annotations: { [RETRAIN_ANNOTATION]: '1' } },
    };
    const second = trainingStarted(annotated, w);
    const decision = decide(score('v2', 0.35), score('v1', 0.3));
    const result = reconcile(second.model, {
      ...w,
      run: succeeded(second.runName, 'v2', { phase: 'Decided', decision }),
    });
    const history = ofType(result, 'updateStatus')[0].status.history;
    expect(history.map((h) => [h.version, h.stage])).toEqual([
      ['v1', 'Archived'],
      ['v2', 'Production'],
    ]);
  });

  it('retrains once when the training spec changes, and not for a serving-only change', () => {
    const { model, w } = settled();
    const changed = { ...recModel({ models: { budget: 2 } }, { generation: 2 }), status: model.status };
    const first = reconcile(changed, w);
    const [train] = ofType(first, 'train');
    expect(train).toMatchObject({ trigger: 'spec', generation: 2 });
    const training = applied(changed, first);
    expect(ofType(reconcile(training, { ...w, run: { name: train.runName, phase: 'Running' } }), 'train')).toEqual([]);
    // The run is lost before anyone saw it: the same name is created again, never a second run.
    expect(ofType(reconcile(training, w), 'train')).toEqual([{ ...train }]);

    const scaled = { ...recModel({ serving: { replicas: 3 } }, { generation: 2 }), status: model.status };
    const result = reconcile(scaled, w);
    expect(ofType(result, 'train')).toEqual([]);
    expect(ofType(result, 'rollServing')[0]).toMatchObject({ version: 'v1', replicas: 3 });
  });

  it('retrains on a new retrain annotation value, once per value', () => {
    const { model, w } = settled();
    const asked = {
      ...model,
      metadata: { ...model.metadata, annotations: { [RETRAIN_ANNOTATION]: '2026-11-29T10:00' } },
    };
    const first = reconcile(asked, w);
    const [train] = ofType(first, 'train');
    expect(train.trigger).toBe('annotation');
    expect(train.runName).toMatch(/^movies-g1-r[0-9a-f]{8}$/);
    const training = applied(asked, first);
    expect(training.status?.lastRetrainRequest).toBe('2026-11-29T10:00');
    const decision = decide(score('v2', 0.2), score('v1', 0.3));
    const decided = applied(
      training,
      reconcile(training, { ...w, run: succeeded(train.runName, 'v2', { phase: 'Decided', decision }) }),
    );
    expect(
      reconcile(decided, { ...w, run: succeeded(train.runName, 'v2', { phase: 'Decided', decision }) }).actions,
    ).toEqual([]);
  });

  it('adopts the first schedule slot it sees and retrains when a new slot is due', () => {
    const { model, w } = settled({ schedule: '0 3 * * *' });
    const slot1 = '2026-11-29T03:00:00.000Z';
    const adopted = reconcile(model, { ...w, scheduledSlot: slot1 });
    expect(ofType(adopted, 'train')).toEqual([]);
    const withSlot = applied(model, adopted);
    expect(reconcile(withSlot, { ...w, scheduledSlot: slot1 }).actions).toEqual([]);
    const due = reconcile(withSlot, {
      ...w,
      scheduledSlot: '2026-11-30T03:00:00.000Z',
      now: '2026-11-30T03:00:05.000Z',
    });
    const [train] = ofType(due, 'train');
    // Named as the cronjob controller names the Job of that slot, so a cluster finds the CronJob's Job.
    const minutes = Date.parse('2026-11-30T03:00:00.000Z') / 60_000;
    expect(train).toMatchObject({ trigger: 'schedule', runName: `movies-retrain-${minutes}` });
  });

  it('records a failed run as Degraded with lastFailure, retries after the backoff, and gives up after the last attempt', () => {
    const { model, runName } = trainingStarted(recModel(), world());
    const failedAt = later(60_000);
    const failedRun: ObservedRun = {
      name: runName,
      phase: 'Failed',
      failure: { reason: 'OutOfMemory', message: 'the trainer was killed' },
      finishedAt: failedAt,
    };
    const failed = reconcile(model, world({ run: failedRun, now: failedAt }));
    expect(types(failed)).toEqual(['updateStatus', 'emitEvent']);
    expect(failed.requeueAfterMs).toBe(RETRY_BACKOFF.initialMs);
    const status = ofType(failed, 'updateStatus')[0].status;
    expect(status.lastFailure).toMatchObject({
      runName,
      step: 'train',
      reason: 'OutOfMemory',
      attempts: 1,
      retryAt: later(30_000, failedAt),
    });
    expect(status.conditions.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'TrainingFailed',
    });
    const [warning] = ofType(failed, 'emitEvent');
    expect(warning).toMatchObject({ eventType: 'Warning', reason: 'TrainingFailed' });
    expect(warning.message).toContain('OutOfMemory');

    let current = applied(model, failed);
    expect(reconcile(current, world({ run: failedRun, now: later(10_000, failedAt) })).actions).toEqual([]);
    let name = runName;
    let at = failedAt;
    for (let attempt = 2; attempt <= RETRY_BACKOFF.maxAttempts; attempt++) {
      const retryAt = current.status?.lastFailure?.retryAt as string;
      const retry = reconcile(current, world({ run: { ...failedRun, name }, now: retryAt }));
      const [train] = ofType(retry, 'train');
      expect(train).toMatchObject({ trigger: 'initial', attempt });
      expect(train.runName).toBe(`${runName}-a${attempt}`);
      current = applied(current, retry);
      name = train.runName;
      at = later(1_000, retryAt);
      current = applied(current, reconcile(current, world({ run: { ...failedRun, name, finishedAt: at }, now: at })));
    }
    expect(current.status?.lastFailure).toMatchObject({ attempts: RETRY_BACKOFF.maxAttempts });
    expect(current.status?.lastFailure?.retryAt).toBeUndefined();
    const exhausted = reconcile(
      current,
      world({ run: { ...failedRun, name, finishedAt: at }, now: later(86_400_000, at) }),
    );
    expect(exhausted.actions).toEqual([]);
    expect(exhausted.requeueAfterMs).toBeNull();
  });

  it('does nothing when Production is served as specified and nothing is due', () => {
    const { model, w } = settled();
    expect(reconcile(model, w)).toEqual({ actions: [], requeueAfterMs: null });
    expect(model.status?.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Ready', 'True'],
      ['Progressing', 'False'],
      ['Degraded', 'False'],
      ['Trained', 'Unknown'],
      ['PromotionGatePassed', 'Unknown'],
    ]);
  });

  it('writes the report once per slot, adopting the first slot it sees', () => {
    const { model, w } = settled();
    const first = applied(model, reconcile(model, { ...w, reportSlot: '2026-11-29T06:00:00.000Z' }));
    const due = reconcile(first, { ...w, reportSlot: '2026-11-30T06:00:00.000Z' });
    expect(ofType(due, 'writeReport')).toEqual([
      { type: 'writeReport', slot: '2026-11-30T06:00:00.000Z', since: '24h', format: 'markdown' },
    ]);
    expect(reconcile(applied(first, due), { ...w, reportSlot: '2026-11-30T06:00:00.000Z' }).actions).toEqual([]);
  });

  it('starts and stops the site as the spec says', () => {
    const { model, w } = settled();
    expect(ofType(reconcile(model, { ...w, frontend: { running: false } }), 'runFrontend')).toEqual([
      { type: 'runFrontend', port: 4321, image: 'ghcr.io/recsys-dev/frontend:0.1.0' },
    ]);
    const off = { ...recModel({ frontend: { enabled: false } }), status: model.status };
    expect(types(reconcile(off, w))).toEqual(['stopFrontend']);
  });

  it('keeps the newest history entries up to the limit', () => {
    let model = recModel();
    let production: string | null = null;
    for (let i = 1; i <= HISTORY_LIMIT + 3; i++) {
      const annotated = { ...model, metadata: { ...model.metadata, annotations: { [RETRAIN_ANNOTATION]: String(i) } } };
      const base = world({
        productionVersion: production,
        serving: production ? servingAt(production) : world().serving,
      });
      const { model: training, runName } = trainingStarted(annotated, base);
      const decision = decide(
        score(`v${i}`, 0.1 + i * 0.01),
        production ? score(production, 0.1 + (i - 1) * 0.01) : null,
      );
      model = applied(
        training,
        reconcile(training, { ...base, run: succeeded(runName, `v${i}`, { phase: 'Decided', decision }) }),
      );
      production = `v${i}`;
    }
    const history = model.status?.history ?? [];
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0].version).toBe('v4');
    expect(history.at(-1)).toMatchObject({ version: `v${HISTORY_LIMIT + 3}`, stage: 'Production' });
    expect(history.filter((h) => h.stage === 'Production')).toHaveLength(1);
  });
});

describe('reconcile: schedules and runs it did not start', () => {
  it('makes the schedules the spec asks for, removes one it no longer has, and leaves current ones alone', () => {
    const { model, w } = settled({ schedule: '0 3 * * *' });
    const outdated = { ...w, schedules: { retrain: 'outdated', report: 'outdated' } as const };
    expect(ofType(reconcile(model, outdated), 'schedule')).toEqual([
      { type: 'schedule', job: 'retrain', schedule: '0 3 * * *' },
      { type: 'schedule', job: 'report', schedule: '0 6 * * *' },
    ]);
    const unscheduled = { ...recModel({ report: { enabled: false } }), status: model.status };
    expect(ofType(reconcile(unscheduled, outdated), 'schedule')).toEqual([
      { type: 'schedule', job: 'retrain', schedule: null },
      { type: 'schedule', job: 'report', schedule: null },
    ]);
    expect(ofType(reconcile(model, w), 'schedule')).toEqual([]);
  });

  it('follows a Production moved outside its runs (recsys promote by hand): the status shows it, once', () => {
    const { model, w } = settled();
    expect(model.status?.productionVersion).toBe('v1');
    const withNdcg = { ...model, status: { ...model.status!, productionNdcgAt10: 0.3 } };
    const moved = reconcile(withNdcg, { ...w, productionVersion: 'v9', serving: servingAt('v1') });
    expect(ofType(moved, 'rollServing')[0]).toMatchObject({ version: 'v9' });
    const status = ofType(moved, 'updateStatus')[0].status;
    expect(status.productionVersion).toBe('v9');
    expect(status.productionNdcgAt10).toBeUndefined();
    expect(ofType(moved, 'emitEvent').map((e) => e.reason)).toContain('ProductionChanged');
    const after = reconcile(applied(withNdcg, moved), { ...w, productionVersion: 'v9', serving: servingAt('v9') });
    expect(ofType(after, 'emitEvent')).toEqual([]);
  });

  it('follows and gates a trainer run started by hand, once idle, and records its decision', () => {
    const { model, w } = settled();
    const manual = { name: 'manual-1', createdAt: later(60_000) };
    const adopted = reconcile(model, { ...w, adoptableRun: manual });
    expect(ofType(adopted, 'train')).toEqual([]);
    const following = applied(model, adopted);
    expect(following.status?.training).toMatchObject({
      runName: 'manual-1',
      trigger: 'manual',
      startedAt: manual.createdAt,
    });
    expect(ofType(adopted, 'emitEvent')[0]).toMatchObject({ reason: 'TrainingAdopted' });
    const gating = reconcile(following, { ...w, run: succeeded('manual-1', 'v2') });
    expect(ofType(gating, 'evaluateGate')[0]).toMatchObject({
      runName: 'manual-1',
      candidateVersion: 'v2',
      productionVersion: 'v1',
    });
    const decision = decide(score('v2', 0.35), score('v1', 0.3));
    const decided = reconcile(applied(following, gating), {
      ...w,
      run: succeeded('manual-1', 'v2', { phase: 'Decided', decision }),
    });
    expect(ofType(decided, 'promote')[0]).toMatchObject({ version: 'v2', previousVersion: 'v1' });
    // While a run is busy, a run started by hand waits.
    const busy = reconcile(applied(following, gating), {
      ...w,
      run: { name: 'manual-1', phase: 'Running' },
      adoptableRun: { name: 'manual-2', createdAt: later(90_000) },
    });
    expect(applied(applied(following, gating), busy).status?.training?.runName).toBe('manual-1');
    expect(ofType(busy, 'emitEvent')).toEqual([]);
  });
});

describe('runNameFor', () => {
  it('gives a DNS-1123 label of at most 63 characters for any model name', () => {
    const long = `a${'-b'.repeat(40)}`;
    for (const [trigger, token] of [
      ['schedule', '2026-11-30T03:00:00.000Z'],
      ['annotation', 'please'],
      ['spec', '0123456789abcdef'],
    ] as const) {
      const name = runNameFor({ name: long, generation: 123456, trigger, token, attempt: 5 });
      expect(name.length, name).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.endsWith('-a5')).toBe(true);
    }
    expect(retrainCronJobName(long).length).toBeLessThanOrEqual(52);
  });
});
