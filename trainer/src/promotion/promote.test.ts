import { readProductionPointer } from '@recsys/core/registry/pointer';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrepared } from '../data/prepared.ts';
import { Registry } from '../registry/registry.ts';
import { earlierSnapshot, syntheticDataset } from '../testing/synthetic.ts';
import { trackerForStore } from '../tracking/for-store.ts';
import { train } from '../train/train.ts';
import { candidateContender, openVersion, productionContender } from './contender.ts';
import { promote } from './promote.ts';
import { gateEvents } from './window.ts';

const scratch = tempDir();
const store = `${scratch.dir}/store`;
let prepared: string;
let earlier: string;
let syntheticRaw: string;

beforeAll(async () => {
  const source = await syntheticDataset(scratch.dir);
  prepared = source.prepared;
  syntheticRaw = source.raw;
  earlier = await earlierSnapshot(source.raw, 0.6, scratch.dir);
}, 120_000);
afterAll(() => scratch.cleanup());

const secondsOf = (iso: string) => Date.parse(iso) / 1000;

describe('the promotion gate window', () => {
  it('scores the candidate in its train-only fit, on validation interactions strictly after both cutoffs', async () => {
    const production = await train({ data: prepared, store, families: ['itemknn'], budget: 1 });
    const candidate = await train({ data: prepared, store, families: ['als'], budget: 1 });
    const data = readPrepared(prepared);
    const candidateBundle = await openVersion(store, 'movies', candidate.version);
    const contender = candidateContender(candidateBundle);
    expect(contender.recommender.catalogue.seen.indptr).toEqual(data.train.indptr);
    expect(contender.recommender.catalogue.seen.indices).toEqual(data.train.indices);
    expect(contender.fitCutoff).toBe(data.events.time[data.manifest.interactions.train - 1]);

    // Same data: Production's deployed fit saw the validation period, so its train-only fit is scored instead.
    const productionBundle = await openVersion(store, 'movies', production.version);
    const rival = productionContender(productionBundle, contender.fitCutoff);
    expect(rival.fitCutoff).toBeLessThan(secondsOf(productionBundle.manifest.dataset.fit_cutoff));
    const window = gateEvents(data, [contender.fitCutoff, rival.fitCutoff]);
    for (let e = window.first; e < window.end; e++) {
      expect(data.events.time[e]).toBeGreaterThan(contender.fitCutoff);
      expect(data.events.time[e]).toBeGreaterThan(rival.fitCutoff);
    }
    expect(window.first).toBeGreaterThanOrEqual(data.manifest.interactions.train);
  }, 60_000);

  it('scores a Production fit on older data as deployed, when it ends before the candidate validation', async () => {
    const oldStore = `${scratch.dir}/old-store`;
    const old = await train({ data: earlier, store: oldStore, families: ['itemknn'], budget: 1 });
    const data = readPrepared(prepared);
    const oldBundle = await openVersion(oldStore, 'movies', old.version);
    const trainCutoff = data.events.time[data.manifest.interactions.train - 1];
    // Deployed, it knows its users up to the end of its data: the gate window starts after that, not its fit.
    const deployed = secondsOf(oldBundle.manifest.dataset.cutoffs.history_end);
    expect(deployed).toBeGreaterThan(secondsOf(oldBundle.manifest.dataset.fit_cutoff));
    expect(deployed).toBeLessThanOrEqual(trainCutoff);
    const rival = productionContender(oldBundle, trainCutoff);
    expect(rival.fitCutoff).toBe(deployed);
    expect(rival.recommender.catalogue.seen.indices.length).toBe(readPrepared(earlier).events.item.length);
    const window = gateEvents(data, [trainCutoff, rival.fitCutoff]);
    for (let e = window.first; e < window.end; e++)
      expect(data.events.time[e]).toBeGreaterThan(Math.max(trainCutoff, deployed));
  }, 60_000);

  it('scores Production in its train-only fit when the history it was deployed with reaches the candidate validation', async () => {
    // Fit on 85% of the oldest 80% of the data (before the candidate's validation), history to 80% (inside it).
    const later = await earlierSnapshot(syntheticRaw, 0.8, `${scratch.dir}/later`);
    const laterStore = `${scratch.dir}/later-store`;
    const old = await train({ data: later, store: laterStore, families: ['itemknn'], budget: 1 });
    const data = readPrepared(prepared);
    const oldBundle = await openVersion(laterStore, 'movies', old.version);
    const trainCutoff = data.events.time[data.manifest.interactions.train - 1];
    expect(secondsOf(oldBundle.manifest.dataset.fit_cutoff)).toBeLessThanOrEqual(trainCutoff);
    expect(secondsOf(oldBundle.manifest.dataset.cutoffs.history_end)).toBeGreaterThan(trainCutoff);
    const rival = productionContender(oldBundle, trainCutoff);
    expect(rival.fitCutoff).toBe(secondsOf(String(oldBundle.manifest.extra.gate_fit_cutoff)));
    const window = gateEvents(data, [trainCutoff, rival.fitCutoff]);
    for (let e = window.first; e < window.end; e++) {
      expect(data.events.time[e]).toBeGreaterThan(trainCutoff);
      expect(data.events.time[e]).toBeGreaterThan(rival.fitCutoff);
    }
  }, 60_000);

  it('refuses to gate on another dataset than the candidate was trained on, naming the folder', async () => {
    const otherStore = `${scratch.dir}/other-data-store`;
    const candidate = await train({ data: prepared, store: otherStore, families: ['popularity'], budget: 1 });
    await expect(
      promote({ store: otherStore, modelName: 'movies', version: candidate.version, data: earlier }),
    ).rejects.toThrow(`${earlier} holds another dataset than the one ${candidate.version} was trained on`);
  });

  it('promotes the first version, then retains a worse one and names the failing rule', async () => {
    const promoteStore = `${scratch.dir}/promote-store`;
    const good = await train({ data: prepared, store: promoteStore, families: ['als'], budget: 1 });
    const first = await promote({ store: promoteStore, modelName: 'movies', version: good.version });
    expect(first.decision.verdict).toBe('promote');
    expect(readProductionPointer(promoteStore, 'movies')).toBe(good.version);

    const worse = await train({ data: prepared, store: promoteStore, families: ['popularity'], budget: 1 });
    const dry = await promote({ store: promoteStore, modelName: 'movies', version: worse.version, dryRun: true });
    expect(dry.applied).toBe(false);
    const second = await promote({ store: promoteStore, modelName: 'movies', version: worse.version });
    expect(second.decision.verdict).toBe('retain');
    expect(second.decision.failed_rules.some((rule) => rule.startsWith('ndcg@10'))).toBe(true);
    expect(readProductionPointer(promoteStore, 'movies')).toBe(good.version);
    const registry = Registry.open(promoteStore);
    expect(registry.get('movies', worse.version)!.stage).toBe('Archived');
    expect(registry.decisions('movies').map((d) => d.decision.verdict)).toEqual(['promote', 'retain']);
    registry.close();
    // The tracker mirrors the registry's stages (and the alias that follows Production).
    const tracker = trackerForStore(promoteStore, '');
    expect((await tracker.getVersion('movies', good.version)).stage).toBe('Production');
    expect((await tracker.getVersion('movies', good.version)).aliases).toContain('production');
    expect((await tracker.getVersion('movies', worse.version)).stage).toBe('Archived');
    await tracker.close();
  }, 60_000);
});
