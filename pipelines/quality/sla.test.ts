// When the SLA clock's notices are due, on the 2026 PRC calendar: National Day 10-01..10-07 off,
// Thursday 10-08 and the 调休 Saturday 10-10 worked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import { addWorkingMs, instantMs, shanghaiIso, shiftDueAfterPause } from '../calendar/working-time.ts';
import { slaNoticeKind, slaNoticeOfChange, slaNoticeToRaise, slaRank, type SlaNoticeKind } from './sla.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const cal = prcCalendar;
const none = { pauses: [] };

// Opened Wed 09-30 10:00 with 3 working days: due at the end of Saturday 10-10. Allowed: 14 h on
// 09-30, 10-08, 10-09 and 10-10: 86 h (less the due time's last millisecond).
const issue = { status: 'open' as const, openedAt: '2026-09-30T10:00:00+08:00', dueAt: '2026-10-10T23:59:59.999+08:00', pausedSince: '' };

describe('slaNoticeKind', () => {
  it('raises nothing before half the allowed working time, however long the holiday', () => {
    expect(slaNoticeKind(issue, none, '2026-09-30T23:00:00+08:00', cal)).toBeUndefined();
    expect(slaNoticeKind(issue, none, '2026-10-07T23:00:00+08:00', cal)).toBeUndefined();
    // 14 h + 24 h on 10-08 = 38 h of 86: still under half.
    expect(slaNoticeKind(issue, none, '2026-10-09T04:59:00+08:00', cal)).toBeUndefined();
  });

  it('reminds at 50 % on Friday 10-09 and at 80 % on the worked Saturday 10-10', () => {
    expect(slaNoticeKind(issue, none, '2026-10-09T05:00:00+08:00', cal)).toBe('reminder-50');
    expect(slaNoticeKind(issue, none, '2026-10-10T06:47:00+08:00', cal)).toBe('reminder-50');
    expect(slaNoticeKind(issue, none, '2026-10-10T06:49:00+08:00', cal)).toBe('reminder-80');
    expect(slaNoticeKind(issue, none, issue.dueAt, cal)).toBe('reminder-80');
  });

  it('is breached from the millisecond after the due time', () => {
    expect(slaNoticeKind(issue, none, '2026-10-10T16:00:00.000Z', cal)).toBe('breached');
    expect(slaNoticeKind(issue, none, '2026-10-12T09:00:00+08:00', cal)).toBe('breached');
  });

  it('raises nothing for a closed issue, and nothing while paused', () => {
    expect(slaNoticeKind({ ...issue, status: 'resolved' }, none, '2026-10-12T09:00:00+08:00', cal)).toBeUndefined();
    expect(slaNoticeKind({ ...issue, status: 'withdrawn' }, none, '2026-10-12T09:00:00+08:00', cal)).toBeUndefined();
    expect(slaNoticeKind({ ...issue, pausedSince: '2026-10-09T09:00:00+08:00' }, none, '2026-10-12T09:00:00+08:00', cal)).toBeUndefined();
  });

  it('after a resume, counts from the shifted due time and leaves the pause out', () => {
    // Paused Friday 10-09 09:00 waiting for documents, resumed Monday 10-12 09:00: 15 h of 10-09,
    // 24 h of Saturday 10-10 (worked) and 9 h of 10-12 = 48 h paused.
    const pause = { from: '2026-10-09T09:00:00+08:00', to: '2026-10-12T09:00:00+08:00' };
    const shifted = shiftDueAfterPause(issue.dueAt, pause.from, pause.to, cal);
    expect(shifted).toEqual({ dueAt: '2026-10-13T23:59:59.999+08:00', dueDate: '2026-10-13', pausedMs: 48 * HOUR });
    const resumed = { ...issue, dueAt: shifted.dueAt };
    // 47 h were used before the pause (50 % already); 80 % is 68.8 h: 15 h of 10-12 after the
    // resume, then 6.8 h into 10-13.
    expect(slaNoticeKind(resumed, { pauses: [pause] }, '2026-10-12T09:00:00+08:00', cal)).toBe('reminder-50');
    expect(slaNoticeKind(resumed, { pauses: [pause] }, '2026-10-13T06:47:00+08:00', cal)).toBe('reminder-50');
    expect(slaNoticeKind(resumed, { pauses: [pause] }, '2026-10-13T06:49:00+08:00', cal)).toBe('reminder-80');
    expect(slaNoticeKind(resumed, { pauses: [pause] }, '2026-10-13T23:59:59.999+08:00', cal)).toBe('reminder-80');
    expect(slaNoticeKind(resumed, { pauses: [pause] }, '2026-10-14T00:00:00+08:00', cal)).toBe('breached');
  });
});

describe('slaNoticeToRaise', () => {
  const late = '2026-10-12T09:00:00+08:00';
  it('raises the furthest notice reached, once', () => {
    expect(slaNoticeToRaise(issue, { ...none, had: [] }, '2026-10-09T06:00:00+08:00', cal)).toBe('reminder-50');
    expect(slaNoticeToRaise(issue, { ...none, had: ['reminder-50'] }, '2026-10-09T06:00:00+08:00', cal)).toBeUndefined();
    expect(slaNoticeToRaise(issue, { ...none, had: ['reminder-50'] }, '2026-10-10T12:00:00+08:00', cal)).toBe('reminder-80');
    expect(slaNoticeToRaise(issue, { ...none, had: ['reminder-50', 'reminder-80'] }, late, cal)).toBe('breached');
    expect(slaNoticeToRaise(issue, { ...none, had: ['reminder-50', 'reminder-80', 'breached'] }, late, cal)).toBeUndefined();
  });

  it('raises only the breach for an issue first seen past its due time', () => {
    expect(slaNoticeToRaise(issue, { ...none, had: [] }, late, cal)).toBe('breached');
    expect(slaNoticeToRaise(issue, { ...none, had: ['breached'] }, late, cal)).toBeUndefined();
  });

  it('over any sequence of sweeps, raises each kind at most once and in order, ending with the breach', () => {
    const anIssue = fc
      .tuple(fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-12-01T00:00:00Z') }), fc.integer({ min: 1, max: 15 }))
      .map(([opened, days]) => {
        const openedAt = shanghaiIso(opened);
        return { status: 'open' as const, openedAt, dueAt: addWorkingMs(openedAt, days * DAY, cal), pausedSince: '' };
      });
    fc.assert(
      fc.property(anIssue, fc.array(fc.integer({ min: 1, max: 3 * DAY }), { minLength: 1, maxLength: 40 }), (subject, steps) => {
        const had: SlaNoticeKind[] = [];
        let now = instantMs(subject.openedAt);
        for (const step of [...steps, 60 * DAY]) {
          now += step;
          const kind = slaNoticeToRaise(subject, { ...none, had }, shanghaiIso(now), cal);
          if (kind) had.push(kind);
        }
        expect(had.map(slaRank)).toEqual([...had.map(slaRank)].sort());
        expect(new Set(had).size).toBe(had.length);
        expect(had.at(-1)).toBe('breached');
      }),
    );
  });
});

describe('slaNoticeOfChange', () => {
  it("is the notice for the clock's changes and nothing for the others", () => {
    const state = { issueId: 'i1' } as never;
    expect(slaNoticeOfChange({ change: 'reminder-80', issue: state, occurredAt: '2026-10-10T01:00:00.000Z' })).toEqual({ kind: 'reminder-80', issue: state, at: '2026-10-10T01:00:00.000Z' });
    expect(slaNoticeOfChange({ change: 'breached', issue: state, occurredAt: '2026-10-11T01:00:00.000Z' })?.kind).toBe('breached');
    expect(slaNoticeOfChange({ change: 'claim', issue: state, occurredAt: '2026-10-11T01:00:00.000Z' })).toBeUndefined();
  });
});
