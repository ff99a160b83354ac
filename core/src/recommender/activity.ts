import { type Csr, rowLength } from '../csr.ts';

const DAY = 86_400;

/**
 * How recently each user was active, as a weight in (0, 1]: 0.5^(days between the user's newest interaction and
 * the newest interaction of anyone / half-life). A blend scales its trend part by it, so a user who rated movies
 * last week gets what is popular now, and a user last seen a year ago gets a list of their own taste.
 */
export interface UserActivity {
  halfLifeDays: number;
  /** One weight per user row; 0 for a user without history (never scored as a known user). */
  perUser: Float32Array;
}

/** The activity of every user of `history`, which must carry interaction times (rows in time order). */
export function userActivity(history: Csr, halfLifeDays: number): UserActivity {
  if (!(halfLifeDays > 0))
    throw new Error(`user activity: the half-life must be a positive number of days, got ${halfLifeDays}`);
  const times = history.times;
  if (!times) throw new Error('user activity: the history has no interaction times; build it from timed events');
  let now = Number.NEGATIVE_INFINITY;
  for (let e = 0; e < times.length; e++) if (times[e] > now) now = times[e];
  const perUser = new Float32Array(history.rows);
  for (let user = 0; user < history.rows; user++) {
    if (rowLength(history, user) === 0) continue;
    let newest = Number.NEGATIVE_INFINITY;
    for (let e = history.indptr[user]; e < history.indptr[user + 1]; e++) if (times[e] > newest) newest = times[e];
    perUser[user] = 0.5 ** ((now - newest) / DAY / halfLifeDays);
  }
  return { halfLifeDays, perUser };
}
