import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { logFileName } from '@recsys/core/logs/files';
import { RequestLog } from '@recsys/core/logs/request-log';
import { launchChromium } from '@recsys/core/testing/chromium';
import { repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';

const temp = tempDir('recsys-report-browser-');
afterAll(() => temp.cleanup());

/** Six hours of traffic on two endpoints, the second model version taking over halfway. */
function writeLog(dir: string, now: number): void {
  const log = new RequestLog({ file: path.join(dir, logFileName('requests')) });
  for (let i = 0; i < 2000; i++) {
    const recommend = i % 3 !== 0;
    log.append({
      request_id: `r${i}`,
      timestamp: now - 6 * 3_600_000 + i * 10_000,
      as_of: now,
      user_id: recommend ? i % 150 : null,
      endpoint: recommend ? 'POST /recommend' : 'POST /similar',
      model_version: i < 1000 ? 'v1' : 'v2',
      recommendations: [i % 50, (i * 7) % 50, 60],
      scores: [3, 2, 1],
      latency_ms: 1 + ((i * 37) % 100) / 10,
      is_fallback: recommend ? i % 10 === 0 : false,
      status: i % 97 === 0 ? 500 : 200,
    });
  }
  log.close();
}

describe('the HTML report in Chromium', () => {
  it('loads with the network off, requests nothing beyond itself, and draws its charts', async () => {
    const logs = path.join(temp.dir, 'logs');
    mkdirSync(logs);
    writeLog(logs, Date.now());
    const out = path.join(temp.dir, 'report.html');
    execFileSync(process.execPath, [
      path.join(repoRoot, 'cli/src/main.ts'),
      'report',
      '--log-dir',
      logs,
      '--since',
      '24h',
      '--out',
      out,
    ]);

    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ offline: true });
      const requested: string[] = [];
      await context.route('**/*', (route) => {
        requested.push(route.request().url());
        return route.request().url().startsWith('file:') ? route.continue() : route.abort();
      });
      const page = await context.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      page.on('console', (m) => {
        if (m.type() === 'error') failed.push(m.text());
      });
      await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
      expect(requested).toEqual([pathToFileURL(out).href]);
      expect(failed).toEqual([]);

      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const drawn = [...svg.querySelectorAll('rect.bar, polyline.series')].filter((e) => {
            const b = (e as unknown as { getBBox(): { width: number; height: number } }).getBBox();
            return b.width > 0 || b.height > 0;
          });
          return { width: box.width, height: box.height, drawn: drawn.length, label: svg.getAttribute('aria-label') };
        }),
      );
      expect(charts).toHaveLength(2);
      for (const chart of charts) {
        expect(chart.width).toBeGreaterThan(300);
        expect(chart.height).toBeGreaterThan(100);
      }
      // Six hours in 30-minute buckets: 12 bars with requests; one p95 line per endpoint.
      expect(charts[0].drawn).toBeGreaterThanOrEqual(12);
      expect(charts[1].drawn).toBe(2);
      expect(await page.textContent('table.headline')).toContain('2000');
      mkdirSync(path.join(repoRoot, 'test-output', 'browser'), { recursive: true });
      await page.screenshot({
        path: path.join(repoRoot, 'test-output', 'browser', 'daily-report.png'),
        fullPage: true,
      });
    } finally {
      await browser.close();
    }
  });
});
