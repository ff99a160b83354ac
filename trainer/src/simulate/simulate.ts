import type { Session } from './sessions.ts';

export interface SimulateOptions {
  api: string;
  /** The write key for POST /interactions (`Authorization: Bearer`); without one the posts answer 401. */
  apiKey?: string;
  sessions: readonly Session[];
  /** Simulated seconds per wall-clock second; Infinity replays as fast as the API answers. */
  speed: number;
  /** The simulated time wall-clock zero maps to (epoch seconds); default the first session's. */
  from?: number;
  k?: number;
  /** Requests in flight at most (sessions of one user always run in order). */
  concurrency?: number;
  /** Called with the session count done, every few hundred sessions. */
  onProgress?: (done: number, total: number) => void;
  fetch?: typeof fetch;
}

export interface SimulateSummary {
  sessions: number;
  interactions: number;
  recommend_requests: number;
  personalised: number;
  fold_in: number;
  fallbacks: number;
  errors: number;
  /** Fallback answers / successful /recommend answers. */
  fallback_rate: number;
  wall_ms: number;
  simulated_seconds: number;
  /** How far behind its schedule the slowest session started (ms): large values mean the API could not keep up. */
  max_lag_ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replays sessions against a running API on a compressed clock: at each session's (scaled) time the user asks
 * POST /recommend with `X-As-Of` set to the real event time, then posts the interactions with their timestamps,
 * so the request log holds what the user was shown just before acting, and fold-in sees the likes as live.
 */
export async function simulate(options: SimulateOptions): Promise<SimulateSummary> {
  const http = options.fetch ?? fetch;
  const k = options.k ?? 10;
  const concurrency = options.concurrency ?? 8;
  const sessions = options.sessions;
  const from = options.from ?? sessions[0]?.time ?? 0;
  const summary: SimulateSummary = {
    sessions: sessions.length,
    interactions: 0,
    recommend_requests: 0,
    personalised: 0,
    fold_in: 0,
    fallbacks: 0,
    errors: 0,
    fallback_rate: 0,
    wall_ms: 0,
    simulated_seconds: sessions.length ? sessions[sessions.length - 1].time - from : 0,
    max_lag_ms: 0,
  };
  const post = (path: string, body: unknown, asOf: number) =>
    http(`${options.api}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-as-of': String(asOf),
        ...(options.apiKey && path === '/interactions' ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
    });

  const run = async (session: Session) => {
    const asked = await post('/recommend', { user_id: session.userId, k }, session.time);
    summary.recommend_requests++;
    if (asked.ok) {
      const answer = (await asked.json()) as { source: string };
      if (answer.source === 'popular') summary.fallbacks++;
      else if (answer.source === 'fold_in') summary.fold_in++;
      else summary.personalised++;
    } else {
      summary.errors++;
      await asked.arrayBuffer();
    }
    const events = session.movieIds.map((movie_id, i) => ({
      user_id: session.userId,
      movie_id,
      rating: session.ratings[i],
      timestamp: session.time,
    }));
    const posted = await post('/interactions', events, session.time);
    await posted.arrayBuffer();
    if (posted.ok) summary.interactions += events.length;
    else summary.errors++;
  };

  const started = performance.now();
  const lastOfUser = new Map<number, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  for (const session of sessions) {
    const due = Number.isFinite(options.speed) ? ((session.time - from) / options.speed) * 1000 : 0;
    const wait = due - (performance.now() - started);
    if (wait > 0) await sleep(wait);
    else summary.max_lag_ms = Math.max(summary.max_lag_ms, -wait);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const previous = lastOfUser.get(session.userId) ?? Promise.resolve();
    const task: Promise<void> = previous
      .then(() => run(session))
      .catch(() => {
        summary.errors++;
      })
      .finally(() => {
        inFlight.delete(task);
        if (lastOfUser.get(session.userId) === task) lastOfUser.delete(session.userId);
        done++;
        if (done % 500 === 0) options.onProgress?.(done, sessions.length);
      });
    inFlight.add(task);
    lastOfUser.set(session.userId, task);
  }
  await Promise.all(inFlight);
  summary.wall_ms = Math.round(performance.now() - started);
  const answered = summary.personalised + summary.fold_in + summary.fallbacks;
  summary.fallback_rate = answered ? summary.fallbacks / answered : 0;
  return summary;
}
