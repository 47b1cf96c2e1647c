import { describe, expect, it } from 'vitest';
import { addWorkingDays, computeDeadline, shanghaiDate } from './deadlines.ts';
import { CalendarData, createWorkingDayCalendar, prcCalendar } from './prc-calendar.ts';

// Published up to 2026 only, whatever chinese-days ships later: counts into 2027 are guesses here.
const UP_TO_2026 = createWorkingDayCalendar(
  CalendarData.parse({ holidays: { '2026-01-01': 'New Year', '2026-10-01': 'National Day' }, workdays: {} }),
);

describe('shanghaiDate', () => {
  it('takes the calendar date in UTC+8, whatever offset the instant is written in', () => {
    expect(shanghaiDate('2026-09-30T15:59:59.999Z')).toBe('2026-09-30');
    expect(shanghaiDate('2026-09-30T16:00:00Z')).toBe('2026-10-01');
    expect(shanghaiDate('2026-09-30T20:00:00Z')).toBe('2026-10-01');
    expect(shanghaiDate('2026-09-30T11:00:00-05:00')).toBe('2026-10-01');
    expect(shanghaiDate('2026-10-01T00:00:00+08:00')).toBe('2026-10-01');
    expect(shanghaiDate('2026-12-31T16:30:00Z')).toBe('2027-01-01');
  });

  it('agrees with Intl for Asia/Shanghai', () => {
    const format = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
    for (const instant of ['2026-02-13T16:00:00Z', '2026-06-30T23:59:59Z', '2099-06-05T15:59:59Z', '2004-01-01T00:00:00Z']) {
      expect(shanghaiDate(instant), instant).toBe(format.format(new Date(instant)));
    }
  });

  it('does not depend on the host time zone', () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'America/Los_Angeles';
      expect(shanghaiDate('2026-09-30T20:00:00Z')).toBe('2026-10-01');
      process.env.TZ = 'Pacific/Kiritimati';
      expect(shanghaiDate('2026-09-30T15:00:00Z')).toBe('2026-09-30');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('rejects instants without an offset', () => {
    expect(() => shanghaiDate('2026-09-30T20:00:00')).toThrow(RangeError);
    expect(() => shanghaiDate('2026-09-30')).toThrow(RangeError);
    expect(() => shanghaiDate('yesterday')).toThrow(RangeError);
  });
});

describe('addWorkingDays', () => {
  it('counts each (date, n) once per calendar, and never answers one calendar with the count of another', () => {
    const asked: string[] = [];
    const weekdaysOnly = (offDays: readonly string[]) => ({
      ...prcCalendar,
      isOfficial: () => true,
      isWorkingDay: (date: string) => (asked.push(date), !offDays.includes(date) && ![0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay())),
    });
    const plain = weekdaysOnly([]);
    const holiday = weekdaysOnly(['2031-03-04']);
    expect(addWorkingDays('2031-03-03', 1, plain)).toEqual({ date: '2031-03-04', provisional: false });
    const walked = asked.length;
    expect(addWorkingDays('2031-03-03', 1, plain)).toEqual({ date: '2031-03-04', provisional: false });
    expect(asked.length).toBe(walked);
    expect(addWorkingDays('2031-03-03', 1, holiday)).toEqual({ date: '2031-03-05', provisional: false });
    expect(() => addWorkingDays('2031-02-30', 1, plain)).toThrow(RangeError);
    expect(() => addWorkingDays('2031-02-30', 1, plain)).toThrow(RangeError);
  });
  it('counts from the day after the opening day', () => {
    expect(addWorkingDays('2026-03-02', 0, prcCalendar)).toEqual({ date: '2026-03-02', provisional: false });
    expect(addWorkingDays('2026-03-02', 1, prcCalendar)).toEqual({ date: '2026-03-03', provisional: false });
    // A Saturday opening day: day 1 is the Monday.
    expect(addWorkingDays('2026-03-07', 1, prcCalendar)).toEqual({ date: '2026-03-09', provisional: false });
  });

  it('skips the Spring Festival and counts both 调休 Saturdays', () => {
    expect(addWorkingDays('2026-02-13', 1, prcCalendar).date).toBe('2026-02-14');
    expect(addWorkingDays('2026-02-13', 2, prcCalendar).date).toBe('2026-02-24');
    expect(addWorkingDays('2026-02-27', 1, prcCalendar).date).toBe('2026-02-28');
  });

  it('is provisional once the count runs into an unpublished year', () => {
    // 2027-01-01 counts as a plain Friday: the 2027 schedule is not in that data.
    expect(addWorkingDays('2026-12-30', 3, UP_TO_2026)).toEqual({ date: '2027-01-04', provisional: true });
    expect(addWorkingDays('2026-12-01', 3, UP_TO_2026)).toEqual({ date: '2026-12-04', provisional: false });
  });

  it('rejects negative or fractional counts', () => {
    expect(() => addWorkingDays('2026-03-02', -1, prcCalendar)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-03-02', 1.5, prcCalendar)).toThrow(RangeError);
  });
});

describe('computeDeadline', () => {
  it('spans the 2026 National Day holiday and ends on the 调休 Saturday', () => {
    // Day 0 Wed 09-30; 10-01..10-07 off; 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat worked (3).
    const deadline = computeDeadline([{ workingDays: 3 }], { occurredAt: '2026-09-30T10:00:00+08:00' }, prcCalendar);
    expect(deadline).toEqual({
      dueDate: '2026-10-10',
      dueAt: '2026-10-10T23:59:59.999+08:00',
      basis: 'working-days:3',
      provisional: false,
      candidates: [{ basis: 'working-days:3', dueDate: '2026-10-10', provisional: false }],
    });
  });

  it('counts the 调休 Saturday 2026-02-14 as a working day', () => {
    const deadline = computeDeadline([{ workingDays: 1 }], { occurredAt: '2026-02-13T09:30:00+08:00' }, prcCalendar);
    expect(deadline?.dueDate).toBe('2026-02-14');
    expect(deadline?.dueAt).toBe('2026-02-14T23:59:59.999+08:00');
  });

  it('lets an earlier cooling-off end beat the working-day deadline', () => {
    const deadline = computeDeadline(
      [{ workingDays: 3 }, { policyField: 'coolingOffEnd' }],
      { occurredAt: '2026-09-30T10:00:00+08:00', policy: { receivedAt: '2026-09-20', coolingOffDays: 15 } },
      prcCalendar,
    );
    expect(deadline).toEqual({
      dueDate: '2026-10-05',
      dueAt: '2026-10-05T23:59:59.999+08:00',
      basis: 'cooling-off-end',
      provisional: false,
      candidates: [
        { basis: 'working-days:3', dueDate: '2026-10-10', provisional: false },
        { basis: 'cooling-off-end', dueDate: '2026-10-05', provisional: false },
      ],
    });
  });

  it('ignores a cooling-off period that ended before the opening day, and keeps one ending on it', () => {
    const policies = [{ workingDays: 3 }, { policyField: 'coolingOffEnd' }] as const;
    const over = computeDeadline(policies, { occurredAt: '2026-11-20T10:00:00+08:00', policy: { receivedAt: '2026-11-01', coolingOffDays: 15 } }, prcCalendar);
    expect(over?.basis).toBe('working-days:3');
    expect(over?.dueDate).toBe('2026-11-25');
    expect(over?.candidates).toHaveLength(1);
    const today = computeDeadline(policies, { occurredAt: '2026-11-16T10:00:00+08:00', policy: { receivedAt: '2026-11-01', coolingOffDays: 15 } }, prcCalendar);
    expect(today).toMatchObject({ basis: 'cooling-off-end', dueDate: '2026-11-16' });
  });

  it('skips the cooling-off policy when the policy has no receivedAt', () => {
    const policies = [{ workingDays: 3 }, { policyField: 'coolingOffEnd' }] as const;
    const deadline = computeDeadline(policies, { occurredAt: '2026-09-30T10:00:00+08:00', policy: { coolingOffDays: 15 } }, prcCalendar);
    expect(deadline?.basis).toBe('working-days:3');
    expect(deadline?.candidates).toHaveLength(1);
  });

  it('returns null when no policy applies', () => {
    const coolingOffOnly = [{ policyField: 'coolingOffEnd' }] as const;
    expect(computeDeadline(coolingOffOnly, { occurredAt: '2026-09-30T10:00:00+08:00' }, prcCalendar)).toBeNull();
    expect(computeDeadline(coolingOffOnly, { occurredAt: '2026-09-30T10:00:00+08:00', policy: { receivedAt: '2026-09-20' } }, prcCalendar)).toBeNull();
    expect(computeDeadline([], { occurredAt: '2026-09-30T10:00:00+08:00' }, prcCalendar)).toBeNull();
  });

  it('adds calendar days across a month end, holidays included', () => {
    const deadline = computeDeadline([{ calendarDays: 30 }], { occurredAt: '2026-01-31T12:00:00+08:00' }, prcCalendar);
    expect(deadline).toMatchObject({ dueDate: '2026-03-02', basis: 'calendar-days:30', provisional: false });
    expect(computeDeadline([{ calendarDays: 3 }], { occurredAt: '2026-09-30T10:00:00+08:00' }, prcCalendar)?.dueDate).toBe('2026-10-03');
  });

  it('opens on the Shanghai date when the event is late in the UTC day', () => {
    // 2026-09-30T20:00Z is 2026-10-01 04:00 in Shanghai.
    const deadline = computeDeadline([{ calendarDays: 1 }, { workingDays: 1 }], { occurredAt: '2026-09-30T20:00:00Z' }, prcCalendar);
    expect(deadline?.candidates).toEqual([
      { basis: 'calendar-days:1', dueDate: '2026-10-02', provisional: false },
      { basis: 'working-days:1', dueDate: '2026-10-08', provisional: false },
    ]);
    expect(deadline?.dueDate).toBe('2026-10-02');
  });

  it('counts weekdays and flags the result provisional outside the data (2099)', () => {
    // Fri 2099-06-05 → Mon (1), Tue (2), Wed 2099-06-10 (3).
    const deadline = computeDeadline([{ workingDays: 3 }], { occurredAt: '2099-06-05T10:00:00+08:00' }, prcCalendar);
    expect(deadline).toMatchObject({ dueDate: '2099-06-10', basis: 'working-days:3', provisional: true });
  });

  it('is provisional when any working-day candidate is, even if another wins', () => {
    const deadline = computeDeadline([{ workingDays: 20 }, { calendarDays: 1 }], { occurredAt: '2026-12-20T10:00:00+08:00' }, UP_TO_2026);
    expect(deadline?.basis).toBe('calendar-days:1');
    expect(deadline?.provisional).toBe(true);
  });

  it('breaks ties working days first, then calendar days, then cooling-off', () => {
    // Mon 2026-03-02: 3 working days and 3 calendar days both land on Thu 03-05; so does 02-18 + 15.
    const input = { occurredAt: '2026-03-02T10:00:00+08:00', policy: { receivedAt: '2026-02-18', coolingOffDays: 15 } };
    const all = computeDeadline([{ policyField: 'coolingOffEnd' }, { calendarDays: 3 }, { workingDays: 3 }], input, prcCalendar);
    expect(all?.candidates.map((candidate) => candidate.dueDate)).toEqual(['2026-03-05', '2026-03-05', '2026-03-05']);
    expect(all?.basis).toBe('working-days:3');
    expect(computeDeadline([{ policyField: 'coolingOffEnd' }, { calendarDays: 3 }], input, prcCalendar)?.basis).toBe('calendar-days:3');
  });

  it('rejects an occurredAt without an offset', () => {
    expect(() => computeDeadline([{ workingDays: 3 }], { occurredAt: '2026-09-30T10:00:00' }, prcCalendar)).toThrow(RangeError);
  });
});
