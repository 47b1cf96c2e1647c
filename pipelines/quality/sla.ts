// Where an open issue stands against its deadline, on the wall clock: due soon once at most one
// PRC working day is left (its due date is today or the next working day in Asia/Shanghai),
// breached once its due time has passed. Deadlines are counted in event time; these two are
// about whether stewards act in time, which only the wall clock can say. Pure: no I/O.
import type { CalendarDate } from '../calendar/calendar-date.ts';
import { addWorkingDays, shanghaiDate } from '../calendar/deadlines.ts';
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import { isActive, type IssueState } from '../contract/issue.ts';

export { SLA_NOTICE_KINDS, type SlaNotice, type SlaNoticeKind } from '../contract/issue.ts';
import type { SlaNoticeKind } from '../contract/issue.ts';

/** The last due date that counts as due soon at `now`: the next working day after today. */
export function dueSoonBy(now: string, calendar: WorkingDayCalendar): CalendarDate {
  return addWorkingDays(shanghaiDate(now), 1, calendar).date;
}

/** The notice an issue has reached at `now`, if any; breached wins over due soon. */
export function slaNoticeKind(issue: Pick<IssueState, 'status' | 'dueAt' | 'dueDate'>, now: string, calendar: WorkingDayCalendar): SlaNoticeKind | undefined {
  if (!isActive(issue.status)) return undefined;
  if (Date.parse(issue.dueAt) < Date.parse(now)) return 'breached';
  return issue.dueDate <= dueSoonBy(now, calendar) ? 'due-soon' : undefined;
}
