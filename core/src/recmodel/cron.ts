import type { RecModelSpec } from './types.ts';

/**
 * Cron schedules as a Kubernetes CronJob reads them (five fields, UTC, @descriptors), so the local runtime
 * fires `spec.schedule` and `spec.report.schedule` on the same slots the cluster does.
 */
export interface CronSchedule {
  minutes: boolean[];
  hours: boolean[];
  daysOfMonth: boolean[];
  months: boolean[];
  daysOfWeek: boolean[];
  /** Vixie cron: when both day fields are restricted, a day matching either one fires. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS = [
  { name: 'minute', min: 0, max: 59, names: [] as string[], nameBase: 0 },
  { name: 'hour', min: 0, max: 23, names: [], nameBase: 0 },
  { name: 'day of month', min: 1, max: 31, names: [], nameBase: 0 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

export function parseCron(expression: string): CronSchedule {
  const text = DESCRIPTORS[expression.trim().toLowerCase()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    throw new Error(
      `cron schedule "${expression}" has ${parts.length} field(s); expected five (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly`,
    );
  }
  const sets = parts.map((part, i) => parseField(part, FIELDS[i], expression));
  const daysOfWeek = sets[4];
  if (daysOfWeek[7]) daysOfWeek[0] = true; // 7 is Sunday too
  return {
    minutes: sets[0],
    hours: sets[1],
    daysOfMonth: sets[2],
    months: sets[3],
    daysOfWeek: daysOfWeek.slice(0, 7),
    dayOfMonthRestricted: !isWildcard(parts[2]),
    dayOfWeekRestricted: !isWildcard(parts[4]),
  };
}

const isWildcard = (part: string) => part === '*' || part === '?';

function parseField(part: string, field: (typeof FIELDS)[number], expression: string): boolean[] {
  const set = new Array<boolean>(field.max + 1).fill(false);
  const fail = (why: string): never => {
    throw new Error(
      `cron schedule "${expression}": the ${field.name} field "${part}" ${why}; expected numbers ${field.min}-${field.max}, names, *, ranges a-b and steps /n`,
    );
  };
  const value = (token: string): number => {
    const named = field.names.indexOf(token.toLowerCase());
    const n = named >= 0 ? named + field.nameBase : /^\d+$/.test(token) ? Number(token) : fail(`has "${token}"`);
    if (n < field.min || n > field.max) fail(`has ${n} out of range`);
    return n;
  };
  for (const item of part.split(',')) {
    const [range, stepText] = item.split('/');
    const step =
      stepText === undefined
        ? 1
        : /^\d+$/.test(stepText) && Number(stepText) > 0
          ? Number(stepText)
          : fail(`has step "${stepText}"`);
    let low: number;
    let high: number;
    if (isWildcard(range)) {
      low = field.min;
      high = field.name === 'day of week' ? 6 : field.max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      low = value(a);
      high = value(b);
      if (low > high) fail(`has a range ${low}-${high} that runs backwards`);
    } else {
      low = value(range);
      high = stepText === undefined ? low : field.name === 'day of week' ? 6 : field.max;
    }
    for (let v = low; v <= high; v += step) set[v] = true;
  }
  return set;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
// Five years back reaches a slot of any schedule that fires at least once every four years (Feb 29).
const SEARCH_DAYS = 5 * 366;

/** The latest time at or before `now` (UTC, whole minutes) the schedule fires; null if none within five years. */
export function latestCronSlot(schedule: CronSchedule | string, now: Date): Date | null {
  const cron = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  const current = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const today = Math.floor(current / DAY) * DAY;
  for (let d = 0; d <= SEARCH_DAYS; d++) {
    const dayStart = today - d * DAY;
    const day = new Date(dayStart);
    if (!cron.months[day.getUTCMonth() + 1] || !dayMatches(cron, day)) continue;
    const lastMinute = d === 0 ? Math.floor((current - dayStart) / MINUTE) : 24 * 60 - 1;
    for (let m = lastMinute; m >= 0; m--) {
      if (cron.hours[Math.floor(m / 60)] && cron.minutes[m % 60]) return new Date(dayStart + m * MINUTE);
    }
  }
  return null;
}

function dayMatches(cron: CronSchedule, day: Date): boolean {
  const byMonth = cron.daysOfMonth[day.getUTCDate()];
  const byWeek = cron.daysOfWeek[day.getUTCDay()];
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) return byMonth || byWeek;
  return byMonth && byWeek;
}

/** The slots reconcile compares with its status (ObservedWorld.scheduledSlot and reportSlot) at `now`. */
export function specSlots(
  spec: Pick<RecModelSpec, 'schedule' | 'report'>,
  now: Date,
): { scheduledSlot: string | null; reportSlot: string | null } {
  const slot = (expression: string | undefined) =>
    expression === undefined ? null : (latestCronSlot(expression, now)?.toISOString() ?? null);
  return { scheduledSlot: slot(spec.schedule), reportSlot: spec.report.enabled ? slot(spec.report.schedule) : null };
}
