import type { InteractionsResponse } from '../lib/api-types.ts';
import { fetchApi } from '../lib/client-api.ts';
import { describeProblem } from '../lib/problem.ts';

/**
 * The like / not-interested buttons (RateButtons) on every page: a click saves the rating for this browser's
 * session (the site's proxy accepts events for that user only), says so in the page's status line, and
 * refreshes the visitor's own "For you" list in place, without a reload.
 */
const status = document.querySelector<HTMLElement>('[data-rate-status]');
const visitor = Number(document.body.dataset.visitor);

function say(text: string, tone: 'info' | 'ok' | 'error', link?: { href: string; text: string }): void {
  if (!status) return;
  status.dataset.tone = tone;
  status.textContent = text;
  if (link) {
    const a = document.createElement('a');
    a.href = link.href;
    a.textContent = link.text;
    status.append(' ', a);
  }
}

/** Replaces the visitor's For-you section with a fresh server rendering of this page; false when that failed. */
async function refreshForYou(section: HTMLElement): Promise<boolean> {
  section.setAttribute('aria-busy', 'true');
  try {
    const response = await fetch(window.location.href, { headers: { accept: 'text/html' } });
    if (!response.ok) return false;
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    const fresh = page.querySelector<HTMLElement>('[data-refresh-on-rate]');
    if (!fresh) return false;
    const hadFocus = section.contains(document.activeElement);
    section.replaceWith(fresh);
    // The button pressed went with the old list: keep keyboard users in place, at the list's heading.
    if (hadFocus) fresh.querySelector<HTMLElement>('h2')?.focus();
    return true;
  } catch {
    return false;
  } finally {
    section.removeAttribute('aria-busy');
  }
}

async function rate(button: HTMLButtonElement, group: HTMLElement): Promise<void> {
  const title = group.dataset.rateTitle ?? 'this movie';
  const rating = Number(button.dataset.rating);
  const buttons = [...group.querySelectorAll<HTMLButtonElement>('button[data-rating]')];
  for (const b of buttons) b.disabled = true;
  say(`Saving… (${title})`, 'info');
  const result = await fetchApi<InteractionsResponse>('/interactions', [
    { user_id: visitor, movie_id: Number(group.dataset.rateMovie), rating },
  ]);
  for (const b of buttons) b.disabled = false;
  if (!result.ok) {
    const problem = describeProblem(result.problem);
    say(`${problem.title}. ${problem.detail}`, 'error');
    return;
  }
  for (const b of buttons) b.setAttribute('aria-pressed', String(b === button));
  const saved = rating >= 4 ? `Saved: you like ${title}.` : `Saved: we will not suggest ${title} again.`;
  const forYou = document.querySelector<HTMLElement>('[data-refresh-on-rate]');
  if (!forYou) return say(saved, 'ok', { href: '/', text: 'See your picks' });
  say(`${saved} Updating your picks…`, 'info');
  if (await refreshForYou(forYou)) say(`${saved} Your picks are updated.`, 'ok');
  else say(`${saved} Your picks could not be updated here; reload the page to see them.`, 'error');
}

document.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-rating]');
  const group = button?.closest<HTMLElement>('[data-rate-movie]');
  if (button && group) void rate(button, group);
});
