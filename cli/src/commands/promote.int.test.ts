import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readProductionPointer } from '@recsys/core/registry/pointer';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { promote } from '@recsys/trainer/promotion/promote';
import { Registry } from '@recsys/trainer/registry/registry';
import { syntheticDataset } from '@recsys/trainer/testing/synthetic';
import { train } from '@recsys/trainer/train/train';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const cli = path.join(repoRoot, 'cli/src/main.ts');
const scratch = tempDir('recsys-promote-race-');
const store = path.join(scratch.dir, 'store');
// Only the primary metric decides: the worse candidate fails against the better one on NDCG@10 alone.
const policy = { minRelativeImprovement: 0, maxSecondaryRegression: 1, constraints: [] };
let v1: string;
let worse: string;
let better: string;

beforeAll(async () => {
  const { prepared } = await syntheticDataset(scratch.dir, { users: 1000, items: 300, interactions: 60_000 });
  // On this data, gate window NDCG@10: popularity 0.100 < itemknn 0.135 < EASE + trend 0.184 (ALS at budget 1: 0.116).
  v1 = (await train({ data: prepared, store, families: ['popularity'], budget: 1 })).version;
  await promote({ store, modelName: 'movies', version: v1 });
  worse = (await train({ data: prepared, store, families: ['itemknn'], budget: 1 })).version;
  better = (await train({ data: prepared, store, families: ['ease_trend'], budget: 1 })).version;
}, 300_000);
afterAll(() => scratch.cleanup());

function recsysPromote(version: string, env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    [cli, 'promote', '--store', store, '--version', version, '--policy-json', JSON.stringify(policy), '--json'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { exited };
}

describe('two recsys promote processes racing (the slower one started first)', () => {
  it('never lets the worse candidate become Production: its decision against the old Production is refused and re-gated', async () => {
    // The slower process: gates the worse candidate against v1, then holds before applying while the pause file exists.
    const pause = path.join(scratch.dir, 'pause');
    writeFileSync(pause, '');
    const slow = recsysPromote(worse, { RECSYS_PAUSE_AT: 'promote:decided', RECSYS_PAUSE_FILE: pause });
    await vi.waitFor(() => expect(existsSync(`${pause}.reached`)).toBe(true), { timeout: 120_000, interval: 100 });

    // The faster one, started second, promotes the better candidate meanwhile.
    const fast = await recsysPromote(better).exited;
    expect(fast.code, fast.stderr).toBe(0);
    expect(JSON.parse(fast.stdout)).toMatchObject({ verdict: 'promote', production_version: v1, applied: true });

    rmSync(pause);
    const slowed = await slow.exited;
    expect(slowed.code, slowed.stderr).toBe(0);
    expect(slowed.stderr).toContain(
      `Production moved to ${better} while ${worse} was gated against ${v1}; gating it again`,
    );
    expect(JSON.parse(slowed.stdout)).toMatchObject({ verdict: 'retain', production_version: better, applied: true });

    expect(readProductionPointer(store, 'movies')).toBe(better);
    const registry = Registry.open(store);
    try {
      expect(registry.production('movies')?.version).toBe(better);
      expect(registry.get('movies', worse)?.stage).toBe('Archived');
      expect(registry.decisions('movies').map((d) => [d.decision.candidate_version, d.decision.verdict])).toEqual([
        [v1, 'promote'],
        [better, 'promote'],
        [worse, 'retain'],
      ]);
    } finally {
      registry.close();
    }
  }, 300_000);
});
