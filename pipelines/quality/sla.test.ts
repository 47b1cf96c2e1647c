import { describe, expect, it } from 'vitest';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import { dueSoonBy, slaNoticeKind } from './sla.ts';

const open = (dueDate: string) => ({ status: 'open' as const, dueDate, dueAt: `${dueDate}T23:59:59.999+08:00` });

describe('dueSoonBy', () => {
  it('is the next PRC working day after today in Shanghai', () => {
    // Friday 2026-09-25 → Monday 2026-09-28.
    expect(dueSoonBy('2026-09-25T03:00:00Z', prcCalendar)).toBe('2026-09-28');
    // 17:00 UTC on Friday is already Saturday in Shanghai: still Monday.
    expect(dueSoonBy('2026-09-25T17:00:00Z', prcCalendar)).toBe('2026-09-28');
    // Wednesday 2026-09-30 → the National Day holiday runs to 10-07; 10-08 is worked.
    expect(dueSoonBy('2026-09-30T03:00:00Z', prcCalendar)).toBe('2026-10-08');
    // Friday 2026-02-13 → the 调休 Saturday 2026-02-14 is a working day.
    expect(dueSoonBy('2026-02-13T03:00:00Z', prcCalendar)).toBe('2026-02-14');
    // Friday 2026-10-09 → Saturday 2026-10-10, worked after National Day.
    expect(dueSoonBy('2026-10-09T03:00:00Z', prcCalendar)).toBe('2026-10-10');
  });
});

describe('slaNoticeKind', () => {
  const now = '2026-09-30T03:00:00Z'; // Wednesday 11:00 in Shanghai, before National Day
  it('is breached once the due time has passed', () => {
    expect(slaNoticeKind(open('2026-09-29'), now, prcCalendar)).toBe('breached');
    // The due time itself is still in time; the next millisecond is not.
    expect(slaNoticeKind(open('2026-09-30'), '2026-09-30T15:59:59.999Z', prcCalendar)).toBe('due-soon');
    expect(slaNoticeKind(open('2026-09-30'), '2026-09-30T16:00:00.000Z', prcCalendar)).toBe('breached');
  });
  it('is due soon on the due day itself and when the due date is the next working day', () => {
    expect(slaNoticeKind(open('2026-09-30'), now, prcCalendar)).toBe('due-soon');
    expect(slaNoticeKind(open('2026-10-05'), now, prcCalendar)).toBe('due-soon'); // inside the holiday
    expect(slaNoticeKind(open('2026-10-08'), now, prcCalendar)).toBe('due-soon');
  });
  it('is nothing while more than one working day is left, or once the issue is closed', () => {
    expect(slaNoticeKind(open('2026-10-09'), now, prcCalendar)).toBeUndefined();
    expect(slaNoticeKind({ ...open('2026-09-29'), status: 'resolved' }, now, prcCalendar)).toBeUndefined();
  });
});
