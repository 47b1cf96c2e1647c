// The official PRC working-day calendar, read from chinese-days' data file rather than through its
// helpers: `isWorkday()` there quietly falls back to Monday–Friday for a year it has no schedule
// for, while deadlines must know when they were computed without the official schedule.
import { z } from 'zod';
import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { CalendarDate, dayOfWeek, yearOf } from './calendar-date.ts';

/**
 * The data file's shape: `holidays` are days off (public holidays and the weekdays swapped into
 * them), `workdays` are the weekend days worked in exchange (调休). Values are labels such as
 * "National Day,国庆节,3". chinese-days also ships `inLieuDays` (a subset of `holidays`), which
 * does not affect whether a day is worked.
 */
export const CalendarData = z
  .looseObject({
    holidays: z.record(CalendarDate, z.string()),
    workdays: z.record(CalendarDate, z.string()),
  })
  .superRefine((data, ctx) => {
    for (const date of Object.keys(data.workdays)) {
      if (Object.hasOwn(data.holidays, date)) {
        ctx.addIssue({ code: 'custom', path: ['workdays', date], message: 'listed as both a holiday and a workday' });
      }
    }
  });
export type CalendarData = z.infer<typeof CalendarData>;

export interface CoveredYears {
  readonly first: number;
  readonly last: number;
}

export interface WorkingDayCalendar {
  /** Whether `date` is worked: official schedule where published, Monday–Friday elsewhere. */
  isWorkingDay(date: CalendarDate): boolean;
  /** Whether the data holds that year's official holiday schedule. */
  covers(year: number): boolean;
  /**
   * Whether `isWorkingDay(date)` is settled by published schedules. Stricter than
   * `covers(year)` at the end of December, which the *next* year's New Year arrangement may
   * still change (2018-12-29, a Saturday, became a working day under the 2019 schedule).
   */
  isOfficial(date: CalendarDate): boolean;
  readonly coveredYears: CoveredYears;
}

// Earliest reach-back seen in the data is 12-29 (2007, 2018); start a few days earlier for margin.
const NEXT_YEAR_MAY_REACH_FROM = '12-25';

export function createWorkingDayCalendar(data: CalendarData): WorkingDayCalendar {
  const holidays = new Set(Object.keys(data.holidays));
  const workdays = new Set(Object.keys(data.workdays));

  // A year counts as covered by its own schedule: holidays dated before December. December
  // entries alone may come from the following year's New Year arrangement.
  const years = new Set<number>();
  for (const date of holidays) {
    if (date.slice(5, 7) !== '12') years.add(yearOf(date));
  }
  if (years.size === 0) throw new Error('calendar data holds no holiday schedule');
  const first = Math.min(...years);
  const last = Math.max(...years);
  // A gap would make the advertised range lie about the years inside it.
  if (years.size !== last - first + 1) {
    throw new Error(`calendar data has gaps between ${first} and ${last}`);
  }

  const covers = (year: number) => years.has(year);

  return {
    coveredYears: { first, last },
    covers,
    isWorkingDay(date) {
      if (workdays.has(date)) return true;
      if (holidays.has(date)) return false;
      const weekday = dayOfWeek(date);
      return weekday >= 1 && weekday <= 5;
    },
    isOfficial(date) {
      const year = yearOf(date);
      if (!covers(year)) return false;
      return date.slice(5) < NEXT_YEAR_MAY_REACH_FROM || covers(year + 1);
    },
  };
}

/** The PRC calendar from the installed chinese-days data set. */
export const prcCalendar: WorkingDayCalendar = createWorkingDayCalendar(CalendarData.parse(chineseDays));
