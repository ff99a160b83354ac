import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { detectLayout } from '../data/layout.ts';
import { readMovies } from '../data/movies.ts';
import { readRatings } from '../data/ratings.ts';

/** One interaction posted to serving (`POST /interactions`): the next retraining batch. */
export interface NewInteraction {
  user_id: number;
  movie_id: number;
  rating: number;
  /** Epoch seconds. */
  timestamp: number;
}

export interface MergedSource {
  /** A MovieLens directory (the `ml-latest` CSV layout) holding base + new ratings. */
  dir: string;
  /** sha256 of the merged content: the same inputs give the same directory. */
  digest: string;
  base: number;
  /** New (user, movie) pairs, and pairs whose newer rating replaced an older one. */
  added: number;
  replaced: number;
  /** Movies the base had never listed: kept with a placeholder title until metadata arrives. */
  unlistedMovies: number[];
  /**
   * Posted interactions left out because they cannot be real: a time before the base data begins or after now +
   * 5 min (a far-future time would outrank every genuine re-rating forever), or a rating off the 0.5–5 scale.
   */
  rejected: number;
}

/** Clock skew allowed for a posted interaction's time, as serving allows it. */
const FUTURE_SLACK_SECONDS = 5 * 60;

/**
 * Base ratings (optionally only those before `until`) merged with posted interactions into one MovieLens
 * directory that `prepareDataset` reads like any other. A (user, movie) pair keeps its newest rating, as a
 * re-rating replaces the earlier one. Written to a temp dir and renamed, named by content, so reruns reuse it.
 */
export function mergeSources(options: {
  base: string;
  until?: number;
  extra: NewInteraction[];
  outRoot: string;
  /** Epoch ms; the latest acceptable event time is this + 5 min. */
  now?: number;
}): MergedSource {
  const files = detectLayout(options.base);
  const catalogue = readMovies(files);
  const ratings = readRatings(files.ratings, files.layout);
  const until = options.until ?? Number.POSITIVE_INFINITY;

  const latest = new Map<string, { user: number; movie: number; rating: number; time: number; order: number }>();
  let order = 0;
  let base = 0;
  const put = (user: number, movie: number, rating: number, time: number): 'added' | 'replaced' | 'kept' => {
    const key = `${user}:${movie}`;
    const seen = latest.get(key);
    if (seen && seen.time > time) return 'kept';
    latest.set(key, { user, movie, rating, time, order: order++ });
    return seen ? 'replaced' : 'added';
  };
  for (let r = 0; r < ratings.length; r++) {
    if (ratings.time[r] >= until) continue;
    put(ratings.user[r], ratings.movie[r], ratings.rating[r], ratings.time[r]);
    base++;
  }
  let added = 0;
  let replaced = 0;
  let earliest = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ratings.length; r++) earliest = Math.min(earliest, ratings.time[r]);
  const latestTime = Math.floor((options.now ?? Date.now()) / 1000) + FUTURE_SLACK_SECONDS;
  const plausible = (event: NewInteraction) =>
    event.timestamp >= (Number.isFinite(earliest) ? earliest : 0) &&
    event.timestamp <= latestTime &&
    event.rating >= 0.5 &&
    event.rating <= 5;
  const accepted = options.extra.filter(plausible);
  for (const event of accepted) {
    const outcome = put(event.user_id, event.movie_id, event.rating, event.timestamp);
    if (outcome === 'added') added++;
    else if (outcome === 'replaced') replaced++;
  }

  const rows = [...latest.values()].sort((a, b) => a.time - b.time || a.order - b.order);
  const ratingLines = [
    'userId,movieId,rating,timestamp',
    ...rows.map((r) => `${r.user},${r.movie},${r.rating},${r.time}`),
  ];
  const unlistedMovies = [...new Set(rows.map((r) => r.movie).filter((m) => !catalogue.movies.has(m)))].sort(
    (a, b) => a - b,
  );
  const movieLines = ['movieId,title,genres'];
  for (const movie of [...catalogue.movies.values()].sort((a, b) => a.movie_id - b.movie_id)) {
    movieLines.push(
      `${movie.movie_id},${csvField(movie.title)},${csvField(movie.genres.join('|') || '(no genres listed)')}`,
    );
  }
  for (const movie of unlistedMovies) movieLines.push(`${movie},${csvField(`Movie ${movie}`)},(no genres listed)`);

  const ratingsCsv = `${ratingLines.join('\n')}\n`;
  const moviesCsv = `${movieLines.join('\n')}\n`;
  const digest = createHash('sha256').update(ratingsCsv).update('\0').update(moviesCsv).digest('hex');
  const dir = path.join(options.outRoot, digest.slice(0, 16));
  if (!existsSync(dir)) {
    mkdirSync(options.outRoot, { recursive: true });
    const temp = `${dir}.partial-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp);
    writeFileSync(path.join(temp, 'ratings.csv'), ratingsCsv);
    writeFileSync(path.join(temp, 'movies.csv'), moviesCsv);
    renameSync(temp, dir);
  }
  return { dir, digest, base, added, replaced, unlistedMovies, rejected: options.extra.length - accepted.length };
}

/** A CSV field, quoted when it holds a separator, a quote or a line break (RFC 4180). */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
