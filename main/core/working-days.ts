/**
 * Promised completion dates (承诺办结时限) in working days, China time. Weekends are rest days, plus the
 * profile's `catalog.holidays`, minus its `catalog.workdays` (调休: weekend days worked instead). The
 * count starts the working day after acceptance, as time limits do.
 */

export interface WorkCalendar {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
}

export const WEEKENDS_ONLY: WorkCalendar = { holidays: new Set(), workdays: new Set() };

const ymd = (d: Date): string => d.toISOString().slice(0, 10);

/** The China date (YYYY-MM-DD) of an instant. */
export function chinaDate(ms: number): string {
  return ymd(new Date(ms + 8 * 3600_000));
}

export function isWorkingDay(date: string, cal: WorkCalendar = WEEKENDS_ONLY): boolean {
  if (cal.workdays.has(date)) return true;
  if (cal.holidays.has(date)) return false;
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** The date `n` working days after `date` (YYYY-MM-DD). */
export function addWorkingDays(date: string, n: number, cal: WorkCalendar = WEEKENDS_ONLY): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('working days must be a non-negative integer');
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) throw new RangeError('date must be YYYY-MM-DD');
  let left = n;
  // A calendar with every day a holiday would loop forever: 3 years is more than any time limit needs.
  for (let guard = 0; left > 0 && guard < 3 * 366; guard++) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (isWorkingDay(ymd(d), cal)) left -= 1;
  }
  return ymd(d);
}
