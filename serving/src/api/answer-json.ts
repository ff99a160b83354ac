import type { Context } from 'koa';
import type { ModelHandle, ScoredMovies } from '../model/handle.ts';

/**
 * The hot routes (/recommend, /similar) answer JSON text joined from each movie's JSON, which the model serialises
 * once (`ModelHandle.movieJson`), instead of zod-checking and stringifying fresh objects per request. The text is
 * what `JSON.stringify(schema.parse(answer))` prints, byte for byte (app.test.ts checks both routes).
 */
export function respondJson(ctx: Context, text: string): void {
  ctx.status = 200;
  // Set before the body, or koa would call a string body text/plain; koa sends an object body with this same type.
  ctx.type = 'application/json';
  ctx.body = text;
}

/** A movie as JSON; a ranked movie without metadata is a server bug (a 500), as the zod-checked path made it. */
export function movieJson(model: ModelHandle, movieId: number): string {
  const json = model.movieJson(movieId);
  if (json === undefined) {
    throw new Error(`model ${model.info.version} ranked movie ${movieId} but has no metadata for it`);
  }
  return json;
}

/**
 * A ranked list as JSON: each movie with its score, and with `because_you_liked` (a movie or null) when `because`
 * is given.
 */
export function rankedJson(model: ModelHandle, ranked: ScoredMovies, because?: readonly (number | null)[]): string {
  let out = '[';
  for (let r = 0; r < ranked.movieIds.length; r++) {
    const movieId = ranked.movieIds[r];
    const score = ranked.scores[r];
    // JSON has no NaN or Infinity; the contract's z.number() refused them too.
    if (!Number.isFinite(score)) throw new Error(`model ${model.info.version} scored movie ${movieId} ${score}`);
    const movie = movieJson(model, movieId);
    out += `${r === 0 ? '' : ','}${movie.slice(0, -1)},"score":${score}`;
    if (because) {
      const liked = because[r];
      out += `,"because_you_liked":${liked === null ? 'null' : movieJson(model, liked)}`;
    }
    out += '}';
  }
  return `${out}]`;
}
