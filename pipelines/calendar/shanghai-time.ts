// Deadlines are reckoned in China Standard Time. Asia/Shanghai has been a fixed UTC+08:00 with no
// daylight saving since 1991, so explicit +8h arithmetic is exact for every instant the pipeline
// sees, does not depend on the host's zone or ICU data, and matches the `+08:00` written in dueAt.
import { z } from 'zod';
import { DAY_MS, epochDay, fromEpochDay } from './calendar-date.ts';
import type { CalendarDate } from './calendar-date.ts';

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Same rule as the event contract: an instant must carry `Z` or an offset to be unambiguous. */
const Instant = z.iso.datetime({ offset: true });

/** The Asia/Shanghai calendar date of an ISO-8601 instant, e.g. 2026-09-30T20:00:00Z → 2026-10-01. */
export function shanghaiDate(isoInstant: string): CalendarDate {
  const ms = Instant.safeParse(isoInstant).success ? Date.parse(isoInstant) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(`not an ISO-8601 instant with offset (${typeof isoInstant} of length ${String(isoInstant).length})`);
  }
  return fromEpochDay(Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS));
}

/** The last millisecond of a date in Asia/Shanghai, as an ISO instant. */
export function endOfShanghaiDay(date: CalendarDate): string {
  epochDay(date);
  return `${date}T23:59:59.999+08:00`;
}
