import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readEventLogs, readRequestLogs } from '@recsys/core/logs/read';
import { ml100kDir, repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { type ServeProcess, startServeProcess } from '@recsys/serving/testing/cli-process';
import { TEST_API_KEY } from '@recsys/serving/testing/http';
import { afterAll, describe, expect, it } from 'vitest';
import { readPrepared } from '../data/prepared.ts';
import { replay } from '../reports/replay.ts';
import { sessionsBetween } from './sessions.ts';
import { type SimulateSummary, simulate } from './simulate.ts';

const source = ml100kDir();
const recsys = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), ...args], { encoding: 'utf8' });

async function servedVersion(url: string): Promise<string | undefined> {
  const health = (await (await fetch(`${url}/health`)).json()) as { model: { version: string } | null };
  return health.model?.version;
}

/**
 * R22 on ml-100k: item-item serves the first half of the test period's sessions, ALS (promoted while serving) the
 * second;
 * the replay splits realised quality by version, and fold-in keeps the fallback rate of the whole run under 10%.
 */
describe.skipIf(!source)('two model versions over a simulated ml-100k test period', () => {
  const temp = tempDir('recsys-two-versions-');
  let served: ServeProcess | undefined;
  afterAll(async () => {
    await served?.stop();
    temp.cleanup();
  });

  it('replays per version, with the whole simulation falling back less than 10% of the time', async () => {
    const data = path.join(temp.dir, 'data');
    const store = path.join(temp.dir, 'store');
    const logDir = path.join(temp.dir, 'logs');
    recsys('data', 'prepare', '--source', source!, '--out', data);
    const train = (family: string) =>
      JSON.parse(recsys('train', '--data', data, '--store', store, '--models', family, '--budget', '2', '--json'));
    // A switch between versions, not a quality gate: this policy promotes whatever it is given.
    const policy = path.join(temp.dir, 'switch-policy.json');
    writeFileSync(policy, JSON.stringify({ minRelativeImprovement: -1, maxSecondaryRegression: 1, constraints: [] }));
    const first = train('itemknn');
    const second = train('als');
    recsys('promote', '--store', store, '--version', first.version, '--policy', policy);
    served = await startServeProcess([
      '--store',
      store,
      '--follow',
      '--port',
      '0',
      '--log-dir',
      logDir,
      '--no-rate-limits',
    ]);

    const prepared = readPrepared(data);
    const from = Date.parse(prepared.manifest.cutoffs.test) / 1000;
    const last = prepared.events.time[prepared.events.time.length - 1];
    // Half of the test period's sessions each (ml-100k's test weeks are front-loaded, so not half the time).
    const all = sessionsBetween(prepared, from, last + 1);
    const middle = all[Math.floor(all.length / 2)].time;
    const run = (a: number, b: number) =>
      simulate({
        api: served!.url,
        apiKey: TEST_API_KEY,
        sessions: sessionsBetween(prepared, a, b),
        speed: Number.POSITIVE_INFINITY,
      });

    expect(await servedVersion(served.url)).toBe(first.version);
    const firstHalf = await run(from, middle);
    recsys('promote', '--store', store, '--version', second.version, '--policy', policy);
    const deadline = Date.now() + 60_000;
    while ((await servedVersion(served.url)) !== second.version) {
      if (Date.now() > deadline) throw new Error(`serving never swapped to ${second.version}:\n${served.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const secondHalf = await run(middle, last + 1);
    await served.stop();
    served = undefined;

    const halves: SimulateSummary[] = [firstHalf, secondHalf];
    for (const half of halves) expect(half.errors).toBe(0);
    const answered = halves.reduce((s, h) => s + h.personalised + h.fold_in + h.fallbacks, 0);
    const fallbacks = halves.reduce((s, h) => s + h.fallbacks, 0);
    const fallbackRate = fallbacks / answered;

    const requests = readRequestLogs(logDir).rows;
    const events = readEventLogs(logDir).rows;
    const result = replay(requests, events, { windowMs: 7 * 86_400_000, k: 10 });
    expect(result.by_model_version.map((g) => g.key).sort()).toEqual([first.version, second.version].sort());
    expect(result.overall.requests).toBe(answered);
    const byVersion = new Map(result.by_model_version.map((g) => [g.key, g]));
    expect(byVersion.get(first.version)!.requests).toBe(
      firstHalf.personalised + firstHalf.fold_in + firstHalf.fallbacks,
    );

    const rows = [
      { family: 'itemknn', trained: first, half: firstHalf },
      { family: 'als', trained: second, half: secondHalf },
    ].map(({ family, trained, half }) => {
      const g = byVersion.get(trained.version)!;
      const test = trained.models[family].test as Record<string, number>;
      return `| ${family} | ${trained.version} | ${g.requests} | ${(half.fallback_rate * 100).toFixed(1)}% | ${g.precision_at_k.toFixed(4)} | ${g.hit_rate.toFixed(4)} | ${g.ctr_proxy.toFixed(4)} | ${test['precision@10'].toFixed(4)} | ${test['hit_rate@10'].toFixed(4)} |`;
    });
    process.stderr.write(
      [
        '| family | version | lists | fallback | realised P@10 | realised hit rate | CTR proxy | offline test P@10 | offline test HR@10 |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
        `whole simulation: ${answered} /recommend answers, fallback ${(fallbackRate * 100).toFixed(2)}%; by source ${JSON.stringify(result.by_source)}`,
        '',
      ].join('\n'),
    );
    expect(fallbackRate).toBeLessThan(0.1);
  });
});
