import { readBundle } from '@recsys/core/bundle/reader';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrepared } from '../data/prepared.ts';
import { Registry } from '../registry/registry.ts';
import { syntheticDataset } from '../testing/synthetic.ts';
import { trackerForStore } from '../tracking/for-store.ts';
import { configKey, type TrainResult, train } from './train.ts';

const scratch = tempDir();
let prepared: string;
let first: TrainResult;

beforeAll(async () => {
  ({ prepared } = await syntheticDataset(scratch.dir));
  first = await train({
    data: prepared,
    store: `${scratch.dir}/store`,
    families: ['popularity', 'itemknn', 'als', 'ease_trend'],
    budget: 2,
  });
}, 120_000);
afterAll(() => scratch.cleanup());

describe('recsys train', () => {
  it('exports a verifiable bundle registered at stage None, with the dataset fingerprint and both fits', async () => {
    const bundle = await readBundle(first.bundle);
    const data = readPrepared(prepared);
    expect(bundle.manifest.dataset.fingerprint).toBe(data.manifest.fingerprint);
    expect(bundle.manifest.model_type).toBe(first.best);
    expect(bundle.has('scorer.json') && bundle.has('gate.scorer.json') && bundle.has('fallback.scorer.json')).toBe(
      true,
    );
    expect(Date.parse(String(bundle.manifest.extra.gate_fit_cutoff))).toBeLessThan(
      Date.parse(bundle.manifest.dataset.fit_cutoff),
    );
    const registry = Registry.open(`${scratch.dir}/store`);
    expect(registry.get('movies', first.version)!.stage).toBe('None');
    registry.close();
  });

  it('tracks the export: params, validation and test metrics, the bundle as artifacts, a model version', async () => {
    expect(first.tracking.error).toBeNull();
    const tracker = trackerForStore(`${scratch.dir}/store`, '');
    const run = await tracker.getRun(first.tracking.run_id!);
    expect(run.params.family).toBe(first.best);
    expect(run.metrics.test_ndcg_at_10).toBe(first.models[first.best].test['ndcg@10']);
    expect(await tracker.listArtifacts(run.run_id)).toContain(`bundle/${first.version}/manifest.json`);
    expect((await tracker.getVersion('movies', first.version)).source).toContain(`bundle/${first.version}`);
    expect((await tracker.getVersion('movies', first.version)).stage).toBe('None');
    await tracker.close();
  });

  it('chooses the best validation NDCG@10 among families meeting the coverage floor', () => {
    const eligible = Object.entries(first.models).filter(([, m]) => m.eligible);
    const pool = eligible.length > 0 ? eligible : Object.entries(first.models);
    const best = pool.reduce((a, b) =>
      (b[1].validation['ndcg@10'] as number) > (a[1].validation['ndcg@10'] as number) ? b : a,
    );
    expect(first.best).toBe(best[0]);
  });

  it('learns the hidden tastes: ALS beats all-time popularity by a clear margin on structured synthetic data', async () => {
    const store = `${scratch.dir}/store-als`;
    const { als } = (await train({ data: prepared, store, families: ['als'], budget: 6 })).models;
    // Budget 1 tries only the first popularity candidate: all-time counts.
    const { popularity } = (await train({ data: prepared, store, families: ['popularity'], budget: 1 })).models;
    expect(popularity.params.window).toBeNull();
    expect(als.test['ndcg@10'] as number).toBeGreaterThan(1.5 * (popularity.test['ndcg@10'] as number));
    expect(als.test['recall@20'] as number).toBeGreaterThan(1.5 * (popularity.test['recall@20'] as number));
  }, 120_000);

  it('gives a family its own budget and the others the global one', async () => {
    const result = await train({
      data: prepared,
      store: `${scratch.dir}/budgets`,
      families: ['popularity', 'itemknn'],
      budget: 3,
      familyBudgets: { itemknn: 1 },
    });
    expect(result.models.itemknn.trials.length).toBe(1);
    expect(result.models.popularity.trials.length).toBe(3);
  }, 120_000);

  it('refuses thresholds a prepared dataset was not prepared with, naming both', async () => {
    await expect(
      train({ data: prepared, store: `${scratch.dir}/thresholds`, thresholds: { minItemPositives: 3 } }),
    ).rejects.toThrow(/was prepared with minItemPositives 10, not minItemPositives 3/);
  });

  it('scores test once per fingerprint and configuration: a rerun reads the first score back', async () => {
    const again = await train({ data: prepared, store: `${scratch.dir}/store`, families: ['itemknn'], budget: 2 });
    const registry = Registry.open(`${scratch.dir}/store`);
    const fingerprint = readPrepared(prepared).manifest.fingerprint;
    const stored = registry.testScore<{ test: Record<string, number> }>(
      fingerprint,
      configKey('itemknn', again.models.itemknn.params),
    );
    registry.close();
    expect(stored!.test['ndcg@10']).toBe(again.models.itemknn.test['ndcg@10']);
    expect(again.models.itemknn.test).toEqual(first.models.itemknn.test);
  }, 120_000);

  it('exports the best of a family with no eligible candidate, marked not eligible with why, rather than failing', async () => {
    const result = await train({ data: prepared, store: `${scratch.dir}/alike`, families: ['popularity'], budget: 2 });
    const { popularity } = result.models;
    expect(result.best).toBe('popularity');
    expect(popularity.eligible).toBe(false);
    expect(popularity.why.some((reason) => reason.includes('top-10 Jaccard'))).toBe(true);
    expect(popularity.trials.every((trial) => !trial.eligible && trial.why.length > 0)).toBe(true);
    const bundle = await readBundle(result.bundle);
    expect(bundle.manifest.extra.selection).toMatchObject({ eligible: false, max_jaccard: 0.1 });
  }, 120_000);

  it('reports every trial with its verdict, and the deployed lists of the choice', () => {
    for (const m of Object.values(first.models)) {
      expect(m.trials.length).toBeGreaterThan(0);
      for (const trial of m.trials) {
        expect(trial.eligible).toBe(trial.why.length === 0);
        expect(typeof trial.validation['jaccard@10']).toBe('number');
      }
      expect(m.deployed['jaccard@10']).toBeGreaterThanOrEqual(0);
      expect(m.test['personalisation@10']).toBeCloseTo(1 - (m.test['jaccard@10'] as number), 12);
    }
  });

  it('deploys a bundle that knows every user of the data, with a history past its fit cutoff', async () => {
    const bundle = await readBundle(first.bundle);
    const data = readPrepared(prepared);
    const { history_end } = bundle.manifest.dataset.cutoffs;
    expect(Date.parse(history_end)).toBe(data.events.time[data.events.time.length - 1] * 1000);
    expect(Date.parse(history_end)).toBeGreaterThan(Date.parse(bundle.manifest.dataset.fit_cutoff));
    expect(bundle.u32('seen_indices.u32').length).toBe(data.events.item.length);
  });

  it('skips a family that cannot fit the memory budget with the reason, drops candidates that cannot, and reports the budget', async () => {
    const result = await train({
      data: prepared,
      store: `${scratch.dir}/store-small`,
      families: ['popularity', 'itemknn', 'als', 'ease_trend'],
      budget: 2,
      // Enough ALS candidates that some are small enough for 1 MB here (16 or 24 factors).
      familyBudgets: { als: 12 },
      memoryBudget: 1_000_000,
    });
    expect(result.memory_budget).toEqual({ bytes: 1_000_000, source: 'given' });
    expect(Object.keys(result.skipped).sort()).toEqual(['ease_trend', 'itemknn']);
    expect(result.skipped.itemknn).toMatch(/co-occurrence over \d+ items .* over the 1.0 MiB memory budget/);
    expect(result.skipped.ease_trend).toMatch(/EASE over even 500 items needs/);
    expect(Object.keys(result.models).sort()).toEqual(['als', 'popularity']);
    // Larger candidates were dropped before the search, not fitted.
    expect(result.models.als.trials.every((trial) => Number(trial.params.factors) <= 24)).toBe(true);
    const bundle = await readBundle(result.bundle);
    expect(bundle.manifest.extra.skipped_families).toEqual(result.skipped);
    await expect(
      train({ data: prepared, store: `${scratch.dir}/store-none`, families: ['itemknn'], memoryBudget: 1000 }),
    ).rejects.toThrow(/no model family fits the 1000 byte memory budget \(given\): itemknn: /);
  }, 120_000);
});
