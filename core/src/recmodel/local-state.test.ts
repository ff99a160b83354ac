import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.ts';
import { specSlots } from './cron.ts';
import { readLocalState, withLocalState, writeLocalState } from './local-state.ts';
import { parseRecModelOrThrow } from './parse.ts';
import { reconcile } from './reconcile.ts';

const model = (budget: number) =>
  parseRecModelOrThrow({
    apiVersion: 'recsys.dev/v1alpha1',
    kind: 'RecModel',
    metadata: { name: 'movies' },
    spec: { dataset: { source: 'ml-100k' }, models: { budget }, schedule: '0 3 * * *' },
  });

describe('local RecModel state', () => {
  it('keeps the generation while the spec is unchanged and bumps it once when it changes', () => {
    const first = withLocalState(model(8), null);
    expect(first.recModel.metadata.generation).toBe(1);
    const same = withLocalState(model(8), first.state);
    expect(same.recModel.metadata.generation).toBe(1);
    const changed = withLocalState(model(4), same.state);
    expect(changed.recModel.metadata.generation).toBe(2);
    expect(withLocalState(model(4), changed.state).recModel.metadata.generation).toBe(2);
  });

  it('round-trips the status reconcile writes through the state file', () => {
    const scratch = tempDir();
    try {
      const file = path.join(scratch.dir, 'movies', 'recmodel-state.json');
      expect(readLocalState(file)).toBeNull();
      const { recModel, state } = withLocalState(model(8), null);
      const now = new Date('2026-11-29T10:00:00Z');
      const result = reconcile(recModel, {
        now: now.toISOString(),
        productionVersion: null,
        run: null,
        serving: { running: false, ready: false, version: null },
        frontend: { running: true },
        ...specSlots(recModel.spec, now),
        schedules: { retrain: 'current', report: 'current' },
        adoptableRun: null,
      });
      const update = result.actions.find((a) => a.type === 'updateStatus');
      if (!update) throw new Error('expected a status update on first start');
      writeLocalState(file, { ...state, status: update.status });
      const reread = readLocalState(file);
      expect(reread?.status).toEqual(update.status);
      expect(reread?.status?.lastScheduledSlot).toBe('2026-11-29T03:00:00.000Z');
      writeFileSync(file, '{"generation": 0}');
      expect(() => readLocalState(file)).toThrow(/is not a RecModel state file/);
    } finally {
      scratch.cleanup();
    }
  });
});
