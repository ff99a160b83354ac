import { tempDir } from '@recsys/core/testing/fixtures';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecommendResponse } from '../src/lib/api-types.ts';
import { type SyntheticApi, startSyntheticApi } from './api-fixture.ts';
import { launchChromium, screenshot, seriousViolations } from './browser.ts';
import { buildSite, type RunningSite, startSite } from './site-fixture.ts';

/** Pixels the page is wider than the viewport (evaluated in the page). */
const sidewaysOverflow = 'document.documentElement.scrollWidth - window.innerWidth';

/** The site in real Chromium, built for production and run against a real API serving a freshly fitted bundle. */
describe('the Astro site in Chromium', () => {
  const temp = tempDir('recsys-site-browser-');
  let api: SyntheticApi;
  let site: RunningSite;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    api = await startSyntheticApi(temp.dir);
    buildSite();
    site = await startSite(api.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.stop();
    await api?.stop();
    temp.cleanup();
  });
  const open = async (path: string, viewport = { width: 1280, height: 900 }) => {
    // axe-core is injected as an inline script, which the site's CSP rightly blocks (attack.browser.test.ts runs with it).
    context = await browser.newContext({ viewport, bypassCSP: true });
    page = await context.newPage();
    await page.goto(site.url + path);
    return page;
  };
  afterEach(async () => {
    await context?.close();
  });

  const recommendDirect = async (userId: number, k = 20): Promise<RecommendResponse> =>
    (await fetch(`${api.url}/recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: userId, k }),
    }).then((r) => r.json())) as RecommendResponse;
  const listedIds = (p: Page) =>
    p
      .locator('[data-testid="movie-list"] li')
      .evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-movie-id'))));
  const expectAccessible = async (p: Page) => expect(await seriousViolations(p)).toEqual([]);

  it('shows a known user their personalised list with the model version, and the API as up', async () => {
    const userId = api.data.userIds[0];
    await open('/');
    await page.getByLabel('Your user id').fill(String(userId));
    await page.getByLabel('Your user id').press('Enter');
    await page.waitForURL(new RegExp(`[?]user=${userId}(&|$)`));
    await expect.poll(() => page.getByTestId('api-status').getAttribute('data-state')).toBe('up');
    const direct = await recommendDirect(userId);
    expect(direct.source).toBe('personalised');
    expect(await page.locator('section[data-source]').getAttribute('data-source')).toBe('personalised');
    expect(await page.getByTestId('model-version').textContent()).toContain(api.version);
    expect(await page.getByTestId('api-status').textContent()).toContain(api.version);
    expect(await listedIds(page)).toEqual(direct.recommendations.map((m) => m.movie_id));
    expect(await page.getByTestId('fallback-notice').count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'for-you-known-user');
  });

  it("narrows a known user's list by genre and years, and says so when nothing is left", async () => {
    const userId = api.data.userIds[3];
    await open('/');
    await page.getByLabel('Your user id').fill(String(userId));
    await page.getByLabel('Genre').selectOption('Drama');
    await page.getByLabel('From year').fill('1990');
    await page.getByLabel('To year').fill('2005');
    await page.getByRole('button', { name: 'Show my movies' }).click();
    await page.waitForURL(/genre=Drama/);
    const lines = await page.locator('[data-testid="movie-list"] .movie-meta').allTextContents();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toContain('Drama');
      const year = Number(line.slice(0, 4));
      expect(year).toBeGreaterThanOrEqual(1990);
      expect(year).toBeLessThanOrEqual(2005);
    }
    await expectAccessible(page);
    await screenshot(page, 'for-you-filtered');
    await page.goto(`${site.url}/?user=${userId}&from=2090`);
    expect(await page.locator('.empty').textContent()).toContain('No movies match these filters');
    await page.goto(`${site.url}/?user=${userId}&from=2000&to=1990`);
    expect(await page.getByTestId('error-notice').textContent()).toContain('must not be after');
  });

  it('tells an unknown user they are new and shows the popular fallback', async () => {
    await open('/?user=987654');
    await expect(page.getByTestId('fallback-notice').textContent()).resolves.toContain("We don't know user 987654");
    const direct = await recommendDirect(987_654);
    expect(direct.is_fallback).toBe(true);
    expect(await listedIds(page)).toEqual(direct.recommendations.map((m) => m.movie_id));
    expect(direct.recommendations.length).toBeGreaterThan(0);
    await expectAccessible(page);
    await screenshot(page, 'for-you-unknown-user');
  });

  it('discovers similar movies from two seeds picked by keyboard, excluding the seeds, and saves them as likes', async () => {
    await open('/discover');
    const search = page.getByLabel('Search titles');
    await search.focus();
    await page.keyboard.type('the');
    const picks = page.getByRole('button', { name: /^Pick / });
    await picks.first().waitFor();
    const seedIds: number[] = [];
    for (let n = 0; n < 2; n++) {
      const button = picks.first();
      const title = (await button.textContent()) ?? '';
      await button.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: `Picked: ${title.replace(/^Pick /, '')}` }).waitFor();
      // The picked button keeps the keyboard focus (it toggles rather than disabling itself).
      expect(await page.evaluate('document.activeElement?.textContent')).toContain('Picked: ');
    }
    const seedTitles = await page.getByTestId('seeds').locator('li span').allTextContents();
    expect(seedTitles).toHaveLength(2);
    for (const title of seedTitles) {
      const found = (await fetch(`${api.url}/movies?q=${encodeURIComponent(title)}&limit=5`).then((r) => r.json())) as {
        movies: { movie_id: number; title: string }[];
      };
      seedIds.push(found.movies.find((m) => m.title.startsWith(title))!.movie_id);
    }
    await page.getByRole('button', { name: 'Find similar movies' }).click();
    const because = await page.getByTestId('because').textContent();
    for (const title of seedTitles) expect(because).toContain(title);
    const similar = await listedIds(page);
    expect(similar.length).toBeGreaterThan(0);
    expect(similar.filter((id) => seedIds.includes(id))).toEqual([]);
    await expectAccessible(page);
    await screenshot(page, 'discover-two-seeds');

    // "I liked these" makes the session's new user's For-you list personal at once (fold-in from the posted likes).
    const session = (await page.evaluate('fetch("/api/session").then((r) => r.json())')) as { user_id: number };
    expect(await page.getByText(`Saved as user ${session.user_id}`).count()).toBe(1);
    await page.getByRole('button', { name: 'I liked these' }).click();
    await page.getByRole('link', { name: 'See your For-you list' }).click();
    await page.waitForURL(`**/?user=${session.user_id}`);
    expect(await page.locator('section[data-source]').getAttribute('data-source')).toBe('fold_in');
    expect(await page.getByTestId('fallback-notice').count()).toBe(0);
    expect((await listedIds(page)).filter((id) => seedIds.includes(id))).toEqual([]);
    await screenshot(page, 'for-you-after-likes');
  });

  it('filters popular movies by genre and period: every movie listed has that genre', async () => {
    await open('/popular');
    await page.getByLabel('Genre').selectOption('Drama');
    await page.getByLabel('Trending').check();
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/genre=Drama/);
    expect(page.url()).toContain('window=trending');
    const genres = await page.locator('[data-testid="movie-list"] .movie-meta').allTextContents();
    expect(genres.length).toBeGreaterThan(0);
    for (const line of genres) expect(line).toContain('Drama');
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Trending in Drama');
    await expectAccessible(page);
    await screenshot(page, 'popular-drama-trending');
  });

  it('shows a movie’s details: title, year, genres, score from the list, popularity and similar movies', async () => {
    await open('/popular');
    const first = page.locator('[data-testid="movie-list"] li').first();
    const movieId = Number(await first.getAttribute('data-movie-id'));
    await first.locator('a').click();
    await page.waitForURL(`**/movies/${movieId}?score=*`);
    const direct = (await fetch(`${api.url}/movies/${movieId}`).then((r) => r.json())) as {
      movie: { title: string; year: number; genres: string[] };
    };
    expect(direct.movie.title).toContain(await page.getByRole('heading', { level: 1 }).textContent());
    const facts = await page.getByTestId('movie-facts').textContent();
    expect(facts).toContain(String(direct.movie.year));
    for (const genre of direct.movie.genres) expect(facts).toContain(genre);
    expect(facts).toContain('Score in the list you came from');
    expect(facts).toContain('All-time popularity#1');
    const similar = await listedIds(page);
    expect(similar.length).toBeGreaterThan(0);
    expect(similar).not.toContain(movieId);
    expect(await page.title()).toContain(await page.getByRole('heading', { level: 1 }).textContent());
    await expectAccessible(page);
    await screenshot(page, 'movie-details');
  });

  it('answers an unknown movie, a malformed user id and a missing page with a friendly page, no stack trace', async () => {
    const missing = await open('/movies/99999');
    expect(await missing.getByRole('heading', { level: 1 }).textContent()).toBe('Movie not found');
    expect(await missing.getByTestId('error-notice').getAttribute('data-code')).toBe('unknown_movie');
    await expectAccessible(missing);
    await screenshot(missing, 'movie-unknown');
    await missing.goto(`${site.url}/?user=abc`);
    expect(await missing.getByTestId('error-notice').textContent()).toContain('not a user id');
    await missing.goto(`${site.url}/no/such/page`);
    expect(await missing.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect(await missing.content()).not.toMatch(/at .*\.(ts|js|mjs):\d+/);
    await expectAccessible(missing);
  });

  it('has an accessibility check that does catch a serious violation (control)', async () => {
    await open('/no/such/page');
    await page.evaluate("document.querySelector('main').append(document.createElement('button'))");
    expect((await seriousViolations(page)).map((v) => v.id)).toContain('button-name');
  });

  it('fits a phone screen: no sideways scrolling, everything reachable', async () => {
    await open(`/?user=${api.data.userIds[1]}`, { width: 390, height: 844 });
    const overflow = await page.evaluate(sidewaysOverflow);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible(page);
    await screenshot(page, 'for-you-phone');
    await page.goto(`${site.url}/discover`);
    await page
      .getByRole('button', { name: /^Pick / })
      .first()
      .waitFor();
    expect(await page.evaluate(sidewaysOverflow)).toBeLessThanOrEqual(0);
    await screenshot(page, 'discover-phone');
  });

  it('shows the API down and a friendly error when it stops mid-session, and recovers when it returns', async () => {
    const userId = api.data.userIds[2];
    await open(`/?user=${userId}`);
    await expect.poll(() => page.getByTestId('api-status').getAttribute('data-state')).toBe('up');
    await api.stop();
    try {
      await expect
        .poll(() => page.getByTestId('api-status').getAttribute('data-state'), { timeout: 15_000 })
        .toBe('down');
      await page.getByRole('button', { name: 'Show my movies' }).click();
      await page.getByTestId('error-notice').waitFor();
      expect(await page.getByTestId('error-notice').getAttribute('data-code')).toBe('api_unreachable');
      expect(await page.getByTestId('error-notice').textContent()).toContain('not reachable');
      expect(await page.getByTestId('movie-list').count()).toBe(0);
      await expectAccessible(page);
      await screenshot(page, 'api-down-for-you');

      const discover = await context.newPage();
      await discover.goto(`${site.url}/discover`);
      await discover.getByTestId('error-notice').waitFor();
      await screenshot(discover, 'api-down-discover');
      await discover.close();
    } finally {
      await api.start();
    }
    await expect.poll(() => page.getByTestId('api-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('up');
    await page.getByRole('link', { name: 'Try again' }).click();
    await page.getByTestId('movie-list').waitFor();
    expect(await listedIds(page)).toEqual((await recommendDirect(userId)).recommendations.map((m) => m.movie_id));
    await screenshot(page, 'api-recovered');
  });
});
