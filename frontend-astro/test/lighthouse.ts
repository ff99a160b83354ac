import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { CHROMIUM } from './browser.ts';

export interface LighthouseScores {
  /** 0..100, as Lighthouse reports them. */
  performance: number;
  accessibility: number;
}

/** Debian's Chromium with a DevTools port for Lighthouse to drive; resolves once the port is announced. */
async function launchForLighthouse(): Promise<{ port: number; stop: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'recsys-lighthouse-'));
  const child = spawn(
    CHROMIUM,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`chromium announced no DevTools port in 20 s:\n${seen}`)), 20_000);
    child.stderr?.on('data', (chunk) => {
      seen += chunk;
      const found = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(seen);
      if (found) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`chromium exited with ${code} before announcing its port:\n${seen}`)),
    );
  });
  return {
    port,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Lighthouse (desktop preset) performance and accessibility scores of one page, median of `repeats` runs. */
export async function lighthouseScores(url: string, repeats: number): Promise<LighthouseScores> {
  const chrome = await launchForLighthouse();
  try {
    const runs: LighthouseScores[] = [];
    for (let r = 0; r < repeats; r++) {
      const result = await lighthouse(
        url,
        { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'] },
        desktopConfig,
      );
      const categories = result?.lhr.categories;
      if (!categories?.performance?.score || !categories.accessibility?.score) {
        throw new Error(
          `lighthouse returned no scores for ${url}: ${result?.lhr.runtimeError?.message ?? 'no result'}`,
        );
      }
      runs.push({
        performance: Math.round(categories.performance.score * 100),
        accessibility: Math.round(categories.accessibility.score * 100),
      });
    }
    return {
      performance: median(runs.map((r) => r.performance)),
      accessibility: median(runs.map((r) => r.accessibility)),
    };
  } finally {
    await chrome.stop();
  }
}
