import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@recsys/core/testing/ports';
import { SITE_API_KEY } from './api-fixture.ts';

export const siteRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `astro build` of the site: the same production build `make start` runs. */
export function buildSite(): void {
  const astroBin = path.join(
    path.dirname(createRequire(import.meta.url).resolve('astro/package.json')),
    'bin/astro.mjs',
  );
  execFileSync(process.execPath, [astroBin, 'build', '--silent'], {
    cwd: siteRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
}

export interface RunningSite {
  url: string;
  /** The last 4 KB the site's server wrote to stderr (its error log), for a failing test to show. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Runs the built site's standalone server against the API at `apiUrl` (writing with `apiKey`), and waits until it answers. */
export async function startSite(apiUrl: string, apiKey = SITE_API_KEY): Promise<RunningSite> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(siteRoot, 'dist/server/entry.mjs')], {
    cwd: siteRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), RECSYS_API_URL: apiUrl, RECSYS_API_KEY: apiKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the site exited with ${child.exitCode} before answering:\n${stderr}`);
    const up = await fetch(`${url}/404-probe`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`the site did not answer on ${url} within 20 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
