import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';
import { freePort } from '@recsys/core/testing/ports';

/**
 * The venv's bin directory from scripts/mlflow-env.sh (which installs MLflow on first use), or undefined when
 * it cannot be had; under CI=true that is a failure, never a silent skip.
 */
export function mlflowBin(): string | undefined {
  try {
    return execFileSync(path.join(repoRoot, 'scripts/mlflow-env.sh'), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch (err) {
    if (process.env.CI === 'true') {
      throw new Error(
        `scripts/mlflow-env.sh could not provide MLflow (${(err as Error).message}); the integration tier needs it`,
      );
    }
    return undefined;
  }
}

export interface MlflowServer {
  uri: string;
  /** Seconds from spawn to the first healthy /health. */
  startSeconds: number;
  stop(): Promise<void>;
}

/** A real `mlflow server` on 127.0.0.1 with a SQLite backend and proxied artifacts under `dir`. */
export async function startMlflowServer(bin: string, dir: string, timeoutMs = 180_000): Promise<MlflowServer> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const uri = `http://127.0.0.1:${port}`;
  const log = path.join(dir, 'server.log');
  const out = openSync(log, 'a');
  const started = performance.now();
  // Its own process group, so stop() ends the uvicorn worker and job runner it spawns along with it.
  const child: ChildProcess = spawn(
    path.join(bin, 'mlflow'),
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${path.join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      path.join(dir, 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const killed = await Promise.race([
      exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 10_000)),
    ]);
    if (!killed) process.kill(-child.pid, 'SIGKILL');
  };
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null)
      throw new Error(`mlflow server exited with code ${child.exitCode} before it was healthy; see ${log}`);
    try {
      if ((await fetch(`${uri}/health`)).ok) return { uri, startSeconds: (performance.now() - started) / 1000, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`mlflow server at ${uri} was not healthy within ${timeoutMs / 1000} s; see ${log}`);
}
