import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeProductionPointer } from '@recsys/core/registry/pointer';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { syntheticModel } from '../testing/synthetic-model.ts';
import { type Follower, followProduction } from './follow.ts';
import type { ModelHandle } from './handle.ts';
import { ModelSlot } from './slot.ts';

const temp = tempDir('recsys-follow-');
let follower: Follower | undefined;
afterEach(() => follower?.stop());
afterAll(() => temp.cleanup());

let clock = 0;

function setup(loadable: (version: string) => boolean = () => true) {
  const store = path.join(temp.dir, `store-${Math.random().toString(16).slice(2)}`);
  mkdirSync(path.join(store, 'movies'), { recursive: true });
  const slot = new ModelSlot();
  const swaps: string[] = [];
  const errors: string[] = [];
  const loads: string[] = [];
  follower = followProduction({
    store,
    modelName: 'movies',
    slot,
    pollMs: 60_000,
    retryMs: 30_000,
    now: () => clock,
    load: async (_store, _name, version): Promise<ModelHandle> => {
      loads.push(version);
      await new Promise((r) => setTimeout(r, 5));
      if (!loadable(version)) throw new Error(`bundle ${version} failed verification`);
      return syntheticModel({ version, users: 5, items: 6 }).model;
    },
    onSwap: (_from, to) => swaps.push(to),
    onError: (version) => errors.push(version),
  });
  return { store, slot, swaps, errors, loads };
}

describe('following the Production pointer', () => {
  it('loads the version the pointer names and swaps when it moves', async () => {
    const { store, slot, swaps } = setup();
    await follower!.check();
    expect(slot.current).toBeUndefined();
    writeProductionPointer(store, 'movies', 'v1');
    await follower!.check();
    expect(slot.current?.info.version).toBe('v1');
    writeProductionPointer(store, 'movies', 'v2');
    await follower!.check();
    expect(slot.current?.info.version).toBe('v2');
    expect(swaps).toEqual(['v1', 'v2']);
  });

  it('keeps serving the old model when the new bundle fails, and does not retry it at once', async () => {
    const { store, slot, errors, loads } = setup((version) => version !== 'broken');
    writeProductionPointer(store, 'movies', 'v1');
    await follower!.check();
    writeProductionPointer(store, 'movies', 'broken');
    await follower!.check();
    await follower!.check();
    expect(slot.current?.info.version).toBe('v1');
    expect(errors).toEqual(['broken']);
    expect(loads.filter((v) => v === 'broken')).toHaveLength(1);
    writeProductionPointer(store, 'movies', 'v3');
    await follower!.check();
    expect(slot.current?.info.version).toBe('v3');
  });

  it('notices a rename of the pointer through the directory watch', async () => {
    const { store, slot } = setup();
    writeProductionPointer(store, 'movies', 'v7');
    const deadline = Date.now() + 5000;
    while (slot.current?.info.version !== 'v7' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(slot.current?.info.version).toBe('v7');
  });

  it('lands on the newest pointer when it moves during a load', async () => {
    const { store, slot } = setup();
    writeProductionPointer(store, 'movies', 'v1');
    const first = follower!.check();
    writeProductionPointer(store, 'movies', 'v2');
    await first;
    expect(slot.current?.info.version).toBe('v2');
  });

  it('says since when serving is not Production, and retries a version repaired in place (finding 7)', async () => {
    let repaired = false;
    const { store, slot, loads } = setup((version) => version !== 'v2' || repaired);
    clock = 1_000;
    writeProductionPointer(store, 'movies', 'v1');
    await follower!.check();
    expect(follower!.divergence()).toBeNull();
    writeProductionPointer(store, 'movies', 'v2');
    clock = 2_000;
    await follower!.check();
    expect(slot.current?.info.version).toBe('v1');
    expect(follower!.divergence()).toMatchObject({ since: 2_000, production: 'v2', served: 'v1' });
    expect(follower!.divergence()?.reason).toMatch(/v2 failed to load: bundle v2 failed verification/);
    repaired = true;
    clock = 20_000;
    await follower!.check();
    expect(loads.filter((v) => v === 'v2')).toHaveLength(1);
    expect(follower!.divergence()?.since).toBe(2_000);
    clock = 40_000;
    await follower!.check();
    expect(slot.current?.info.version).toBe('v2');
    expect(follower!.divergence()).toBeNull();
  });

  it('reports a store that vanished as a divergence, while the loaded model keeps answering', async () => {
    const { store, slot } = setup();
    clock = 5_000;
    writeProductionPointer(store, 'movies', 'v1');
    await follower!.check();
    rmSync(store, { recursive: true });
    clock = 6_000;
    await follower!.check();
    expect(slot.current?.info.version).toBe('v1');
    expect(follower!.divergence()).toMatchObject({ since: 6_000, production: null, served: 'v1' });
  });
});
