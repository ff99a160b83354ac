import { describe, expect, it } from 'vitest';
import { apiStatusFrom, nextCheckMs } from './api-status.ts';
import { listFilters, positiveId } from './params.ts';
import { distinctMovies, joinTitles, shownMovie, withSpare } from './present.ts';
import { describeProblem, problemFrom, serviceAway, UNREACHABLE } from './problem.ts';

describe('what the site tells people', () => {
  it('reads the API error body, and anything else as a bare status', () => {
    const body = { error: { code: 'unknown_movie', message: 'movie 9 is not in the catalogue', request_id: 'r1' } };
    expect(problemFrom(404, body)).toEqual({
      status: 404,
      code: 'unknown_movie',
      message: 'movie 9 is not in the catalogue',
      request_id: 'r1',
    });
    expect(problemFrom(502, '<html>bad gateway</html>')).toEqual({
      status: 502,
      code: 'http_502',
      message: '',
      request_id: null,
    });
  });

  it('words every problem itself: never the API message written for programmers, nor a 5xx internal', () => {
    const unknown = describeProblem(
      problemFrom(404, {
        error: { code: 'unknown_movie', message: 'movie 9 is not in the catalogue; search titles with GET /movies?q=' },
      }),
    );
    expect(`${unknown.title} ${unknown.detail}`).not.toMatch(/GET|\/movies|catalogue of model/);
    expect(unknown.title).toBe('We don’t know that movie');
    const invalid = describeProblem(problemFrom(400, { error: { code: 'x', message: 'k must be <= 100' } }));
    expect(invalid.detail).not.toContain('k must be');
    const server = describeProblem(
      problemFrom(500, { error: { code: 'internal', message: 'TypeError at x.ts:3', request_id: 'r9' } }),
    );
    expect(server.detail).not.toContain('TypeError');
    expect(server.detail).toContain('r9');
    const down = describeProblem({ status: 0, code: UNREACHABLE, message: '', request_id: null });
    expect(`${down.title} ${down.detail}`).not.toMatch(/\bAPI\b/);
    expect(down.title).toContain('offline');
  });

  it('tells a page the whole service is away only when every call failed that way', () => {
    const away = { ok: false as const, problem: { status: 0, code: UNREACHABLE, message: '', request_id: null } };
    const notReady = { ok: false as const, problem: problemFrom(503, { error: { code: 'model_not_ready' } }) };
    const fine = { ok: true as const, data: {} };
    expect(serviceAway([away, notReady, null])?.code).toBe(UNREACHABLE);
    expect(serviceAway([away, fine])).toBeNull();
    expect(serviceAway([problemResult(404)])).toBeNull();
    expect(serviceAway([fine, null])).toBeNull();
  });

  it('says online, starting or offline in plain words, never a version, and polls faster while down', () => {
    const model = { name: 'movies', version: 'v7', type: 'als', created_at: '', loaded_at: '' };
    const up = apiStatusFrom({ ok: true, data: { status: 'ok', ready: true, model } });
    expect(up).toEqual({ kind: 'up', text: 'Recommendations online' });
    expect(apiStatusFrom({ ok: true, data: { status: 'ok', ready: false, model: null } }).kind).toBe('loading');
    const down = apiStatusFrom({ ok: false, problem: { status: 0, code: UNREACHABLE, message: '', request_id: null } });
    expect(down.kind).toBe('down');
    expect(nextCheckMs(down, 5000)).toBeLessThan(nextCheckMs(up, 5000));
  });

  it('shows natural titles only, no score, and the liked movie that explains a pick', () => {
    const godfather = movie(858, 'Godfather, The (1972)', 'The Godfather', 1972);
    const shown = shownMovie({
      ...godfather,
      score: -0.95,
      because_you_liked: movie(1, 'Sting, The (1973)', 'The Sting', 1973),
    });
    expect(shown).toEqual({
      movie_id: 858,
      title: 'The Godfather',
      year: 1972,
      genres: ['Drama'],
      because: 'The Sting',
    });
    expect(JSON.stringify(shown)).not.toMatch(/Godfather, The|-0\.95/);
  });

  it('lists a film the data has twice (same title and year) once, at its best rank, besides the seeds', () => {
    const list = [
      movie(573, 'Body Snatchers (1993)', 'Body Snatchers', 1993),
      movie(2, 'GoldenEye (1995)', 'GoldenEye', 1995),
      movie(670, 'Body Snatchers (1993)', 'Body Snatchers', 1993),
      movie(3, 'Body Snatchers (1956)', 'Body Snatchers', 1956),
      movie(4, 'Four Rooms (1995)', 'Four Rooms', 1995),
    ];
    expect(distinctMovies(list).map((m) => m.movie_id)).toEqual([573, 2, 3, 4]);
    expect(distinctMovies(list, 2).map((m) => m.movie_id)).toEqual([573, 2]);
    const seed = shownMovie(movie(670, 'Body Snatchers (1993)', 'Body Snatchers', 1993));
    expect(distinctMovies(list, 10, [seed]).map((m) => m.movie_id)).toEqual([2, 3, 4]);
    const likedTwice = { ...list[2], score: 1, because_you_liked: list[0] };
    const other = { ...list[1], score: 0.5, because_you_liked: list[0] };
    expect(distinctMovies([likedTwice, other]).map((m) => m.movie_id)).toEqual([2]);
    expect(withSpare(20)).toBe(25);
    expect(withSpare(100)).toBe(100);
  });

  it('joins titles and reads ids', () => {
    expect(joinTitles(['A', 'B', 'C'])).toBe('A, B and C');
    expect(joinTitles(['A'])).toBe('A');
    expect(positiveId(' 42 ')).toBe(42);
    for (const bad of ['0', '-3', 'abc', '1.5', '99999999999', '', null]) expect(positiveId(bad)).toBeNull();
  });

  it('reads the For-you filters and words what is wrong with them', () => {
    expect(listFilters(new URLSearchParams('genre=Drama&from=1990&to=1999'))).toEqual({
      filters: { genres: ['Drama'], year_min: 1990, year_max: 1999 },
      problems: [],
    });
    expect(listFilters(new URLSearchParams('genre=&from=&to='))).toEqual({ filters: {}, problems: [] });
    const wrong = listFilters(new URLSearchParams('from=199x&to=1980'));
    expect(wrong.problems).toEqual(['From year must be a four-digit year such as 1990, not “199x”.']);
    expect(listFilters(new URLSearchParams('from=2000&to=1990')).problems[0]).toContain('must not be after');
  });
});

function movie(movie_id: number, title: string, display_title: string, year: number) {
  return { movie_id, title, display_title, year, genres: ['Drama'] };
}

function problemResult(status: number) {
  return { ok: false as const, problem: problemFrom(status, null) };
}
