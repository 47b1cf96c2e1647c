// Calendar dates as `YYYY-MM-DD` strings, with arithmetic on whole days since 1970-01-01.
// Going through epoch days (never `new Date('YYYY-MM-DD')` read back in the local zone) means a
// date cannot shift by one depending on the zone of the machine running the pipeline.
import { z } from 'zod';

/** A real calendar date, `YYYY-MM-DD`. */
export const CalendarDate = z.iso.date();
export type CalendarDate = z.infer<typeof CalendarDate>;

export const DAY_MS = 86_400_000;

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01; throws RangeError for anything that is not a real `YYYY-MM-DD` date. */
export function epochDay(date: CalendarDate): number {
  const match = SHAPE.exec(date);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
    const probe = new Date(0);
    probe.setUTCFullYear(year, month - 1, day);
    // Date rolls 2026-02-30 over to March; a round trip that disagrees means the date is not real.
    if (probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day) {
      return Math.round(probe.getTime() / DAY_MS);
    }
  }
  // The value itself stays out of the message: it may be a birth date.
  throw new RangeError(`not a calendar date (YYYY-MM-DD) from 0000 to 9999 (${typeof date} of length ${String(date).length})`);
}

export function fromEpochDay(day: number): CalendarDate {
  const at = new Date(day * DAY_MS);
  const year = at.getUTCFullYear();
  if (!Number.isSafeInteger(day) || year < 0 || year > 9999) {
    throw new RangeError(`epoch day ${day} is outside years 0000–9999`);
  }
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(year, 4)}-${pad(at.getUTCMonth() + 1, 2)}-${pad(at.getUTCDate(), 2)}`;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromEpochDay(epochDay(date) + days);
}

/** 0 = Sunday … 6 = Saturday, like Date#getUTCDay. */
export function dayOfWeek(date: CalendarDate): number {
  // 1970-01-01 was a Thursday (4).
  return (((epochDay(date) + 4) % 7) + 7) % 7;
}

export function yearOf(date: CalendarDate): number {
  epochDay(date);
  return Number(date.slice(0, 4));
}
