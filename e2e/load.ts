import { z } from 'zod';

/** The part of an answer a roll switches: which model version answered. */
const ModelAnswer = z.object({ model: z.object({ version: z.string() }) });

/** What a client looping over one endpoint saw: how many answers, which failed (and how), the versions in order. */
export interface LoopResult {
  answered: number;
  failures: string[];
  /** Model versions in the order they first answered. */
  versions: string[];
}

/**
 * `clients` keep-alive clients, each sending POST `url` with `body` one request after another until stop(), as a
 * user's traffic would through a Service: every non-2xx answer and every network error is a failure.
 */
export function loopRequests(
  url: string,
  body: unknown,
  clients = 3,
): { seen: () => LoopResult; stop: () => Promise<LoopResult> } {
  const result: LoopResult = { answered: 0, failures: [], versions: [] };
  let running = true;
  const client = async () => {
    while (running) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (!response.ok) {
          result.failures.push(`HTTP ${response.status} ${text.slice(0, 200)}`);
          continue;
        }
        const version = ModelAnswer.parse(JSON.parse(text)).model.version;
        if (!result.versions.includes(version)) result.versions.push(version);
        result.answered += 1;
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        result.failures.push(`${String(error)}${cause}`);
      }
    }
  };
  const loops = Array.from({ length: clients }, client);
  return {
    seen: () => result,
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
