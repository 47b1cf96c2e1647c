// Working time between instants on the PRC calendar, for the SLA clock: how much of an issue's
// allowed time is used, and how far a pause moves its deadline. A working day counts whole, from
// 00:00 to 24:00 in Asia/Shanghai; a day off (weekend, public holiday) counts nothing, and a 调休
// weekend day that is worked counts like any working day. Whole days, not office hours, because
// deadlines themselves are whole days (due at the end of the Nth working day), so the allowed
// time of an issue is exactly the working days between its opening and its due time.
//
// Pure: no I/O and no wall clock; every instant comes in as an argument.
import { z } from 'zod';
import { DAY_MS, fromEpochDay } from './calendar-date.ts';
import type { CalendarDate } from './calendar-date.ts';
import type { WorkingDayCalendar } from './prc-calendar.ts';

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** Longer than any official run of days off (9–10 days); more means broken calendar data. */
const MAX_DAYS_WITHOUT_WORK = 366;

const Instant = z.iso.datetime({ offset: true });

/** Epoch milliseconds of an ISO-8601 instant that carries `Z` or an offset. */
export function instantMs(isoInstant: string): number {
  const ms = Instant.safeParse(isoInstant).success ? Date.parse(isoInstant) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(`not an ISO-8601 instant with offset (${typeof isoInstant} of length ${String(isoInstant).length})`);
  }
  return ms;
}

/** An instant written in Shanghai time, like the due times: 2026-10-10T23:59:59.999+08:00. */
export function shanghaiIso(ms: number): string {
  const local = new Date(ms + SHANGHAI_OFFSET_MS).toISOString(); // the Shanghai wall time, labelled Z
  return `${local.slice(0, 23)}+08:00`;
}

/** The Shanghai day holding `ms`, as epoch days. */
const shanghaiDay = (ms: number) => Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
/** The instant a Shanghai day starts (00:00 +08:00). */
const dayStart = (day: number) => day * DAY_MS - SHANGHAI_OFFSET_MS;

/**
 * Whether an epoch day is worked, remembered per calendar: a sweep of the SLA clock asks this for
 * every day of every active issue's life, and the answers never change for a given calendar.
 */
const worked = new WeakMap<WorkingDayCalendar, Map<number, boolean>>();
function isWorking(day: number, calendar: WorkingDayCalendar): boolean {
  let days = worked.get(calendar);
  if (!days) worked.set(calendar, (days = new Map()));
  let answer = days.get(day);
  if (answer === undefined) days.set(day, (answer = calendar.isWorkingDay(fromEpochDay(day) as CalendarDate)));
  return answer;
}

/** Working milliseconds in [fromMs, toMs); 0 when `to` is not after `from`. */
export function workingMsBetweenMs(fromMs: number, toMs: number, calendar: WorkingDayCalendar): number {
  if (!(toMs > fromMs)) return 0;
  let total = 0;
  for (let day = shanghaiDay(fromMs), last = shanghaiDay(toMs); day <= last; day++) {
    if (!isWorking(day, calendar)) continue;
    const start = Math.max(fromMs, dayStart(day));
    const end = Math.min(toMs, dayStart(day + 1));
    if (end > start) total += end - start;
  }
  return total;
}

/** Working milliseconds between two instants (half-open: `from` counts, `to` does not). */
export function workingMsBetween(from: string, to: string, calendar: WorkingDayCalendar): number {
  return workingMsBetweenMs(instantMs(from), instantMs(to), calendar);
}

/**
 * The earliest instant at which `ms` working milliseconds have passed since `fromMs`: so
 * `workingMsBetweenMs(fromMs, result) === ms`. Never before `fromMs`; 0 gives `fromMs` itself.
 */
export function addWorkingMsMs(fromMs: number, ms: number, calendar: WorkingDayCalendar): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`working time to add must be a non-negative number, got ${ms}`);
  let remaining = ms;
  if (remaining === 0) return fromMs;
  let idle = 0;
  for (let day = shanghaiDay(fromMs); ; day++) {
    if (!isWorking(day, calendar)) {
      if (++idle > MAX_DAYS_WITHOUT_WORK) throw new Error(`no working day in the ${MAX_DAYS_WITHOUT_WORK} days after ${fromEpochDay(day - idle)}`);
      continue;
    }
    idle = 0;
    const start = Math.max(fromMs, dayStart(day));
    const available = dayStart(day + 1) - start;
    if (remaining <= available) return start + remaining;
    remaining -= available;
  }
}

/** `from` plus `ms` working milliseconds, written in Shanghai time. */
export function addWorkingMs(from: string, ms: number, calendar: WorkingDayCalendar): string {
  return shanghaiIso(addWorkingMsMs(instantMs(from), ms, calendar));
}

/** A pause of the SLA clock: from its start to its end (its resume). */
export interface PauseInterval {
  readonly from: string;
  readonly to: string;
}

/** The working time covered by ended pauses: how far they moved the due time, together. */
export function pausedWorkingMs(pauses: readonly PauseInterval[], calendar: WorkingDayCalendar): number {
  return pauses.reduce((sum, p) => sum + workingMsBetween(p.from, p.to, calendar), 0);
}

/** What the SLA maths needs of an issue. */
export interface SlaTimes {
  readonly openedAt: string;
  /** The due time, already moved by every ended pause. */
  readonly dueAt: string;
  /** '' unless the clock is paused now; the pause's start otherwise. */
  readonly pausedSince: string;
}

/**
 * The allowed working time: from the opening to the due time, less the ended pauses (which moved
 * the due time by exactly that much, so this is the time allowed when the issue opened).
 */
export function allowedWorkingMs(issue: SlaTimes, pausedMs: number, calendar: WorkingDayCalendar): number {
  return Math.max(0, workingMsBetween(issue.openedAt, issue.dueAt, calendar) - pausedMs);
}

/**
 * The share of the allowed working time used at `now`: 0 at the opening, 1 at the due time, above
 * 1 after it. Paused time is not used time: ended pauses (`pausedMs`, their working time together)
 * are left out, and while paused the share stands still at the pause's start. An issue allowed no
 * working time at all (due at the end of a day off it opened on) has used nothing until its due
 * time and all of it from then on.
 */
export function usedFraction(issue: SlaTimes, pausedMs: number, now: string, calendar: WorkingDayCalendar): number {
  const nowMs = instantMs(now);
  const until = issue.pausedSince ? Math.min(nowMs, instantMs(issue.pausedSince)) : nowMs;
  const allowed = allowedWorkingMs(issue, pausedMs, calendar);
  if (allowed === 0) return until >= instantMs(issue.dueAt) ? 1 : 0;
  const used = Math.max(0, workingMsBetweenMs(instantMs(issue.openedAt), until, calendar) - pausedMs);
  return used / allowed;
}

/** Where a resume puts the due time: later by the working time the pause covered. */
export interface ShiftedDue {
  readonly dueAt: string;
  /** The due day in Asia/Shanghai. */
  readonly dueDate: CalendarDate;
  /** The pause's working time: how far the due time moved. */
  readonly pausedMs: number;
}

/**
 * The due time after a pause from `pausedSince` to `resumedAt`: moved on by the pause's working
 * time, never earlier. A pause over days off only moves nothing (no working time was lost). A
 * due time at the end of a working day stays at the end of one when whole days were paused.
 */
export function shiftDueAfterPause(dueAt: string, pausedSince: string, resumedAt: string, calendar: WorkingDayCalendar): ShiftedDue {
  const pausedMs = workingMsBetween(pausedSince, resumedAt, calendar);
  const due = addWorkingMsMs(instantMs(dueAt), pausedMs, calendar);
  const shifted = pausedMs === 0 ? dueAt : shanghaiIso(due);
  return { dueAt: shifted, dueDate: fromEpochDay(shanghaiDay(due)), pausedMs };
}
