import { randomUUID } from 'node:crypto';
import {
  APPEND_LOCK,
  EVENTS_CHANNEL,
  ensureEventTables,
  eventStreamPool,
  inTransaction,
  shownUrl,
} from '@recsys/core/events/event-stream';
import type { EventRow } from '@recsys/core/logs/event-log';
import pg from 'pg';
import { z } from 'zod';
import type { AppendResult, EventStore, RestoredState, StreamedEvent, UserRead } from './event-store.ts';

export interface PostgresEventStoreOptions {
  url: string;
  /** How often the stream is read when no notification came (a missed NOTIFY costs at most this). */
  pollMs?: number;
  /** How long an append waits to see its own rows applied here before answering anyway (they are stored). */
  applyWaitMs?: number;
  /** Progress and trouble, one line each (the engine going down and coming back). */
  say?: (line: string) => void;
  /** Told whether the engine answered the last read of the stream (a gauge). */
  onStreamState?: (up: boolean) => void;
  /** Told of every event applied from the stream (a counter), and of the position reached. */
  onApplied?: (events: number, position: number) => void;
}

const int = z.coerce.number().int();
const StreamRow = z.object({ id: int, user_id: int, movie_id: int, rating: z.number() });
const StoredId = z.object({ id: int, event_id: z.string() });
const UserRow = z.object({ position: int, movie_id: int.nullable(), rating: z.number().nullable() });

/** One batch in one statement: events stored once per event id, and each (user, movie)'s newest rating kept beside. */
const APPEND_SQL = `
WITH incoming AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::real[], $7::bigint[],
                       $8::boolean[], $9::text[])
    WITH ORDINALITY AS t(event_id, request_id, received_at, user_id, movie_id, rating, ts, in_model, model_version, n)
), stored AS (
  INSERT INTO recsys.events (event_id, request_id, received_at, user_id, movie_id, rating, "timestamp", in_model, model_version)
  SELECT event_id, request_id, received_at, user_id, movie_id, rating, ts, in_model, model_version FROM incoming ORDER BY n
  ON CONFLICT (event_id) DO NOTHING
  RETURNING id, event_id, user_id, movie_id, rating
), newest AS (
  SELECT DISTINCT ON (user_id, movie_id) user_id, movie_id, rating, id FROM stored ORDER BY user_id, movie_id, id DESC
), rated AS (
  INSERT INTO recsys.user_ratings (user_id, movie_id, rating, event)
  SELECT user_id, movie_id, rating, id FROM newest
  ON CONFLICT (user_id, movie_id) DO UPDATE SET rating = excluded.rating, event = excluded.event
  WHERE recsys.user_ratings.event < excluded.event
)
SELECT id, event_id FROM stored ORDER BY id`;

/** The user's newest ratings and, read in the same snapshot, the last id they include. */
const USER_SQL = `
SELECT h.position, r.movie_id, r.rating
FROM (SELECT COALESCE(MAX(id), 0) AS position FROM recsys.events) h
LEFT JOIN LATERAL (
  SELECT movie_id, rating, event FROM recsys.user_ratings WHERE user_id = $1 ORDER BY event DESC LIMIT $2
) r ON true
ORDER BY r.event`;

const PULL_SQL = 'SELECT id, user_id, movie_id, rating FROM recsys.events WHERE id > $1 ORDER BY id LIMIT $2';
const PULL_PAGE = 5000;

/** Errors no retry mends (a wrong password, a missing database, no privilege): start-up stops with them. */
function fatal(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(28|3D|42)/.test(code);
}

/**
 * The event stream several serving replicas share, on PostgreSQL: `recsys.events` (64-bit identity id, unique event
 * id) is the source of truth and the retraining batch; `recsys.user_ratings` keeps each (user, movie)'s newest rating,
 * so an evicted user is read back with one index lookup. Each replica follows the table from the last id it applied —
 * woken by LISTEN/NOTIFY, polled as well — so an event posted to any replica reaches every one, in id order, once.
 * While the engine is down appends fail (the route answers 503), reads go on from memory, and the follower resumes
 * from its position when the engine is back.
 */
export class PostgresEventStore implements EventStore {
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #options: PostgresEventStoreOptions;
  readonly #say: (line: string) => void;
  #apply: ((events: StreamedEvent[]) => void) | undefined;
  #position = 0;
  #following = false;
  #closed = false;
  #up = true;
  #listener: pg.Client | undefined;
  #listening: Promise<void> | undefined;
  #pulling: Promise<void> | undefined;
  #pullAgain = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #waiters = new Set<{ id: number; resolve: () => void }>();

  constructor(options: PostgresEventStoreOptions) {
    this.#url = options.url;
    this.#options = options;
    this.#say = options.say ?? (() => {});
    this.#pool = eventStreamPool(options.url, {
      name: 'recsys-serving',
      onIdleError: (err) => this.#streamState(false, err),
    });
  }

  /** The last stream id applied here. */
  get position(): number {
    return this.#position;
  }

  follow(apply: (events: StreamedEvent[]) => void): void {
    this.#apply = apply;
  }

  /**
   * Waits for the engine (the port is open meanwhile and /ready says 503), makes the tables when missing, and starts
   * following from the newest id: nothing is replayed, users are read from the table when first asked for.
   */
  async restore(): Promise<RestoredState> {
    let lastError = '';
    for (;;) {
      try {
        await ensureEventTables(this.#pool);
        const head = await this.#pool.query('SELECT COALESCE(MAX(id), 0) AS position FROM recsys.events');
        this.#position = int.parse(head.rows[0].position);
        break;
      } catch (err) {
        if (fatal(err)) {
          throw new Error(`the event stream ${shownUrl(this.#url)} refused us: ${(err as Error).message}`);
        }
        if (this.#closed) throw err;
        const message = (err as Error).message;
        if (message !== lastError) {
          this.#say(`serving: waiting for the event stream ${shownUrl(this.#url)}: ${message}; retrying every second`);
        }
        lastError = message;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    this.#following = true;
    this.#up = true;
    this.#options.onStreamState?.(true);
    void this.#listen();
    this.#timer = setInterval(() => {
      if (!this.#listener) void this.#listen();
      void this.#pull();
    }, this.#options.pollMs ?? 1000);
    this.#timer.unref();
    return { summary: `event stream ${shownUrl(this.#url)} at id ${this.#position}`, tailEvents: 0, quarantined: [] };
  }

  /** One transaction under the append lock, so ids become visible in order; resolves once applied here too. */
  async append(given: EventRow[]): Promise<AppendResult> {
    const rows = given.map((row) => ({ ...row, event_id: row.event_id ?? randomUUID() }));
    const stored = await inTransaction(this.#pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      const result = await client.query(APPEND_SQL, [
        rows.map((r) => r.event_id),
        rows.map((r) => r.request_id),
        rows.map((r) => r.received_at),
        rows.map((r) => r.user_id),
        rows.map((r) => r.movie_id),
        rows.map((r) => r.rating),
        rows.map((r) => r.timestamp),
        rows.map((r) => r.in_model),
        rows.map((r) => r.model_version),
      ]);
      const ids = result.rows.map((row) => StoredId.parse(row));
      if (ids.length > 0)
        await client.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(ids[ids.length - 1].id)]);
      return ids;
    });
    if (stored.length > 0) await this.#reached(stored[stored.length - 1].id);
    // The first row of each stored event id is the one stored (a batch may repeat an id).
    const ids = new Set(stored.map((s) => s.event_id));
    return { stored: rows.filter((r) => ids.delete(r.event_id)), duplicates: rows.length - stored.length };
  }

  async ratingsOf(userId: number, limit: number): Promise<UserRead> {
    const result = await this.#pool.query(USER_SQL, [userId, limit]);
    const rows = result.rows.map((row) => UserRow.parse(row));
    return {
      position: rows[0]?.position ?? 0,
      ratings: rows.flatMap((r) =>
        r.movie_id === null || r.rating === null ? [] : [{ movie_id: r.movie_id, rating: r.rating }],
      ),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const waiter of this.#waiters) waiter.resolve();
    await this.#pulling;
    await this.#listener?.end().catch(() => {});
    await this.#pool.end();
  }

  /** Resolves once the follower applied `id` here, or after `applyWaitMs` (the rows are stored either way). */
  #reached(id: number): Promise<void> {
    if (this.#position >= id || !this.#following) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { id, resolve: () => done() };
      const timer = setTimeout(() => done(), this.#options.applyWaitMs ?? 2000);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve();
      };
      this.#waiters.add(waiter);
      void this.#pull();
    });
  }

  /** Reads everything after the position, in pages, and applies it; one read at a time, another after it if asked. */
  #pull(): Promise<void> {
    if (!this.#following || this.#closed) return Promise.resolve();
    if (this.#pulling) {
      this.#pullAgain = true;
      return this.#pulling;
    }
    this.#pulling = (async () => {
      do {
        this.#pullAgain = false;
        try {
          for (;;) {
            const page = await this.#pool.query(PULL_SQL, [this.#position, PULL_PAGE]);
            const events = page.rows.map((row) => StreamRow.parse(row));
            if (events.length > 0) {
              this.#apply?.(events);
              this.#position = events[events.length - 1].id;
              this.#options.onApplied?.(events.length, this.#position);
              for (const waiter of this.#waiters) if (waiter.id <= this.#position) waiter.resolve();
            }
            this.#streamState(true);
            if (events.length < PULL_PAGE) break;
          }
        } catch (err) {
          this.#streamState(false, err as Error);
        }
      } while (this.#pullAgain && !this.#closed);
    })().finally(() => {
      this.#pulling = undefined;
    });
    return this.#pulling;
  }

  /** A dedicated connection LISTENing for appends; lost with the engine, made again by the poll timer. */
  #listen(): Promise<void> {
    if (this.#listening || this.#listener || this.#closed) return this.#listening ?? Promise.resolve();
    this.#listening = (async () => {
      const client = new pg.Client({
        connectionString: this.#url,
        connectionTimeoutMillis: 3000,
        application_name: 'recsys-serving-listen',
      });
      const lost = () => {
        if (this.#listener === client) this.#listener = undefined;
        client.end().catch(() => {});
      };
      client.on('error', lost);
      client.on('end', lost);
      client.on('notification', () => void this.#pull());
      try {
        await client.connect();
        await client.query(`LISTEN ${EVENTS_CHANNEL}`);
        if (this.#closed) {
          await client.end();
          return;
        }
        this.#listener = client;
        // Anything stored while no one listened.
        void this.#pull();
      } catch (err) {
        lost();
        this.#streamState(false, err as Error);
      }
    })().finally(() => {
      this.#listening = undefined;
    });
    return this.#listening;
  }

  #streamState(up: boolean, err?: Error): void {
    if (up === this.#up) return;
    this.#up = up;
    this.#options.onStreamState?.(up);
    if (this.#closed) return;
    this.#say(
      up
        ? `serving: event stream ${shownUrl(this.#url)} is back; following from id ${this.#position}`
        : `serving: event stream ${shownUrl(this.#url)} unreachable (${err?.message ?? 'connection lost'}): writes answer 503, reads use the state held in memory; retrying`,
    );
  }
}
