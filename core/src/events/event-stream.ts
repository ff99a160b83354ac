import pg from 'pg';
import { z } from 'zod';

/**
 * The event stream serving replicas share (`recsys serve --event-stream`, `spec.serving.eventStream`): a PostgreSQL
 * database whose `recsys.events` table is the source of truth of posted interactions. Every replica appends to it and
 * follows it; retraining reads it as its new interactions. Ids are 64-bit and commit in id order (one writer at a
 * time holds `APPEND_LOCK`), so "everything after id N" is a position a replica can resume from.
 */
export const EVENT_STREAM_PROTOCOLS = ['postgres:', 'postgresql:'];

/** The channel a committed append notifies (payload: the last id stored); replicas also poll. */
export const EVENTS_CHANNEL = 'recsys_events';

/** The advisory lock every append holds until it commits: ids then become visible in the order they were given. */
export const APPEND_LOCK = 7_310_311_042;

export const EVENT_STREAM_DDL = `
CREATE SCHEMA IF NOT EXISTS recsys;
CREATE TABLE IF NOT EXISTS recsys.events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL CONSTRAINT events_event_id_key UNIQUE,
  request_id text NOT NULL,
  received_at bigint NOT NULL,
  user_id bigint NOT NULL,
  movie_id bigint NOT NULL,
  rating real NOT NULL,
  "timestamp" bigint NOT NULL,
  in_model boolean NOT NULL,
  model_version text NOT NULL
);
CREATE TABLE IF NOT EXISTS recsys.user_ratings (
  user_id bigint NOT NULL,
  movie_id bigint NOT NULL,
  rating real NOT NULL,
  event bigint NOT NULL,
  PRIMARY KEY (user_id, movie_id)
);
CREATE INDEX IF NOT EXISTS user_ratings_newest ON recsys.user_ratings (user_id, event);
`;

/**
 * The stream's URL, checked: `postgres://user@host:port/database`. The password belongs in PGPASSWORD (a Secret in
 * a cluster), not in a URL that process lists, specs and logs show; `allowPassword: false` refuses one.
 */
export function parseEventStreamUrl(text: string, { allowPassword = true } = {}): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `the event stream ${JSON.stringify(text)} is not a URL; expected postgres://user@host:5432/database`,
    );
  }
  if (!EVENT_STREAM_PROTOCOLS.includes(url.protocol)) {
    throw new Error(
      `the event stream ${shownUrl(url)} uses ${url.protocol}; expected a PostgreSQL URL, postgres://user@host:5432/database`,
    );
  }
  if (!url.hostname)
    throw new Error(`the event stream ${shownUrl(url)} names no host; expected postgres://user@host:5432/database`);
  if (url.password && !allowPassword) {
    throw new Error(
      `the event stream ${shownUrl(url)} carries a password; give it in PGPASSWORD (a Secret in a cluster), not in the URL`,
    );
  }
  return url;
}

/** The URL as logs may show it: never the password. */
export function shownUrl(url: URL | string): string {
  const copy = new URL(String(url));
  if (copy.password) copy.password = '***';
  return copy.toString();
}

/**
 * A connection pool on the stream. Short timeouts, so a dead engine is an error in seconds (a 503 for a write),
 * never a request that hangs; a connection the server dropped is replaced, never a crash.
 */
export function eventStreamPool(
  url: string,
  options: { max?: number; onIdleError?: (err: Error) => void; name?: string } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    connectionTimeoutMillis: 3000,
    query_timeout: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: options.name ?? 'recsys',
  });
  pool.on('error', (err) => options.onIdleError?.(err));
  return pool;
}

/**
 * Runs `work` in one transaction on a client of the pool. The client is watched for errors while it is out (the pool
 * watches only idle ones; an engine dying between two statements would otherwise crash the process), and a client
 * whose transaction failed is destroyed, not reused.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    lost ??= err as Error;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/** Makes the stream's tables when they are missing; safe when several replicas start at once. */
export async function ensureEventTables(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
    await client.query(EVENT_STREAM_DDL);
  });
}

const int = z.coerce.number().int();
const StreamRow = z.object({ id: int, user_id: int, movie_id: int, rating: z.number(), timestamp: int });
export type StreamInteraction = z.output<typeof StreamRow>;

/** What a retrain ingests from the stream: every stored event up to `through` (the last id when the read began). */
export interface StreamRead {
  rows: StreamInteraction[];
  through: number;
}

const PAGE = 50_000;

/**
 * Every event of the stream, oldest first, each once (the table holds one row per event id), read in pages up to
 * the last id stored when the read began, so a retrain sees one fixed cut whatever arrives meanwhile.
 */
export async function readEventStream(url: string): Promise<StreamRead> {
  const pool = eventStreamPool(url, { max: 1, name: 'recsys-retrain' });
  try {
    const exists = await pool.query<{ found: string | null }>("SELECT to_regclass('recsys.events')::text AS found");
    if (!exists.rows[0]?.found) return { rows: [], through: 0 };
    const head = await pool.query('SELECT COALESCE(MAX(id), 0) AS through FROM recsys.events');
    const through = int.parse(head.rows[0].through);
    const rows: StreamInteraction[] = [];
    for (let after = 0; after < through; ) {
      const page = await pool.query(
        'SELECT id, user_id, movie_id, rating, "timestamp" FROM recsys.events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3',
        [after, through, PAGE],
      );
      if (page.rows.length === 0) break;
      for (const row of page.rows) rows.push(StreamRow.parse(row));
      after = rows[rows.length - 1].id;
    }
    return { rows, through };
  } finally {
    await pool.end();
  }
}
