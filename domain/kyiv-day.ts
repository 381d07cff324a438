/**
 * The shop's calendar. Daily figures are kept by Kyiv days, not UTC ones: the shop opens, closes
 * and reads its reports in Kyiv time, and a UTC day would split its evening (UTC+2/+3) across two
 * rows. `Europe/Kyiv` follows the summer-time changes, so two days a year have 23 and 25 hours.
 */
export const KYIV_TIME_ZONE = 'Europe/Kyiv';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

// en-CA writes dates as YYYY-MM-DD.
const kyivDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: KYIV_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Kyiv calendar day (`YYYY-MM-DD`) an instant falls on. */
export function kyivDayOf(instant: Date): string {
  return kyivDate.format(instant);
}

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

/** The calendar day `offset` days after `day` (before, when negative). */
export function addDays(day: string, offset: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offset);
  return date.toISOString().slice(0, 10);
}

/** Every calendar day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
