// Working time on the official PRC calendar as chinese-days has 2026: National Day 10-01..10-07 off
// (10-08, a Thursday, is worked), the 调休 working days Sunday 09-20 and Saturday 10-10, the
// Spring Festival 02-15..02-23 off with Saturdays 02-14 and 02-28 worked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prcCalendar } from './prc-calendar.ts';
import {
  addWorkingMs,
  addWorkingMsMs,
  allowedWorkingMs,
  instantMs,
  pausedWorkingMs,
  shanghaiIso,
  shiftDueAfterPause,
  usedFraction,
  workingMsBetween,
  workingMsBetweenMs,
} from './working-time.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const cal = prcCalendar;

describe('workingMsBetween', () => {
  it('counts whole Shanghai working days and nothing of days off', () => {
    // Wed 09-30 10:00 → Sat 10-10 end: 14 h of 09-30, none of 10-01..10-07, 10-08, 10-09, 10-10 whole.
    expect(workingMsBetween('2026-09-30T10:00:00+08:00', '2026-10-11T00:00:00+08:00', cal)).toBe(14 * HOUR + 3 * DAY);
    // The whole National Day holiday is worth nothing.
    expect(workingMsBetween('2026-10-01T00:00:00+08:00', '2026-10-08T00:00:00+08:00', cal)).toBe(0);
    // Thursday 10-08 is the first working day after it.
    expect(workingMsBetween('2026-10-07T12:00:00+08:00', '2026-10-08T12:00:00+08:00', cal)).toBe(12 * HOUR);
  });

  it('counts the 调休 working weekend days of 2026', () => {
    for (const day of ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']) {
      expect(workingMsBetween(`${day}T00:00:00+08:00`, `${day}T23:59:59.999+08:00`, cal), day).toBe(DAY - 1);
    }
    // An ordinary weekend counts nothing: Sat 10-17 and Sun 10-18.
    expect(workingMsBetween('2026-10-17T00:00:00+08:00', '2026-10-19T00:00:00+08:00', cal)).toBe(0);
  });

  it('reads instants in any offset, on Shanghai days', () => {
    // 2026-09-30T16:00Z is 10-01 00:00 in Shanghai: the holiday has begun.
    expect(workingMsBetween('2026-09-30T15:00:00Z', '2026-09-30T18:00:00Z', cal)).toBe(HOUR);
    expect(workingMsBetween('2026-09-30T02:00:00-05:00', '2026-09-30T03:00:00-05:00', cal)).toBe(HOUR);
  });

  it('is 0 for an empty or reversed interval, and rejects instants without an offset', () => {
    expect(workingMsBetween('2026-09-30T10:00:00+08:00', '2026-09-30T10:00:00+08:00', cal)).toBe(0);
    expect(workingMsBetween('2026-09-30T11:00:00+08:00', '2026-09-30T10:00:00+08:00', cal)).toBe(0);
    expect(() => workingMsBetween('2026-09-30T10:00:00', '2026-09-30T11:00:00Z', cal)).toThrow(RangeError);
  });
});

describe('addWorkingMs', () => {
  it('skips the National Day holiday and lands on the worked Saturday', () => {
    // Two days from Wed 09-30 00:00: 09-30 and 10-08 → the end of 10-08.
    expect(addWorkingMs('2026-09-30T00:00:00+08:00', 2 * DAY, cal)).toBe('2026-10-09T00:00:00.000+08:00');
    // One day and an hour from Fri 10-09 12:00: the rest of 10-09, all of 10-10 (worked) is too much.
    expect(addWorkingMs('2026-10-09T12:00:00+08:00', 13 * HOUR, cal)).toBe('2026-10-10T01:00:00.000+08:00');
    // From inside the holiday, the count starts on 10-08.
    expect(addWorkingMs('2026-10-03T15:00:00+08:00', HOUR, cal)).toBe('2026-10-08T01:00:00.000+08:00');
  });

  it('rejects negative amounts', () => {
    expect(() => addWorkingMs('2026-10-03T15:00:00+08:00', -1, cal)).toThrow(RangeError);
  });
});

describe('usedFraction', () => {
  // Opened Wed 09-30 10:00 with 3 working days: due Sat 10-10 at the end of the day.
  const issue = { openedAt: '2026-09-30T10:00:00+08:00', dueAt: '2026-10-10T23:59:59.999+08:00', pausedSince: '' };
  const allowed = 14 * HOUR + 3 * DAY - 1;

  it('is 0 at the opening, stands still over the holiday and is 1 at the due time', () => {
    expect(allowedWorkingMs(issue, 0, cal)).toBe(allowed);
    expect(usedFraction(issue, 0, issue.openedAt, cal)).toBe(0);
    const beforeHoliday = usedFraction(issue, 0, '2026-10-01T00:00:00+08:00', cal);
    expect(beforeHoliday).toBeCloseTo((14 * HOUR) / allowed, 12);
    expect(usedFraction(issue, 0, '2026-10-07T23:59:59+08:00', cal)).toBe(beforeHoliday);
    expect(usedFraction(issue, 0, issue.dueAt, cal)).toBe(1);
    expect(usedFraction(issue, 0, '2026-10-12T09:00:00+08:00', cal)).toBeGreaterThan(1);
  });

  it('reaches 50 % on Friday 10-09 and 80 % on the worked Saturday 10-10', () => {
    // 86 h allowed: 14 h on 09-30, 24 h on 10-08, then 5 h into 10-09 make 43 h.
    const at50 = addWorkingMs(issue.openedAt, Math.ceil(allowed * 0.5), cal);
    const at80 = addWorkingMs(issue.openedAt, Math.ceil(allowed * 0.8), cal);
    expect(at50).toBe('2026-10-09T05:00:00.000+08:00');
    expect(at80.slice(0, 10)).toBe('2026-10-10');
    // The first millisecond at or past each share.
    for (const [at, share] of [[at50, 0.5], [at80, 0.8]] as const) {
      expect(usedFraction(issue, 0, at, cal)).toBeGreaterThanOrEqual(share);
      expect(usedFraction(issue, 0, shanghaiIso(instantMs(at) - 1), cal)).toBeLessThan(share);
    }
  });

  it('stands still while paused and leaves ended pauses out', () => {
    const paused = { ...issue, pausedSince: '2026-10-08T00:00:00+08:00' };
    const atPause = usedFraction(issue, 0, paused.pausedSince, cal);
    expect(usedFraction(paused, 0, '2026-10-20T00:00:00+08:00', cal)).toBe(atPause);
    // Resumed a working day later: the due time moves by a working day, and the share is the same.
    const shifted = shiftDueAfterPause(issue.dueAt, paused.pausedSince, '2026-10-09T00:00:00+08:00', cal);
    expect(shifted).toEqual({ dueAt: '2026-10-12T23:59:59.999+08:00', dueDate: '2026-10-12', pausedMs: DAY });
    const resumed = { ...issue, dueAt: shifted.dueAt };
    expect(usedFraction(resumed, DAY, '2026-10-09T00:00:00+08:00', cal)).toBeCloseTo(atPause, 12);
    expect(allowedWorkingMs(resumed, DAY, cal)).toBe(allowed);
    expect(usedFraction(resumed, DAY, shifted.dueAt, cal)).toBe(1);
  });

  it('is 0 then 1 for an issue allowed no working time', () => {
    const holiday = { openedAt: '2026-10-03T10:00:00+08:00', dueAt: '2026-10-03T23:59:59.999+08:00', pausedSince: '' };
    expect(usedFraction(holiday, 0, '2026-10-03T20:00:00+08:00', cal)).toBe(0);
    expect(usedFraction(holiday, 0, holiday.dueAt, cal)).toBe(1);
  });
});

describe('shiftDueAfterPause', () => {
  it('does not move the due time for a pause over days off only', () => {
    const shifted = shiftDueAfterPause('2026-10-09T23:59:59.999+08:00', '2026-10-01T09:00:00+08:00', '2026-10-07T18:00:00+08:00', cal);
    expect(shifted).toEqual({ dueAt: '2026-10-09T23:59:59.999+08:00', dueDate: '2026-10-09', pausedMs: 0 });
  });

  it('moves a due time on 09-30 over the holiday to 10-08 for one working day paused', () => {
    const shifted = shiftDueAfterPause('2026-09-30T23:59:59.999+08:00', '2026-09-29T00:00:00+08:00', '2026-09-30T00:00:00+08:00', cal);
    expect(shifted).toEqual({ dueAt: '2026-10-08T23:59:59.999+08:00', dueDate: '2026-10-08', pausedMs: DAY });
  });

  it('sums ended pauses', () => {
    expect(
      pausedWorkingMs(
        [
          { from: '2026-09-29T10:00:00+08:00', to: '2026-09-29T12:00:00+08:00' },
          { from: '2026-09-30T20:00:00+08:00', to: '2026-10-08T01:00:00+08:00' },
        ],
        cal,
      ),
    ).toBe(2 * HOUR + 4 * HOUR + HOUR);
  });
});

// Instants from 2025-12-01 to 2027-01-31: both ends of 2026, every holiday and 调休 day in between.
const FROM = Date.parse('2025-12-01T00:00:00+08:00');
const TO = Date.parse('2027-01-31T00:00:00+08:00');
const anInstant = fc.integer({ min: FROM, max: TO });
const anIso = anInstant.map(shanghaiIso);
const aSpan = fc.integer({ min: 0, max: 40 * DAY });

describe('properties', () => {
  it('workingMsBetween is additive and bounded by the wall-clock span', () => {
    fc.assert(
      fc.property(anInstant, aSpan, aSpan, (a, s1, s2) => {
        const b = a + s1;
        const c = b + s2;
        const ab = workingMsBetweenMs(a, b, cal);
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(s1);
        expect(workingMsBetweenMs(a, c, cal)).toBe(ab + workingMsBetweenMs(b, c, cal));
      }),
    );
  });

  it('addWorkingMs inverts workingMsBetween and is the earliest such instant', () => {
    fc.assert(
      fc.property(anInstant, aSpan, (a, ms) => {
        const t = addWorkingMsMs(a, ms, cal);
        expect(t).toBeGreaterThanOrEqual(a);
        expect(workingMsBetweenMs(a, t, cal)).toBe(ms);
        if (ms > 0) expect(workingMsBetweenMs(a, t - 1, cal)).toBeLessThan(ms);
      }),
    );
  });

  const anIssue = fc
    .tuple(anInstant, fc.integer({ min: 1, max: 20 }))
    .map(([opened, days]) => {
      const openedAt = shanghaiIso(opened);
      const dueAt = addWorkingMs(openedAt, days * DAY, cal);
      return { openedAt, dueAt, pausedSince: '' };
    });

  it('usedFraction is monotone in now, 0 at the opening and 1 at the due time', () => {
    fc.assert(
      fc.property(anIssue, aSpan, aSpan, (issue, s1, s2) => {
        const opened = instantMs(issue.openedAt);
        const t1 = shanghaiIso(opened + s1);
        const t2 = shanghaiIso(opened + s1 + s2);
        expect(usedFraction(issue, 0, t1, cal)).toBeLessThanOrEqual(usedFraction(issue, 0, t2, cal));
        expect(usedFraction(issue, 0, issue.openedAt, cal)).toBe(0);
        expect(usedFraction(issue, 0, issue.dueAt, cal)).toBe(1);
      }),
    );
  });

  it('a pause never shortens the deadline, and leaves the used share where the pause began', () => {
    fc.assert(
      fc.property(anIssue, aSpan, aSpan, anIso, (issue, into, length, later) => {
        const pausedSince = shanghaiIso(instantMs(issue.openedAt) + into);
        const resumedAt = shanghaiIso(instantMs(pausedSince) + length);
        const shifted = shiftDueAfterPause(issue.dueAt, pausedSince, resumedAt, cal);
        expect(instantMs(shifted.dueAt)).toBeGreaterThanOrEqual(instantMs(issue.dueAt));
        const before = usedFraction(issue, 0, pausedSince, cal);
        expect(usedFraction({ ...issue, pausedSince }, 0, later < pausedSince ? pausedSince : resumedAt, cal)).toBe(before);
        const resumed = { ...issue, dueAt: shifted.dueAt };
        expect(usedFraction(resumed, shifted.pausedMs, resumedAt, cal)).toBeCloseTo(before, 9);
        expect(usedFraction(resumed, shifted.pausedMs, shifted.dueAt, cal)).toBe(1);
        expect(allowedWorkingMs(resumed, shifted.pausedMs, cal)).toBe(allowedWorkingMs(issue, 0, cal));
      }),
    );
  });
});
