import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';

const cli = path.join(repoRoot, 'cli/src/main.ts');

/**
 * `recsys up` in a process group of its own, so a teardown can end it together with every child it started
 * (serving, the site, training runs, PostgreSQL) by that group's id. `said` collects its stdout and stderr.
 */
export function spawnUp(args: string[], said: (chunk: string) => void, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [cli, 'up', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    detached: true,
  });
  child.stdout?.on('data', (d) => said(String(d)));
  child.stderr?.on('data', (d) => said(String(d)));
  return child;
}

/**
 * A test's teardown: SIGTERM (up's own clean stop), up to `graceMs` for it to exit, then SIGKILL to its whole
 * process group, so nothing it started outlives a failed test.
 */
export async function stopUp(child: ChildProcess | undefined, graceMs = 20_000): Promise<void> {
  if (child?.pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is empty, everything in it already exited.
  }
}

/** Polls `probe` every 0.5 s until it returns a value; past the timeout, fails with the tail of what up said. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null> | T | null,
  timeoutMs: number,
  said: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s; recsys up said:\n${said().slice(-3000)}`);
}
