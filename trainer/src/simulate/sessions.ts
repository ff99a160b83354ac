import type { PreparedDataset } from '../data/dataset.ts';

/** One user's interactions at one moment: asked for recommendations at `time`, then posted `movieIds`. */
export interface Session {
  /** Epoch seconds. */
  time: number;
  userId: number;
  movieIds: number[];
  ratings: number[];
}

/**
 * The prepared events in [from, to) (epoch seconds) as sessions in time order, in MovieLens ids. Events of one
 * user at the same second form one session (ML-100k often stamps several ratings with one second).
 */
export function sessionsBetween(data: PreparedDataset, from: number, to: number): Session[] {
  const { user, item, time, rating } = data.events;
  const sessions: Session[] = [];
  const open = new Map<number, Session>();
  for (let e = 0; e < time.length; e++) {
    const t = time[e];
    if (t < from || t >= to) continue;
    const userId = data.userIds[user[e]];
    let session = open.get(userId);
    if (!session || session.time !== t) {
      session = { time: t, userId, movieIds: [], ratings: [] };
      open.set(userId, session);
      sessions.push(session);
    }
    session.movieIds.push(data.movieIds[item[e]]);
    session.ratings.push(rating[e]);
  }
  return sessions;
}
