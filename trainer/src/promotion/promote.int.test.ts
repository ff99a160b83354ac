import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pairedBootstrap } from '@recsys/core/metrics/bootstrap';
import { DEFAULT_POLICY } from '@recsys/core/promotion/policy';
import { ml100kDir, repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { readPrepared } from '../data/prepared.ts';
import { evaluate } from '../evaluate/evaluate.ts';
import { candidateContender, openVersion } from './contender.ts';

const ml100k = ml100kDir();
const scratch = tempDir();
afterAll(() => scratch.cleanup());

function recsys(...args: string[]): unknown {
  const out = execFileSync(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), ...args, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out);
}

interface DecisionJson {
  verdict: string;
  metrics: {
    name: string;
    candidate: number;
    production: number;
    relative_change: number;
    rule: string;
    passed: boolean;
  }[];
  ci: { difference: number; interval: [number, number] };
  gate_window: { interactions: number; users: number };
}

describe.runIf(ml100k)('recsys promote on ml-100k', () => {
  it('gives a decision table whose numbers recompute independently from per-user scores', async () => {
    const data = path.join(scratch.dir, 'ml-100k');
    const store = path.join(scratch.dir, 'store');
    recsys('data', 'prepare', '--source', ml100k!, '--out', data);
    const first = recsys('train', '--data', data, '--store', store, '--models', 'itemknn', '--budget', '2') as {
      version: string;
    };
    expect((recsys('promote', '--store', store, '--version', first.version) as DecisionJson).verdict).toBe('promote');
    const second = recsys('train', '--data', data, '--store', store, '--models', 'als', '--budget', '2') as {
      version: string;
    };
    const decision = recsys('promote', '--store', store, '--version', second.version) as DecisionJson;

    // Same dataset: both sides are their train-only fits and the window is the whole validation split.
    const prepared = readPrepared(data);
    expect(decision.gate_window.interactions).toBe(prepared.manifest.interactions.validation);
    const [candidate, production] = await Promise.all(
      [second.version, first.version].map(async (v) => candidateContender(await openVersion(store, 'movies', v))),
    );
    const scored = [candidate, production].map((c) =>
      evaluate({ recommender: c.recommender, coldStart: c.coldStart, heldOut: prepared.validation }),
    );
    const [cand, prod] = scored;
    expect(Array.from(cand.warm.userIndices)).toEqual(Array.from(prod.warm.userIndices));
    expect(decision.gate_window.users).toBe(cand.warm.users);

    const metricOf = (name: string, side: (typeof scored)[number]) =>
      name.startsWith('coverage@') ? side.coverage[name as 'coverage@100'] : side.warm.metrics[name as 'ndcg@10'];
    let allPassed = true;
    for (const row of decision.metrics) {
      expect(row.candidate).toBeCloseTo(metricOf(row.name, cand), 12);
      expect(row.production).toBeCloseTo(metricOf(row.name, prod), 12);
      const change = (row.candidate - row.production) / row.production;
      expect(row.relative_change).toBeCloseTo(change, 12);
      const constraint = DEFAULT_POLICY.constraints.find(
        (c) => row.rule.startsWith('constraint') && c.metric === row.name,
      );
      const passed = constraint
        ? row.candidate >= constraint.min!
        : row.name === DEFAULT_POLICY.primaryMetric
          ? change >= DEFAULT_POLICY.minRelativeImprovement - 1e-9
          : change >= -DEFAULT_POLICY.maxSecondaryRegression - 1e-9;
      expect(row.passed).toBe(passed);
      allPassed &&= passed;
    }
    expect(decision.verdict).toBe(allPassed ? 'promote' : 'retain');
    const paired = pairedBootstrap(cand.warm.perUser['ndcg@10'], prod.warm.perUser['ndcg@10']);
    expect(decision.ci.difference).toBeCloseTo(paired.difference, 12);
    expect(decision.ci.interval).toEqual(paired.ci);
  }, 300_000);
});
