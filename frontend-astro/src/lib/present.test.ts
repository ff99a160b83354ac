import { describe, expect, it } from 'vitest';
import { apiStatusFrom, nextCheckMs } from './api-status.ts';
import { displayTitle, formatScore, joinTitles } from './format.ts';
import { listFilters, positiveId } from './params.ts';
import { describeProblem, problemFrom, UNREACHABLE } from './problem.ts';

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

  it("shows a 4xx message as the API wrote it, but never a 5xx's internals", () => {
    expect(describeProblem(problemFrom(400, { error: { code: 'x', message: 'k must be <= 100' } })).detail).toBe(
      'k must be <= 100',
    );
    const server = describeProblem(
      problemFrom(500, { error: { code: 'internal', message: 'TypeError at x.ts:3', request_id: 'r9' } }),
    );
    expect(server.detail).not.toContain('TypeError');
    expect(server.detail).toContain('r9');
    expect(describeProblem({ status: 0, code: UNREACHABLE, message: '', request_id: null }).title).toContain(
      'not reachable',
    );
  });

  it('says up with the model version, up without a model, or down, and polls faster while down', () => {
    const model = { name: 'movies', version: 'v7', type: 'als', created_at: '', loaded_at: '' };
    const up = apiStatusFrom({ ok: true, data: { status: 'ok', ready: true, model } });
    expect(up).toEqual({ kind: 'up', text: 'API up · model movies v7' });
    expect(apiStatusFrom({ ok: true, data: { status: 'ok', ready: false, model: null } }).kind).toBe('loading');
    const down = apiStatusFrom({ ok: false, problem: { status: 0, code: UNREACHABLE, message: '', request_id: null } });
    expect(down.kind).toBe('down');
    expect(nextCheckMs(down, 5000)).toBeLessThan(nextCheckMs(up, 5000));
  });

  it('formats titles, scores, title lists and ids', () => {
    expect(displayTitle({ title: 'Star Wars (1977)', year: 1977 })).toBe('Star Wars');
    expect(displayTitle({ title: 'Untitled (unknown)', year: null })).toBe('Untitled (unknown)');
    expect(formatScore(0.123456)).toBe('0.123');
    expect(formatScore(12345.6)).toBe('12,346');
    expect(formatScore(27)).toBe('27');
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
