import path from 'node:path';
import { EventLog } from '@recsys/core/logs/event-log';
import { detectLayout } from '../data/layout.ts';
import { readRatings } from '../data/ratings.ts';

/**
 * The ratings of a MovieLens source at or after `cutoff` (epoch seconds), oldest first, cut into `slices`
 * equal parts: held-out time that a simulation posts to serving slice by slice (R23's "new interactions").
 */
export function heldOutSlices(source: string, cutoff: number, slices: number) {
  const files = detectLayout(source);
  const ratings = readRatings(files.ratings, files.layout);
  const later = Array.from({ length: ratings.length }, (_, i) => i)
    .filter((i) => ratings.time[i] >= cutoff)
    .sort((a, b) => ratings.time[a] - ratings.time[b]);
  return Array.from({ length: slices }, (_, s) =>
    later.slice(Math.floor((s * later.length) / slices), Math.floor(((s + 1) * later.length) / slices)).map((i) => ({
      request_id: `held-out-${i}`,
      received_at: Date.now(),
      user_id: ratings.user[i],
      movie_id: ratings.movie[i],
      rating: ratings.rating[i],
      timestamp: ratings.time[i],
      in_model: true,
      model_version: 'held-out',
    })),
  );
}

/** Appends interactions to an event log in `dir`, as serving's `POST /interactions` would. */
export function appendEvents(dir: string, rows: ReturnType<typeof heldOutSlices>[number]): void {
  const log = new EventLog(path.join(dir, 'events-held-out.sqlite'));
  try {
    log.append(rows);
  } finally {
    log.close();
  }
}
