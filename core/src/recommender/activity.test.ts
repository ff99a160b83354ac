import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../csr.ts';
import { userActivity } from './activity.ts';

const DAY = 86_400;

describe('userActivity', () => {
  it('halves a user’s weight every half-life between their newest interaction and anyone’s newest', () => {
    // User 0 last seen on day 100 (the newest), user 1 on day 70, user 2 never; half-life 30 days.
    const history = csrFromCoo(3, 2, Uint32Array.of(1, 0, 1, 0), Uint32Array.of(0, 1, 1, 0), {
      times: Float64Array.of(10 * DAY, 40 * DAY, 70 * DAY, 100 * DAY),
    });
    const { perUser, halfLifeDays } = userActivity(history, 30);
    expect(halfLifeDays).toBe(30);
    expect(perUser[0]).toBe(1);
    expect(perUser[1]).toBeCloseTo(0.5, 6);
    expect(perUser[2]).toBe(0);
  });

  it('needs times and a positive half-life', () => {
    const untimed = csrFromCoo(1, 1, Uint32Array.of(0), Uint32Array.of(0));
    expect(() => userActivity(untimed, 30)).toThrow(/no interaction times/);
    expect(() => userActivity(untimed, 0)).toThrow(/positive number of days/);
  });
});
