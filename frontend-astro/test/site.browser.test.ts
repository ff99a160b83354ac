import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { serve } from '@recsys/serving/serve';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecommendResponse } from '../src/lib/api-types.ts';
import { ARTICLES_LAST, type SyntheticApi, startSyntheticApi } from './api-fixture.ts';
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
  const open = async (route: string, viewport = { width: 1280, height: 900 }) => {
    // axe-core is injected as an inline script, which the site's CSP rightly blocks (attack.browser.test.ts runs with it).
    context = await browser.newContext({ viewport, bypassCSP: true });
    page = await context.newPage();
    await page.goto(site.url + route);
    return page;
  };
  afterEach(async () => {
    await context?.close();
  });

  const recommendDirect = async (userId: number, k = 25): Promise<RecommendResponse> =>
    (await fetch(`${api.url}/recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: userId, k }),
    }).then((r) => r.json())) as RecommendResponse;
  type Listed = { movie_id: number; display_title: string; year: number | null; because_you_liked?: Listed | null };
  const film = (m: Listed) => `${m.display_title}|${m.year}`;
  /**
   * What the site should show of an API list: its first `k` films, each title and year once, and none explained
   * by the same film under another id (the visitor liked it already).
   */
  const firstDistinct = (movies: Listed[], k = 20) => {
    const seen = new Set<string>();
    return movies
      .filter((m) => !(m.because_you_liked && film(m.because_you_liked) === film(m)))
      .filter((m) => !seen.has(film(m)) && seen.add(film(m)))
      .slice(0, k)
      .map((m) => m.movie_id);
  };
  const listedIds = (p: Page, within = 'main') =>
    p
      .locator(`${within} [data-testid="movie-list"] li`)
      .evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-movie-id'))));
  const forYouIds = (p: Page) => listedIds(p, '[data-testid="for-you"]');
  const expectAccessible = async (p: Page) => expect(await seriousViolations(p)).toEqual([]);
  /** Every page a visitor can reach, with lists on most of them. */
  const everyPage = () => [
    '/',
    `/?user=${api.data.userIds[0]}`,
    '/?user=987654',
    '/discover',
    '/popular',
    '/popular?window=trending',
    `/movies/${api.data.movieIds[0]}`,
    '/movies/99999',
    '/no/such/page',
  ];

  it('shows a known user their personalised list beside Trending now, the model version in the footer only', async () => {
    const userId = api.data.userIds[0];
    await open('/');
    await page.getByLabel('User id', { exact: true }).fill(String(userId));
    await page.getByLabel('User id', { exact: true }).press('Enter');
    await page.waitForURL(new RegExp(`[?]user=${userId}(&|$)`));
    await expect.poll(() => page.getByTestId('api-status').getAttribute('data-state')).toBe('up');
    const direct = await recommendDirect(userId);
    expect(direct.source).toBe('personalised');
    expect(await page.getByTestId('for-you').getAttribute('data-source')).toBe('personalised');
    expect(await forYouIds(page)).toEqual(firstDistinct(direct.recommendations));
    expect(await page.getByTestId('fallback-notice').count()).toBe(0);
    const trending = (await fetch(`${api.url}/popular?window=trending&limit=10`).then((r) => r.json())) as {
      movies: { movie_id: number; display_title: string; year: number | null }[];
    };
    expect(await listedIds(page, '[data-testid="trending"]')).toEqual(firstDistinct(trending.movies, 8));
    // The version is named once, in the footer; not in the header, not beside any list.
    expect(await page.getByTestId('model-version').textContent()).toContain(api.version);
    expect(await page.locator('main').textContent()).not.toContain(api.version);
    expect(await page.getByTestId('api-status').textContent()).toBe('Recommendations online');
    await page.getByText('About this list').click();
    expect(await page.getByTestId('about-list').textContent()).toContain(`movies user ${userId} rated highly`);
    await expectAccessible(page);
    await screenshot(page, 'for-you-known-user');
  });

  it('says "because you liked" under each explained pick in the server-rendered page, as the API explains it', async () => {
    const userId = api.data.userIds[0];
    expect(userId).toBe(1);
    const html = await fetch(`${site.url}/?user=1`).then((r) => r.text());
    expect(html).toContain('Because you liked');
    const direct = await recommendDirect(userId);
    const explained = direct.recommendations.filter((m) => m.because_you_liked);
    expect(explained.length).toBeGreaterThan(0);
    await open('/?user=1');
    for (const movie of explained.slice(0, 5)) {
      const line = page.locator(
        `[data-testid="for-you"] li[data-movie-id="${movie.movie_id}"] [data-testid="because-you-liked"]`,
      );
      if ((await page.locator(`[data-testid="for-you"] li[data-movie-id="${movie.movie_id}"]`).count()) === 0) continue;
      expect(await line.textContent()).toBe(`Because you liked ${movie.because_you_liked!.display_title}`);
    }
    const unexplained = direct.recommendations.find((m) => !m.because_you_liked);
    if (unexplained) {
      expect(
        await page.locator(`li[data-movie-id="${unexplained.movie_id}"] [data-testid="because-you-liked"]`).count(),
      ).toBe(0);
    }
  });

  it('shows natural titles everywhere: no title as the data spells it in any page, island props included', async () => {
    const raw = (await fetch(`${api.url}/movies?limit=100`).then((r) => r.json())) as {
      movies: { title: string; display_title: string }[];
    };
    const articleLast = raw.movies.filter((m) => new RegExp(`, (${ARTICLES_LAST.join('|')})( \\(|$)`).test(m.title));
    expect(articleLast.length).toBeGreaterThan(20);
    const dataForm = new RegExp(`[A-Za-z0-9], (${ARTICLES_LAST.join('|')})\\b`);
    for (const route of everyPage()) {
      const html = await fetch(site.url + route).then((r) => r.text());
      expect(html.match(dataForm)?.[0], route).toBeUndefined();
    }
    await open('/discover');
    await page.getByLabel('Search titles').fill('1');
    await page.locator('[data-testid="candidates"] button').first().waitFor();
    await page.locator('[data-testid="candidates"] button').first().click();
    await page.getByRole('button', { name: 'Find similar movies' }).click();
    await page.locator('[data-testid="movie-list"] li').first().waitFor();
    expect((await page.content()).match(dataForm)?.[0]).toBeUndefined();
    const shown = await page.locator('[data-testid="candidates"] button').allTextContents();
    expect(shown.filter((t) => new RegExp(`^.(${ARTICLES_LAST.join('|')}) `).test(t)).length).toBeGreaterThan(0);
  });

  it('lists each film once in every list, though the data lists some twice, and shows no score', async () => {
    const raw = (await fetch(`${api.url}/popular?limit=20`).then((r) => r.json())) as {
      movies: { title: string; year: number | null }[];
    };
    const rawKeys = raw.movies.map((m) => `${m.title}|${m.year}`);
    expect(new Set(rawKeys).size).toBeLessThan(rawKeys.length);
    for (const route of everyPage()) {
      await open(route);
      await page.waitForLoadState('networkidle');
      const lists = await page.locator('[data-testid="movie-list"], [data-testid="candidates"]').all();
      for (const list of lists) {
        const films = await list
          .locator('li')
          .evaluateAll((items) =>
            items.map(
              (li) =>
                (li.querySelector('.movie-title, button')?.textContent ?? '') +
                '|' +
                (li.querySelector('.movie-meta')?.textContent?.slice(0, 4) ?? ''),
            ),
          );
        expect(new Set(films).size, `${route}: ${films.join('; ')}`).toBe(films.length);
      }
      const text = (await page.evaluate('document.body.innerText')) as string;
      expect(text.match(/(^|[^\w–-])[-−]\d/m)?.[0], `${route} shows a negative number`).toBeUndefined();
      expect(text, route).not.toMatch(/\bscore\b/i);
      await context.close();
    }
  });

  it("narrows a known user's list by genre and years, and says so when nothing is left", async () => {
    const userId = api.data.userIds[3];
    await open('/');
    await page.getByLabel('User id', { exact: true }).fill(String(userId));
    await page.getByLabel('Genre').selectOption('Drama');
    await page.getByLabel('From year').fill('1990');
    await page.getByLabel('To year').fill('2005');
    await page.getByRole('button', { name: 'Show picks' }).click();
    await page.waitForURL(/genre=Drama/);
    const lines = await page
      .locator('[data-testid="for-you"] [data-testid="movie-list"] .movie-meta')
      .allTextContents();
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
    expect(await forYouIds(page)).toEqual(firstDistinct(direct.recommendations));
    expect(direct.recommendations.every((m) => m.because_you_liked === null)).toBe(true);
    expect(await page.getByTestId('because-you-liked').count()).toBe(0);
    expect(direct.recommendations.length).toBeGreaterThan(0);
    await expectAccessible(page);
    await screenshot(page, 'for-you-unknown-user');
  });

  it('discovers similar movies from two seeds picked by keyboard, excluding the seeds, and saves them as likes', async () => {
    await open('/discover');
    const search = page.getByLabel('Search titles');
    await search.focus();
    await page.keyboard.type('the');
    const unpicked = page.locator('[data-testid="candidates"] button[aria-pressed="false"]');
    await unpicked.first().waitFor();
    const seedIds: number[] = [];
    for (let n = 0; n < 2; n++) {
      const item = page.locator('[data-testid="candidates"] li:has(button[aria-pressed="false"])').first();
      const movieId = Number(await item.getAttribute('data-movie-id'));
      await item.locator('button').focus();
      await page.keyboard.press('Enter');
      await page
        .locator(`[data-testid="candidates"] li[data-movie-id="${movieId}"] button[aria-pressed="true"]`)
        .waitFor();
      // The picked button keeps the keyboard focus (it toggles rather than disabling itself).
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-pressed")')).toBe('true');
      seedIds.push(movieId);
    }
    const seedTitles = await page.getByTestId('seeds').locator('li span').allTextContents();
    expect(seedTitles).toHaveLength(2);
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
    await page.getByRole('link', { name: 'See your picks' }).click();
    await page.waitForURL(`${site.url}/`);
    expect(await page.getByTestId('for-you').getAttribute('data-source')).toBe('fold_in');
    expect(await page.getByTestId('fallback-notice').count()).toBe(0);
    expect((await forYouIds(page)).filter((id) => seedIds.includes(id))).toEqual([]);
    const explainedBy = await page
      .locator('[data-testid="for-you"] [data-testid="because-you-liked"] cite')
      .allTextContents();
    expect(explainedBy.length).toBeGreaterThan(0);
    for (const title of explainedBy) expect(seedTitles).toContain(title);
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

  it('shows a movie’s details: natural title, year, genres, popularity rank and similar movies, no score', async () => {
    await open('/popular');
    const first = page.locator('[data-testid="movie-list"] li').first();
    const movieId = Number(await first.getAttribute('data-movie-id'));
    await first.locator('a').click();
    await page.waitForURL(`**/movies/${movieId}`);
    const direct = (await fetch(`${api.url}/movies/${movieId}`).then((r) => r.json())) as {
      movie: { title: string; display_title: string; year: number; genres: string[] };
    };
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(direct.movie.display_title);
    expect(direct.movie.display_title).not.toBe(direct.movie.title);
    const facts = await page.getByTestId('movie-facts').textContent();
    expect(facts).toContain(String(direct.movie.year));
    for (const genre of direct.movie.genres) expect(facts).toContain(genre);
    expect(facts).not.toMatch(/score/i);
    expect(facts).toContain('All-time popularity#1');
    const similar = await listedIds(page);
    expect(similar.length).toBeGreaterThan(0);
    expect(similar).not.toContain(movieId);
    expect(await page.title()).toContain(await page.getByRole('heading', { level: 1 }).textContent());
    await expectAccessible(page);
    await screenshot(page, 'movie-details');
  });

  it('answers an unknown movie, a malformed user id and a missing page with a friendly page, no API jargon', async () => {
    expect((await fetch(`${site.url}/movies/99999`)).status).toBe(404);
    const missing = await open('/movies/99999');
    expect(await missing.getByRole('heading', { level: 1 }).textContent()).toBe('Movie not found');
    const words = await missing.locator('main').textContent();
    expect(words).not.toMatch(/GET|\/movies\?|\bAPI\b|catalogue of model|unknown_movie/);
    await missing.getByLabel('Find a movie by title').fill('river');
    await missing.getByRole('button', { name: 'Search' }).click();
    await missing.waitForURL('**/discover?q=river');
    await missing.locator('[data-testid="candidates"] li').first().waitFor();
    expect(await missing.getByLabel('Search titles').inputValue()).toBe('river');
    await missing.goto(`${site.url}/movies/99999`);
    await expectAccessible(missing);
    await screenshot(missing, 'movie-unknown');
    await missing.goto(`${site.url}/?user=abc`);
    expect(await missing.getByTestId('error-notice').textContent()).toContain('not a user id');
    await missing.goto(`${site.url}/no/such/page`);
    expect(await missing.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect(await missing.content()).not.toMatch(/at .*\.(ts|js|mjs):\d+/);
    await expectAccessible(missing);
  });

  it('tells a first run, while no model is trained yet, that recommendations are starting, in plain words', async () => {
    const store = path.join(temp.dir, 'empty-store');
    mkdirSync(path.join(store, 'movies'), { recursive: true });
    const waiting = await serve({
      store,
      model: 'movies',
      follow: true,
      port: 0,
      logDir: path.join(temp.dir, 'l'),
      say: () => {},
    });
    const firstSite = await startSite(waiting.url);
    try {
      for (const route of ['/?user=1', '/popular']) {
        context = await browser.newContext({ bypassCSP: true });
        page = await context.newPage();
        const response = await page.goto(firstSite.url + route);
        expect(response?.status()).toBe(503);
        await expect.poll(() => page.getByTestId('api-status').getAttribute('data-state')).toBe('loading');
        expect(await page.getByTestId('api-status').textContent()).toBe('Recommendations starting up');
        expect(await page.getByTestId('error-notice').count()).toBe(1);
        expect(await page.getByTestId('error-notice').getAttribute('data-code')).toBe('model_not_ready');
        expect(await page.getByTestId('error-notice').textContent()).toContain('Recommendations are not ready yet');
        expect(await page.locator('main').textContent()).not.toMatch(/recsys|promote|\bAPI\b|503/);
        await expectAccessible(page);
        await screenshot(page, `first-run${route === '/popular' ? '-popular' : ''}`);
        await context.close();
      }
    } finally {
      await firstSite.stop();
      await waiting.close();
    }
  });

  it('saves a like from a card and changes the visitor’s For-you list in place, without a reload', async () => {
    await open('/');
    const forYou = page.getByTestId('for-you');
    expect(await forYou.getAttribute('data-source')).toBe('popular');
    const before = await forYouIds(page);
    await page.evaluate('window.sameDocument = true');
    const status = page.locator('[data-rate-status]');
    const liked: string[] = [];
    for (let n = 0; n < 3; n++) {
      const card = forYou.locator('li').nth(n);
      const title = (await card.locator('.movie-title').textContent()) ?? '';
      liked.push(title);
      await card.getByRole('button', { name: `Like ${title}`, exact: true }).click();
      await expect.poll(() => status.textContent()).toBe(`Saved: you like ${title}. Your picks are updated.`);
    }
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(await forYou.getAttribute('data-source')).toBe('fold_in');
    const after = await forYouIds(page);
    expect(after).not.toEqual(before);
    expect(after.filter((id) => before.slice(0, 3).includes(id))).toEqual([]);
    const because = await forYou.locator('[data-testid="because-you-liked"] cite').allTextContents();
    expect(because.length).toBeGreaterThan(0);
    for (const title of because) expect(liked).toContain(title);
    await expectAccessible(page);
    await screenshot(page, 'for-you-after-likes-in-place');

    // "Not interested" takes a movie out of the list the same way.
    const dismissed = forYou.locator('li').first();
    const dismissedId = Number(await dismissed.getAttribute('data-movie-id'));
    const dismissedTitle = (await dismissed.locator('.movie-title').textContent()) ?? '';
    await dismissed.getByRole('button', { name: `Not interested in ${dismissedTitle}` }).click();
    await expect
      .poll(() => status.textContent())
      .toBe(`Saved: we will not suggest ${dismissedTitle} again. Your picks are updated.`);
    expect(await forYouIds(page)).not.toContain(dismissedId);

    // Without the session cookie the like is refused, and the page says what to do.
    await context.clearCookies();
    await forYou
      .locator('li')
      .first()
      .getByRole('button', { name: /^Like / })
      .click();
    await expect.poll(() => status.getAttribute('data-tone')).toBe('error');
    expect(await status.textContent()).toContain('allow cookies');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
  });

  it('saves a like from a movie page and says where the picks are', async () => {
    await open(`/movies/${api.data.movieIds[1]}`);
    const title = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
    await page.getByRole('button', { name: `Like ${title}`, exact: true }).click();
    const status = page.locator('[data-rate-status]');
    await expect.poll(() => status.textContent()).toBe(`Saved: you like ${title}. See your picks`);
    expect(await page.getByRole('button', { name: `Like ${title}`, exact: true }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await status.getByRole('link', { name: 'See your picks' }).click();
    await page.waitForURL(`${site.url}/`);
    expect(await page.getByTestId('for-you').getAttribute('data-source')).toBe('fold_in');
    await expectAccessible(page);
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
    await page.locator('[data-testid="candidates"] button').first().waitFor();
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
      await page.getByRole('button', { name: 'Show picks' }).click();
      await page.getByTestId('error-notice').waitFor();
      expect(await page.getByTestId('error-notice').getAttribute('data-code')).toBe('api_unreachable');
      expect(await page.getByTestId('error-notice').count()).toBe(1);
      expect(await page.getByTestId('error-notice').textContent()).toContain('Recommendations are offline');
      expect(await page.locator('main').textContent()).not.toMatch(/\bAPI\b|502|api_unreachable/);
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
    await page.locator('[data-testid="for-you"] [data-testid="movie-list"]').waitFor();
    expect(await forYouIds(page)).toEqual(firstDistinct((await recommendDirect(userId)).recommendations));
    await screenshot(page, 'api-recovered');
  });
});
