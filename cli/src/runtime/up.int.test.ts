import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readLocalState } from '@recsys/core/recmodel/local-state';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { freePort } from '@recsys/core/testing/ports';
import { syntheticDataset } from '@recsys/trainer/testing/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnUp, stopUp, until as waitUntil } from '../testing/up-process.ts';
import { SITE_ENTRY } from './local-runtime.ts';

const scratch = tempDir('recsys-up-int-');
const cli = path.join(repoRoot, 'cli/src/main.ts');
const varDir = path.join(scratch.dir, 'var');
const statusFile = path.join(varDir, 'recmodel-status.json');
let up: ChildProcess;
let specFile: string;
let output = '';
let apiPort: number;
let sitePort: number;

const until = <T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs: number) =>
  waitUntil(what, probe, timeoutMs, () => output);

async function get(url: string): Promise<{ status: number; body: string } | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return null;
  }
}

/** Every process below `pid`, from /proc (children first seen by their parent's id). */
function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const pairs = out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of pairs) {
      if (ppid !== parent) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const history = () => readLocalState(statusFile)?.status?.history ?? [];

beforeAll(async () => {
  if (!existsSync(SITE_ENTRY))
    execFileSync('npx', ['astro', 'build'], { cwd: path.join(repoRoot, 'frontend-astro'), stdio: 'ignore' });
  const synthetic = await syntheticDataset(path.join(scratch.dir, 'data'), {
    users: 300,
    items: 120,
    interactions: 9000,
  });
  [apiPort, sitePort] = [await freePort(), await freePort()];
  specFile = path.join(scratch.dir, 'recmodel.yaml');
  writeFileSync(
    specFile,
    [
      'apiVersion: recsys.dev/v1alpha1',
      'kind: RecModel',
      'metadata: { name: movies }',
      'spec:',
      `  dataset: { source: ${JSON.stringify(synthetic.raw)} }`,
      '  models: { families: [{ name: popularity }, { name: itemknn }], budget: 2 }',
      // Forcing, so every retrain promotes and serving has something to swap to.
      '  promotion: { minRelativeImprovement: -1.0, maxSecondaryRegression: 1.0, constraints: [] }',
      '  schedule: "* * * * *"',
      `  serving: { port: ${apiPort} }`,
      `  frontend: { port: ${sitePort} }`,
      '  report: { schedule: "* * * * *", since: 1h }',
    ].join('\n'),
  );
  up = startUp();
}, 300_000);

function startUp(env: Record<string, string> = {}): ChildProcess {
  return spawnUp(['-f', specFile, '--var', varDir, '--tick', '500'], (d) => (output += d), env);
}

afterAll(async () => {
  await stopUp(up);
  scratch.cleanup();
}, 30_000);

describe('recsys up -f on small synthetic data', () => {
  it('trains the first model, then serves /health ready and the site', async () => {
    const health = await until(
      'a ready /health',
      async () => {
        const r = await get(`http://127.0.0.1:${apiPort}/health`);
        return r && JSON.parse(r.body).ready === true ? JSON.parse(r.body) : null;
      },
      180_000,
    );
    // A scheduled retrain may already have promoted a newer version by now.
    expect(history().map((h) => h.version)).toContain(health.model.version);
    expect(history()[0]).toMatchObject({ verdict: 'promote', trigger: 'initial' });
    await until(
      'the site answering 200',
      async () => ((await get(`http://127.0.0.1:${sitePort}/`))?.status === 200 ? true : null),
      60_000,
    );
  }, 240_000);

  it('retrains when asked (touching <var>/retrain) and on the schedule; each decision is in models history', async () => {
    writeFileSync(path.join(varDir, 'retrain'), '');
    const asked = await until(
      'a retrain on request',
      () => history().find((h) => h.trigger === 'annotation') ?? null,
      120_000,
    );
    const scheduled = await until(
      'a scheduled retrain',
      () => history().find((h) => h.trigger === 'schedule') ?? null,
      150_000,
    );
    const listed = JSON.parse(
      execFileSync(process.execPath, [cli, 'models', 'history', '--store', path.join(varDir, 'store'), '--json'], {
        encoding: 'utf8',
      }),
    ) as {
      decisions: { candidate_version: string; metrics: { name: string }[]; gate_window: { interactions: number } }[];
    };
    for (const entry of [asked, scheduled]) {
      const decision = listed.decisions.find((d) => d.candidate_version === entry.version);
      expect(decision, `${entry.version} in models history`).toBeDefined();
      expect(decision!.metrics.map((m) => m.name)).toContain('ndcg@10');
      expect(decision!.gate_window.interactions).toBeGreaterThan(0);
      expect(entry.metrics['ndcg@10']).toBeTypeOf('number');
      // The status file keeps both values of every metric and the gate window too.
      expect(entry.productionMetrics?.['ndcg@10']).toBeTypeOf('number');
      expect(entry.gateWindow?.interactions).toBe(decision!.gate_window.interactions);
    }
    // The following server swapped to the newest promoted version.
    const newest = history()
      .filter((h) => h.verdict === 'promote')
      .at(-1)!.version;
    await until(
      `serving ${newest}`,
      async () => {
        const r = await get(`http://127.0.0.1:${apiPort}/health`);
        return r && JSON.parse(r.body).model?.version === newest ? true : null;
      },
      30_000,
    );
    expect(output).toMatch(/\[movies-[^\]]+\] (searched|trained) /);
  }, 300_000);

  it('stops everything on SIGTERM, leaving no process behind', async () => {
    const children = descendants(up.pid!);
    expect(children.length).toBeGreaterThanOrEqual(2);
    const exited = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)));
    up.kill('SIGTERM');
    expect(await exited).toBe(143);
    const left = children.filter(alive);
    expect(left, `still running: ${left.join(', ')}`).toEqual([]);
    expect(await get(`http://127.0.0.1:${apiPort}/health`)).toBeNull();
    expect(readFileSync(statusFile, 'utf8')).toContain('"productionVersion"');
  }, 30_000);

  it('keeps serving the same Production when a training run crashes, and records the failure', async () => {
    await stopUp(up);
    up = startUp({ RECSYS_CRASH_AT: 'retrain:trained' });
    const production = await until(
      'a ready /health after the restart',
      async () => {
        const r = await get(`http://127.0.0.1:${apiPort}/health`);
        return r && JSON.parse(r.body).ready === true ? (JSON.parse(r.body).model.version as string) : null;
      },
      60_000,
    );
    writeFileSync(path.join(varDir, 'retrain'), 'again');
    const failure = await until(
      'a recorded training failure',
      () => {
        const status = readLocalState(statusFile)?.status;
        return status?.lastFailure?.runName === status?.training?.runName ? (status?.lastFailure ?? null) : null;
      },
      60_000,
    );
    expect(failure).toMatchObject({ step: 'train', reason: 'TrainingFailed', attempts: 1 });
    expect(failure.message).toContain('SIGKILL');
    expect(failure.retryAt).toBeDefined();
    const health = JSON.parse((await get(`http://127.0.0.1:${apiPort}/health`))!.body);
    expect(health).toMatchObject({ ready: true, model: { version: production } });
    const exited = new Promise((resolve) => up.once('exit', resolve));
    up.kill('SIGTERM');
    await exited;
  }, 150_000);
});
