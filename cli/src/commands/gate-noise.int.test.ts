import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { promote } from '@recsys/trainer/promotion/promote';
import { syntheticDataset } from '@recsys/trainer/testing/synthetic';
import { train } from '@recsys/trainer/train/train';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = path.join(repoRoot, 'cli/src/main.ts');
const scratch = tempDir('recsys-gate-noise-');
const store = path.join(scratch.dir, 'store');
let noisy: string;
let clear: string;

beforeAll(async () => {
  // 300 users leave a gate window of a few dozen: few enough that a +18% NDCG@10 gain can be noise.
  const { prepared } = await syntheticDataset(scratch.dir, { users: 300, items: 200, interactions: 15_000 });
  const v1 = (await train({ data: prepared, store, families: ['popularity'], budget: 1 })).version;
  await promote({ store, modelName: 'movies', version: v1 });
  noisy = (await train({ data: prepared, store, families: ['als'], budget: 1 })).version;
  clear = (await train({ data: prepared, store, families: ['itemknn'], budget: 1 })).version;
}, 300_000);
afterAll(() => scratch.cleanup());

async function recsys(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], { maxBuffer: 16 << 20 });
  return stdout;
}

const gate = async (version: string, policy: object, ...flags: string[]) =>
  JSON.parse(
    await recsys('promote', '--store', store, '--version', version, '--policy-json', JSON.stringify(policy), ...flags),
  );

describe('a gate that knows its noise, through the real CLI (recsys promote, recsys models history)', () => {
  it('retains a gain whose CI crosses zero with minConfidence, and a clear gain on too few users with minUsers', async () => {
    // Under the statement's rule alone the noisy candidate is promoted: the noise rules are what retain it.
    const plain = await gate(noisy, {}, '--dry-run', '--json');
    expect(plain.verdict).toBe('promote');
    const [lo, hi] = plain.ci.interval;
    expect(lo).toBeLessThan(0);
    expect(hi).toBeGreaterThan(0);

    const confident = await gate(noisy, { minConfidence: 0.95 }, '--json');
    expect(confident).toMatchObject({ verdict: 'retain', min_confidence: 0.95, min_users: null, applied: true });
    expect(confident.ci).toMatchObject({ level: 0.95, interval: [lo, hi] });
    expect(confident.failed_rules).toEqual([
      `ndcg@10: paired bootstrap 95% CI of the difference [${lo.toFixed(4)}, ${hi.toFixed(4)}] above 0 (minConfidence)`,
    ]);

    const users = plain.gate_window.users as number;
    const clearGain = await gate(clear, { minConfidence: 0.95 }, '--dry-run', '--json');
    expect(clearGain.verdict).toBe('promote');
    const counted = await gate(clear, { minConfidence: 0.95, minUsers: users + 1 }, '--json');
    expect(counted).toMatchObject({ verdict: 'retain', min_users: users + 1, applied: true });
    expect(counted.summary).toMatch(
      new RegExp(
        `^insufficient evidence: retain \\S+, the gate window has ${users} evaluated users, fewer than minUsers ${users + 1}$`,
      ),
    );
    expect(counted.failed_rules).toEqual([
      `insufficient evidence: ${users} evaluated users, fewer than minUsers ${users + 1}`,
    ]);

    const history = await recsys('models', 'history', '--store', store);
    expect(history).toContain(`RETAIN: retain `);
    expect(history).toContain(
      `paired bootstrap 95% CI of the difference [${lo.toFixed(4)}, ${hi.toFixed(4)}] above 0 (minConfidence)`,
    );
    expect(history).toContain(`insufficient evidence: retain `);
    expect(history).toContain(`gate_window.users  ${users} `);
    const recorded = JSON.parse(await recsys('models', 'history', '--store', store, '--json')).decisions;
    expect(
      recorded.map((d: { candidate_version: string; verdict: string }) => [d.candidate_version, d.verdict]),
    ).toEqual([
      [expect.any(String), 'promote'],
      [noisy, 'retain'],
      [clear, 'retain'],
    ]);
    expect(recorded[1]).toMatchObject({ min_confidence: 0.95, failed_rules: confident.failed_rules });
    expect(recorded[2]).toMatchObject({ min_users: users + 1, failed_rules: counted.failed_rules });
  }, 300_000);
});
