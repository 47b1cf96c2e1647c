import { describe, expect, it } from 'vitest';
import { addDays } from './calendar-date.ts';
import { CalendarData, createWorkingDayCalendar, prcCalendar } from './prc-calendar.ts';

function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) dates.push(date);
  return dates;
}

// What holds whatever years a chinese-days update adds; behaviour at the edge of the data is
// tested on calendars built from explicit data below, so publishing 2027 breaks nothing here.
describe('prcCalendar coverage', () => {
  it('covers the years chinese-days has official schedules for, from 2004 on', () => {
    const { first, last } = prcCalendar.coveredYears;
    expect(first).toBe(2004);
    expect(last).toBeGreaterThanOrEqual(2026);
    expect(prcCalendar.covers(2004)).toBe(true);
    expect(prcCalendar.covers(2026)).toBe(true);
    expect(prcCalendar.covers(2003)).toBe(false);
    expect(prcCalendar.covers(last + 1)).toBe(false);
    expect(prcCalendar.covers(2099)).toBe(false);
  });

  it('counts late December as official once the next year’s schedule is in the data', () => {
    // The 2019 schedule made this Saturday a working day, so 2018's own schedule was not enough.
    expect(prcCalendar.isOfficial('2018-12-29')).toBe(true);
    expect(prcCalendar.isWorkingDay('2018-12-29')).toBe(true);
    expect(prcCalendar.isWorkingDay('2018-12-31')).toBe(false);
    expect(prcCalendar.isOfficial('2025-12-30')).toBe(true);
  });
});

describe('prcCalendar 2026 (国办发明电〔2025〕7号)', () => {
  const daysOff2026 = [
    ...datesBetween('2026-01-01', '2026-01-03'),
    ...datesBetween('2026-02-15', '2026-02-23'),
    ...datesBetween('2026-04-04', '2026-04-06'),
    ...datesBetween('2026-05-01', '2026-05-05'),
    ...datesBetween('2026-06-19', '2026-06-21'),
    ...datesBetween('2026-09-25', '2026-09-27'),
    ...datesBetween('2026-10-01', '2026-10-07'),
  ];
  const swappedWorkingDays2026 = ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'];

  it('has every public holiday off', () => {
    for (const date of daysOff2026) expect(prcCalendar.isWorkingDay(date), date).toBe(false);
  });

  it('works the 调休 weekend days, including Saturday 2026-02-14', () => {
    for (const date of swappedWorkingDays2026) expect(prcCalendar.isWorkingDay(date), date).toBe(true);
  });

  it('agrees with the notice on every day of 2026', () => {
    for (const date of datesBetween('2026-01-01', '2026-12-31')) {
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      const expected = swappedWorkingDays2026.includes(date) || (!daysOff2026.includes(date) && weekday >= 1 && weekday <= 5);
      expect(prcCalendar.isWorkingDay(date), date).toBe(expected);
    }
  });

  it('works the first day after National Day', () => {
    expect(prcCalendar.isWorkingDay('2026-09-30')).toBe(true);
    expect(prcCalendar.isWorkingDay('2026-10-08')).toBe(true);
  });
});

describe('prcCalendar outside coverage', () => {
  it('falls back to Monday–Friday', () => {
    expect(prcCalendar.isWorkingDay('2099-06-05')).toBe(true); // Friday
    expect(prcCalendar.isWorkingDay('2099-06-06')).toBe(false); // Saturday
    expect(prcCalendar.isWorkingDay('2099-06-07')).toBe(false); // Sunday
    expect(prcCalendar.isOfficial('2099-06-05')).toBe(false);
  });
});

describe('date validation', () => {
  it('rejects strings that are not real calendar dates', () => {
    expect(() => prcCalendar.isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => prcCalendar.isWorkingDay('2026-9-1')).toThrow(RangeError);
    expect(() => prcCalendar.isWorkingDay('2026-10-01T00:00:00Z')).toThrow(RangeError);
  });
});

describe('createWorkingDayCalendar', () => {
  // Published up to 2026 and no further, as the data stood when this was written.
  const upTo2026 = createWorkingDayCalendar(
    CalendarData.parse({
      holidays: { '2025-01-01': 'New Year', '2026-01-01': 'New Year', '2026-10-01': 'National Day' },
      workdays: { '2026-10-10': 'National Day' },
    }),
  );

  it('treats late December as unofficial until the next year is published', () => {
    expect(upTo2026.coveredYears).toEqual({ first: 2025, last: 2026 });
    expect(upTo2026.isOfficial('2025-12-30')).toBe(true);
    expect(upTo2026.isOfficial('2026-12-24')).toBe(true);
    expect(upTo2026.isOfficial('2026-12-30')).toBe(false);
    expect(upTo2026.isOfficial('2027-03-01')).toBe(false);
  });

  it('counts Monday–Friday in a year the data has no schedule for', () => {
    expect(upTo2026.isWorkingDay('2026-10-01')).toBe(false);
    expect(upTo2026.isWorkingDay('2026-10-10')).toBe(true); // a worked Saturday
    expect(upTo2026.isWorkingDay('2027-01-01')).toBe(true); // a Friday; its holiday is not in this data
    expect(upTo2026.isWorkingDay('2027-01-02')).toBe(false);
  });

  it('does not count a year whose only entries come from the next New Year', () => {
    const calendar = createWorkingDayCalendar(
      CalendarData.parse({
        holidays: { '2018-12-30': 'x', '2018-12-31': 'x', '2019-01-01': 'x' },
        workdays: { '2018-12-29': 'x' },
      }),
    );
    expect(calendar.coveredYears).toEqual({ first: 2019, last: 2019 });
    expect(calendar.covers(2018)).toBe(false);
    expect(calendar.isWorkingDay('2018-12-29')).toBe(true);
  });

  it('rejects data listing a date as both off and worked', () => {
    expect(CalendarData.safeParse({ holidays: { '2026-10-10': 'x' }, workdays: { '2026-10-10': 'x' } }).success).toBe(false);
  });

  it('rejects data with gaps in coverage', () => {
    const data = CalendarData.parse({ holidays: { '2024-01-01': 'x', '2026-01-01': 'x' }, workdays: {} });
    expect(() => createWorkingDayCalendar(data)).toThrow(/gaps/);
  });
});
