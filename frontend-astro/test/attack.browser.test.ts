import path from 'node:path';
import { readEventLogs } from '@recsys/core/logs/read';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITE_API_KEY, type SyntheticApi, startSyntheticApi } from './api-fixture.ts';
import { launchChromium } from './browser.ts';
import { buildSite, type RunningSite, startSite } from './site-fixture.ts';

/**
 * Issue 16's attack: someone tries to rewrite a known user's history (user 1 here is the API's first fit user)
 * through every door: the API without a key, the site with their own session, the API with the key but a
 * far-future time. None of it changes the user's list or reaches the retraining data; the visitor's own like does.
 */
describe('rewriting another user’s history', () => {
  const temp = tempDir('recsys-attack-');
  let api: SyntheticApi;
  let site: RunningSite;
  let victim: number;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    api = await startSyntheticApi(temp.dir);
    victim = api.data.userIds[0];
    buildSite();
    site = await startSite(api.url);
  });
  afterAll(async () => {
    await site?.stop();
    await api?.stop();
    temp.cleanup();
  });

  const recommendations = async () =>
    (
      (await fetch(`${api.url}/recommend`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ user_id: victim, k: 10 }),
      }).then((r) => r.json())) as { recommendations: { movie_id: number }[] }
    ).recommendations.map((m) => m.movie_id);
  const retrainingRows = () => readEventLogs(path.join(temp.dir, 'logs')).rows;

  it('is refused at every door, and the victim’s list and the retraining data stay as they were', async () => {
    const before = await recommendations();
    const dislikeTop = before.map((movie_id) => ({ user_id: victim, movie_id, rating: 0.5 }));

    const noKey = await fetch(`${api.url}/interactions`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(dislikeTop),
    });
    expect(noKey.status).toBe(401);

    const page = await fetch(`${site.url}/`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/^recsys_session=v1\.\d+\./);
    const asVisitor = await fetch(`${site.url}/api/interactions`, {
      method: 'POST',
      headers: { ...json, cookie },
      body: JSON.stringify(dislikeTop),
    });
    expect(asVisitor.status).toBe(403);
    expect(((await asVisitor.json()) as { error: { code: string } }).error.code).toBe('not_your_user');

    const future = dislikeTop.map((event) => ({ ...event, timestamp: 4_398_046_511_104 }));
    const farFuture = await fetch(`${api.url}/interactions`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${SITE_API_KEY}` },
      body: JSON.stringify(future),
    });
    expect(farFuture.status).toBe(400);
    expect(((await farFuture.json()) as { error: { message: string } }).error.message).toMatch(/^\[0\]\.timestamp/);

    expect(await recommendations()).toEqual(before);
    expect(retrainingRows()).toEqual([]);

    // The same cookie posting for its own user goes through, with the key the site added.
    const me = (await fetch(`${site.url}/api/session`, { headers: { cookie } }).then((r) => r.json())) as {
      user_id: number;
    };
    const own = await fetch(`${site.url}/api/interactions`, {
      method: 'POST',
      headers: { ...json, cookie },
      body: JSON.stringify([{ user_id: me.user_id, movie_id: before[0], rating: 5 }]),
    });
    expect(own.status).toBe(201);
    expect(retrainingRows().map((row) => row.user_id)).toEqual([me.user_id]);
  });

  it('sends the security headers on pages and API answers', async () => {
    for (const path of ['/', '/discover', '/api/health']) {
      const res = await fetch(site.url + path);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
    }
    expect((await fetch(`${site.url}/`)).headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-/);
  });

  it('works in Chromium under its own CSP: the island hydrates, a like saves, and nothing is blocked', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
      });
      await page.goto(`${site.url}/discover`);
      await page.getByLabel('Search titles').fill('the');
      await page.locator('[data-testid="candidates"] button').first().click();
      await page.getByRole('button', { name: 'Find similar movies' }).click();
      await page.getByTestId('because').waitFor();
      await page
        .locator('[data-testid="movie-list"] li')
        .first()
        .getByRole('button', { name: /^Like / })
        .click();
      await page.locator('[data-rate-status]', { hasText: 'Saved: you like' }).waitFor();
      expect(blocked).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
