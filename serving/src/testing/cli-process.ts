import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';
import { TEST_API_KEY } from './http.ts';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs the real `recsys serve` in a child process (writes accepted with TEST_API_KEY, `env` added to the
 * environment) and resolves once it prints its URL.
 */
export function startServeProcess(
  args: string[],
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RECSYS_API_KEYS: TEST_API_KEY, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`recsys serve printed no URL within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /^(http:\/\/\S+)$/m.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        child,
        url: match[1],
        stderr: () => stderr,
        stop: (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`recsys serve exited with ${code} before printing a URL; stderr:\n${stderr}`));
    });
  });
}
