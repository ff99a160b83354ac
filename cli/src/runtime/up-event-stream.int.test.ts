import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { freePort } from '@recsys/core/testing/ports';
import { syntheticDataset } from '@recsys/trainer/testing/synthetic';
import { afterAll, describe, expect, it } from 'vitest';

const scratch = tempDir('recsys-up-stream-');
// As root, PostgreSQL runs as the postgres user, who must reach <var>/postgres through this directory.
chmodSync(scratch.dir, 0o711);
const cli = path.join(repoRoot, 'cli/src/main.ts');
const varDir = path.join(scratch.dir, 'var');
let up: ChildProcess | undefined;
let output = '';

afterAll(() => {
  if (up?.exitCode === null) up.kill('SIGKILL');
  scratch.cleanup();
});

async function until<T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s; recsys up said:\n${output.slice(-3000)}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `recsys up` with `spec.serving.eventStream: postgres`: the local runtime runs the engine and everything uses it. */
describe('recsys up with the event stream the runtime runs', () => {
  it('starts PostgreSQL, serves through it, retrains from it, and stops it with everything else', async () => {
    const synthetic = await syntheticDataset(path.join(scratch.dir, 'data'), {
      users: 300,
      items: 120,
      interactions: 9000,
    });
    const apiPort = await freePort();
    const specFile = path.join(scratch.dir, 'recmodel.yaml');
    writeFileSync(
      specFile,
      [
        'apiVersion: recsys.dev/v1alpha1',
        'kind: RecModel',
        'metadata: { name: movies }',
        'spec:',
        `  dataset: { source: ${JSON.stringify(synthetic.raw)} }`,
        '  models: { families: [{ name: popularity }], budget: 1 }',
        '  promotion: { minRelativeImprovement: -1.0, maxSecondaryRegression: 1.0, constraints: [] }',
        `  serving: { port: ${apiPort}, eventStream: postgres, foldInUsers: 50 }`,
        '  frontend: { enabled: false }',
        '  report: { enabled: false }',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [cli, 'up', '-f', specFile, '--var', varDir, '--tick', '500'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up = child;
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const api = `http://127.0.0.1:${apiPort}`;
    await until(
      'a ready /health',
      async () => {
        const r = await fetch(`${api}/health`).catch(() => null);
        return r?.ok && ((await r.json()) as { ready: boolean }).ready ? true : null;
      },
      180_000,
    );
    const engine = /event stream: PostgreSQL at (\S+) \(data in \S+, PID (\d+)\)/.exec(output);
    expect(engine, output).not.toBeNull();
    const enginePid = Number(engine![2]);
    expect(alive(enginePid)).toBe(true);
    const serving = execFileSync('ps', ['-e', '-o', 'args='], { encoding: 'utf8' })
      .split('\n')
      .find((line) => line.includes(' serve ') && line.includes(varDir));
    expect(serving).toContain(`--event-stream ${engine![1]}`);
    expect(serving).toContain('--fold-in-users 50');

    const key = readFileSync(path.join(varDir, 'secrets', 'api-keys'), 'utf8').trim();
    const posted = await fetch(`${api}/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify([
        { user_id: 1_000_000_001, movie_id: 1, rating: 5, event_id: 'up-1' },
        { user_id: 1_000_000_001, movie_id: 2, rating: 4, event_id: 'up-2' },
      ]),
    });
    expect(posted.status).toBe(201);

    // A retrain asked for now reads the stream: both events, once each.
    writeFileSync(path.join(varDir, 'retrain'), '');
    await until(
      'a retrain reading the stream',
      () => (/ingested 2 posted interaction/.test(output) ? true : null),
      120_000,
    );
    expect(output).toMatch(/read the event stream postgres:\/\/\S+ up to id 2/);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    await until('PostgreSQL stopped', () => (alive(enginePid) ? null : true), 20_000);
  }, 300_000);
});
