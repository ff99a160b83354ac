import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_CRASH_STEPS, CRASH_ENV } from '@recsys/core/bundle/crash';
import { readBundle } from '@recsys/core/bundle/reader';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { readProductionPointer } from '@recsys/core/registry/pointer';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRatings } from '../data/ratings.ts';
import { Registry } from '../registry/registry.ts';
import { appendEvents, heldOutSlices } from '../testing/held-out.ts';
import { syntheticDataset } from '../testing/synthetic.ts';
import { RETRAIN_CRASH_STEPS } from './retrain.ts';

const scratch = tempDir('recsys-retrain-crash-');
const store = path.join(scratch.dir, 'store');
const cli = path.join(repoRoot, 'cli/src/main.ts');
let source: string;
let until: string;
let server: ChildProcess;
let api: string;

function run(env: Record<string, string> = {}): ChildProcess {
  const args = [cli, 'retrain', '--source', source, '--until', until, '--store', store];
  args.push('--work-dir', path.join(scratch.dir, 'work'), '--event-logs', path.join(scratch.dir, 'events'));
  args.push('--models', 'itemknn,als', '--budget', '1', '--json');
  return spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Production still verifies and is still what serving answers with; nothing partial is visible in the store. */
async function assertIntact(expected: string): Promise<void> {
  const production = readProductionPointer(store, 'movies');
  expect(production).toBe(expected);
  const registry = Registry.open(store);
  expect(
    registry
      .list('movies')
      .filter((v) => v.stage === 'Production')
      .map((v) => v.version),
  ).toEqual([expected]);
  registry.close();
  for (const entry of readdirSync(path.join(store, 'movies'), { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    await readBundle(path.join(store, 'movies', entry.name));
  }
  // Serving follows the pointer (fs.watch plus a poll): give a promotion a moment to swap in.
  let served = '';
  for (let attempt = 0; attempt < 50 && served !== expected; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    served = ((await (await fetch(`${api}/health`)).json()) as { model: { version: string } }).model.version;
  }
  expect(served).toBe(expected);
}

beforeAll(async () => {
  const synthetic = await syntheticDataset(scratch.dir);
  source = synthetic.raw;
  // The newest fifth of the ratings arrives later, through serving's event log.
  const ratings = readRatings(path.join(source, 'ratings.dat'), 'ml-1m');
  const times = Float64Array.from(ratings.time.subarray(0, ratings.length)).sort();
  const split = times[Math.floor(times.length * 0.8)];
  until = new Date(split * 1000).toISOString();
  mkdirSync(path.join(scratch.dir, 'events'));
  appendEvents(path.join(scratch.dir, 'events'), heldOutSlices(source, split, 1)[0]);
  expect((await exited(run())).code).toBe(0);

  server = spawn(
    process.execPath,
    [cli, 'serve', '--store', store, '--follow', '--port', '0', '--log-dir', path.join(scratch.dir, 'serving-logs')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  api = await new Promise<string>((resolve, reject) => {
    server.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    server.once('exit', () => reject(new Error('serve exited')));
  });
}, 300_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  if (server) await exited(server);
  scratch.cleanup();
});

describe('a retrain killed at any moment', () => {
  it('at every named step: Production keeps serving unchanged, nothing partial is visible, the next retrain succeeds', async () => {
    for (const step of [...RETRAIN_CRASH_STEPS, ...BUNDLE_CRASH_STEPS]) {
      const before = readProductionPointer(store, 'movies')!;
      const outcome = await exited(run({ [CRASH_ENV]: step }));
      expect(outcome.signal, step).toBe('SIGKILL');
      // A kill after the decision may already have promoted: Production is then the new version, whole.
      await assertIntact(step === 'retrain:decided' ? readProductionPointer(store, 'movies')! : before);
    }
    const last = run();
    const stdout: Buffer[] = [];
    last.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    expect((await exited(last)).code).toBe(0);
    const result = JSON.parse(Buffer.concat(stdout).toString()) as { version: string; verdict: string };
    expect(['promote', 'retain']).toContain(result.verdict);
  }, 600_000);

  it('at 20 random moments: the same holds each time', async () => {
    const started = performance.now();
    expect((await exited(run())).code).toBe(0);
    const typical = performance.now() - started;
    const random = mulberry32(20);
    for (let k = 0; k < 20; k++) {
      const before = readProductionPointer(store, 'movies')!;
      const child = run();
      const done = exited(child);
      const killed = new Promise((resolve) => setTimeout(resolve, random() * typical)).then(() =>
        child.kill('SIGKILL'),
      );
      await Promise.race([done, killed]);
      await done;
      const after = readProductionPointer(store, 'movies')!;
      // A kill that lands after the pointer moved leaves the newer version in Production, whole.
      expect([before, ...readdirSync(path.join(store, 'movies'))]).toContain(after);
      await assertIntact(after);
    }
    expect((await exited(run())).code).toBe(0);
  }, 600_000);
});
