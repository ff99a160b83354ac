import { PromotionPolicySchema } from '@recsys/core/promotion/policy';
import { readProductionPointer } from '@recsys/core/registry/pointer';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../registry/registry.ts';
import { syntheticDataset } from '../testing/synthetic.ts';
import { train } from '../train/train.ts';
import { applyDecision, promote } from './promote.ts';

const scratch = tempDir('recsys-apply-');
const store = `${scratch.dir}/store`;
let prepared: string;

beforeAll(async () => {
  prepared = (await syntheticDataset(scratch.dir, { users: 300, items: 120, interactions: 9000 })).prepared;
}, 120_000);
afterAll(() => scratch.cleanup());

const stageOf = (version: string) => {
  const registry = Registry.open(store);
  try {
    return registry.get('movies', version)?.stage;
  } finally {
    registry.close();
  }
};

describe('applying a decision the gate computed earlier (the local runtime’s promote/retain step)', () => {
  it('moves stages and the pointer once, is a no-op when repeated, and refuses a decision Production has outrun', async () => {
    const first = await train({ data: prepared, store, families: ['itemknn'], budget: 1 });
    const firstDecision = (await promote({ store, modelName: 'movies', version: first.version, dryRun: true }))
      .decision;
    expect(stageOf(first.version)).toBe('None');
    expect(await applyDecision({ store, modelName: 'movies', decision: firstDecision })).toMatchObject({
      outcome: 'applied',
    });
    expect(readProductionPointer(store, 'movies')).toBe(first.version);
    expect(await applyDecision({ store, modelName: 'movies', decision: firstDecision })).toEqual({
      outcome: 'already-applied',
    });

    // Two candidates gated against the first; once one is promoted, the other's decision is stale.
    const a = await train({ data: prepared, store, families: ['popularity'], budget: 1 });
    const b = await train({ data: prepared, store, families: ['itemknn'], budget: 1 });
    const policy = PromotionPolicySchema.parse({
      minRelativeImprovement: -1,
      maxSecondaryRegression: 1,
      constraints: [],
    });
    const gateA = await promote({ store, modelName: 'movies', version: a.version, policy, dryRun: true });
    const gateB = await promote({ store, modelName: 'movies', version: b.version, policy, dryRun: true });
    expect(await applyDecision({ store, modelName: 'movies', decision: gateA.decision })).toMatchObject({
      outcome: 'applied',
    });
    expect(readProductionPointer(store, 'movies')).toBe(a.version);
    expect(stageOf(first.version)).toBe('Archived');
    expect(await applyDecision({ store, modelName: 'movies', decision: gateB.decision })).toEqual({
      outcome: 'stale',
      production_version: a.version,
    });
    expect(stageOf(b.version)).toBe('None');
    const registry = Registry.open(store);
    expect(registry.decisions('movies').map((d) => d.decision.candidate_version)).toEqual([first.version, a.version]);
    registry.close();
  }, 120_000);
});
