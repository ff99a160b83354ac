import { describe, expect, it } from 'vitest';
import { latestCronSlot, parseCron } from './cron.ts';
import { CRON_PATTERN } from './types.ts';

const at = (iso: string) => new Date(iso);
const slot = (expression: string, now: string) => latestCronSlot(expression, at(now))?.toISOString() ?? null;

describe('latestCronSlot', () => {
  it('finds the latest slot of a daily schedule, today or yesterday', () => {
    expect(slot('0 3 * * *', '2026-11-29T10:15:42Z')).toBe('2026-11-29T03:00:00.000Z');
    expect(slot('0 3 * * *', '2026-11-29T02:59:59Z')).toBe('2026-11-28T03:00:00.000Z');
    expect(slot('0 3 * * *', '2026-11-29T03:00:00Z')).toBe('2026-11-29T03:00:00.000Z');
  });

  it('reads steps, ranges, lists, names and descriptors', () => {
    expect(slot('*/15 * * * *', '2026-11-29T10:44:00Z')).toBe('2026-11-29T10:30:00.000Z');
    expect(slot('5/20 8-10 * * *', '2026-11-29T11:00:00Z')).toBe('2026-11-29T10:45:00.000Z');
    expect(slot('0 9 * * mon-fri', '2026-11-29T12:00:00Z')).toBe('2026-11-27T09:00:00.000Z'); // 29th is a Sunday
    expect(slot('0 0 1 jan,jul *', '2026-11-29T00:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
    expect(slot('@weekly', '2026-11-28T12:00:00Z')).toBe('2026-11-22T00:00:00.000Z');
    expect(slot('0 6 * * 7', '2026-11-29T07:00:00Z')).toBe('2026-11-29T06:00:00.000Z');
  });

  it('fires on either day field when both are restricted, as cron does', () => {
    // The 1st of the month or any Monday: Monday the 23rd is later than Sunday the 1st... of November.
    expect(slot('0 0 1 * 1', '2026-11-29T00:00:00Z')).toBe('2026-11-23T00:00:00.000Z');
  });

  it('returns null for a schedule that never fires, and names the bad field of an invalid one', () => {
    expect(slot('0 0 31 2 *', '2026-11-29T00:00:00Z')).toBeNull();
    expect(() => parseCron('0 25 * * *')).toThrow(/hour field "25" has 25 out of range/);
    expect(() => parseCron('0 3 * *')).toThrow(/has 4 field\(s\); expected five/);
    expect(() => parseCron('*/0 * * * *')).toThrow(/minute field/);
  });

  it('accepts what the CRD pattern accepts for the schedules the example uses', () => {
    for (const expression of ['0 3 * * *', '0 6 * * *', '@daily', '*/30 9-17 * * mon-fri']) {
      expect(new RegExp(CRON_PATTERN).test(expression)).toBe(true);
      expect(() => parseCron(expression)).not.toThrow();
    }
  });
});
