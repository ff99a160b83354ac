import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ml100kDir, repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { type ServeProcess, startServeProcess } from '@recsys/serving/testing/cli-process';
import { TEST_API_KEY } from '@recsys/serving/testing/http';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDataset } from '../data/prepare.ts';
import { readPrepared } from '../data/prepared.ts';
import { sessionsBetween } from '../simulate/sessions.ts';
import { simulate } from '../simulate/simulate.ts';

const source = ml100kDir();
const scratch = tempDir('recsys-simulated-retrain-');
const cli = path.join(repoRoot, 'cli/src/main.ts');
const run = promisify(execFile);
let served: ServeProcess | undefined;
afterAll(async () => {
  await served?.stop();
  scratch.cleanup();
});

/** Clients asking /recommend back to back until stopped: every answer's status and model version. */
function steadyLoad(api: string, clients: number) {
  let stopping = false;
  const answers: { status: number; version: string }[] = [];
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; !stopping; i++) {
      try {
        const response = await fetch(`${api}/recommend`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 1 + ((c * 97 + i) % 900), k: 10 }),
        });
        const body = (await response.json()) as { model?: { version: string } };
        answers.push({ status: response.status, version: body.model?.version ?? '' });
      } catch {
        answers.push({ status: 0, version: '' });
      }
    }
  });
  return {
    answers,
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      return answers;
    },
  };
}

/**
 * ISSUE 8 on ml-100k: start from the data before the test cutoff, let `recsys simulate` feed the test period to the
 * running API in three slices, and retrain after each (a separate process, as the runtime runs it) while clients keep
 * asking for recommendations: every decision is recorded with every metric and the gate window, and a promotion
 * swaps the server with zero failed requests.
 */
describe.runIf(source)('retraining on a simulated ml-100k test period', () => {
  it('decides after each of three slices, and a promotion swaps serving under load with no failed request', async () => {
    const full = path.join(scratch.dir, 'full');
    await prepareDataset({ source: source!, out: full });
    const data = readPrepared(full);
    const cutoff = Date.parse(data.manifest.cutoffs.test) / 1000;
    const store = path.join(scratch.dir, 'store');
    const logs = path.join(scratch.dir, 'logs');
    const retrain = async () => {
      const args = [cli, 'retrain', '--source', source!, '--until', new Date(cutoff * 1000).toISOString()];
      args.push('--store', store, '--work-dir', path.join(scratch.dir, 'work'), '--event-logs', logs, '--json');
      const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
      return JSON.parse(stdout) as {
        version: string;
        verdict: string;
        seconds: { total: number };
        ingested: { events: number };
      };
    };

    expect((await retrain()).verdict).toBe('promote');
    served = await startServeProcess([
      '--store',
      store,
      '--follow',
      '--port',
      '0',
      '--log-dir',
      logs,
      '--no-rate-limits',
    ]);

    const last = data.events.time[data.events.time.length - 1];
    const bounds = [0, 1, 2, 3].map((s) => cutoff + ((last + 1 - cutoff) * s) / 3);
    let posted = 0;
    let promotions = 0;
    for (let s = 0; s < 3; s++) {
      const sessions = sessionsBetween(data, bounds[s], bounds[s + 1]);
      const fed = await simulate({ api: served.url, apiKey: TEST_API_KEY, sessions, speed: Number.POSITIVE_INFINITY });
      expect(fed.errors).toBe(0);
      posted += fed.interactions;

      const load = steadyLoad(served.url, 4);
      const result = await retrain();
      if (result.verdict === 'promote') {
        // Keep the load on until the server answers with the new version.
        while (!load.answers.some((a) => a.version === result.version)) await new Promise((r) => setTimeout(r, 50));
        promotions++;
      }
      const answers = await load.stop();
      console.log(
        `slice ${s + 1}: ${fed.interactions} posted, retrain ${result.seconds.total.toFixed(1)} s, ${result.verdict}, ${answers.length} requests under load`,
      );
      expect(result.ingested.events).toBe(posted);
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    }
    await served.stop();
    served = undefined;

    const { stdout } = await run(process.execPath, [cli, 'models', 'history', '--store', store, '--json']);
    const history = (
      JSON.parse(stdout) as {
        decisions: {
          verdict: string;
          metrics: { production: number | null }[];
          gate_window: { interactions: number };
        }[];
      }
    ).decisions;
    expect(history).toHaveLength(4);
    for (const decision of history.slice(1)) {
      expect(decision.metrics.length).toBeGreaterThanOrEqual(6);
      expect(decision.metrics.every((m) => m.production !== null)).toBe(true);
      expect(decision.gate_window.interactions).toBeGreaterThan(0);
    }
    expect(promotions).toBeGreaterThan(0);
  }, 600_000);
});
