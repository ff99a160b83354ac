import { Agent, request } from 'node:http';

export interface OpenLoopOptions {
  url: string;
  path: string;
  /** Requests per second, sent on schedule whether or not earlier ones have answered. */
  rate: number;
  seconds: number;
  /** The JSON body of request i. */
  body: (i: number) => unknown;
  /** Prefix of the X-Request-Id of each request (`<prefix>-<i>`), to match log rows. */
  idPrefix: string;
  /** Upper bound on connections; an open-loop client opens more when answers lag. */
  maxSockets?: number;
  /** Sends nothing while this many requests are unanswered (the server is overloaded); those count as skipped. */
  maxOutstanding?: number;
  /** After the last send, how long to wait for answers before counting the rest as timed out. */
  drainSeconds?: number;
}

export interface OpenLoopResult {
  sent: number;
  /** Milliseconds from each request's scheduled send time to its last byte (no coordinated omission). */
  latencies: Float64Array;
  statuses: Map<number, number>;
  errors: number;
  /** Requests not sent because `maxOutstanding` were unanswered. */
  skipped: number;
  /** Requests still unanswered `drainSeconds` after the last send (an overloaded server). */
  timedOut: number;
  /** Achieved completions per second over the run. */
  throughput: number;
  requestIds: string[];
}

/** A constant-arrival-rate load generator over keep-alive HTTP/1.1 (loopback only). */
export function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const target = new URL(options.url);
  const latencies = new Float64Array(total).fill(Number.NaN);
  const statuses = new Map<number, number>();
  const requestIds: string[] = [];
  let errors = 0;
  let done = 0;
  let sent = 0;
  let skipped = 0;
  let finished = false;
  const maxOutstanding = options.maxOutstanding ?? Number.POSITIVE_INFINITY;
  const start = performance.now();

  return new Promise((resolve) => {
    const finish = () => {
      if (finished) return;
      finished = true;
      const elapsed = (performance.now() - start) / 1000;
      const timedOut = total - skipped - done;
      agent.destroy();
      resolve({ sent, latencies, statuses, errors, skipped, timedOut, throughput: done / elapsed, requestIds });
    };
    const fire = (i: number, scheduled: number) => {
      const payload = JSON.stringify(options.body(i));
      const id = `${options.idPrefix}-${i}`;
      requestIds.push(id);
      sent++;
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: options.path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            'x-request-id': id,
          },
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            latencies[i] = performance.now() - scheduled;
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            if (++done + skipped === total) finish();
          });
        },
      );
      req.on('error', () => {
        if (finished) return;
        errors++;
        if (++done + skipped === total) finish();
      });
      req.end(payload);
    };
    let next = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (next < due) {
        if (sent - done >= maxOutstanding) skipped++;
        else fire(next, start + next * interval);
        next++;
      }
      if (done + skipped === total) return finish();
      if (next < total) setTimeout(tick, 1);
      else setTimeout(finish, (options.drainSeconds ?? 10) * 1000).unref();
    };
    tick();
  });
}

/** Nearest-rank quantile of the finite values. */
export function quantile(values: Float64Array, q: number): number {
  const sorted = values.filter(Number.isFinite).sort();
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
