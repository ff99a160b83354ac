import type { Movie } from './api-types.ts';

/** MovieLens titles end in "(1995)"; the year is shown on its own, so the title drops it. */
export function displayTitle(movie: Pick<Movie, 'title' | 'year'>): string {
  return movie.year === null ? movie.title : movie.title.replace(/\s*\(\d{4}\)\s*$/, '');
}

/** Scores differ in scale between models; counts stay whole, others get three significant digits. */
export function formatScore(score: number): string {
  return Number.isInteger(score) || Math.abs(score) >= 1000
    ? Math.round(score).toLocaleString('en')
    : score.toPrecision(3);
}

/** "A", "A and B", "A, B and C". */
export function joinTitles(titles: string[]): string {
  if (titles.length <= 1) return titles.join('');
  return `${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]}`;
}
