// Where an active issue stands against its deadline, on the wall clock: a reminder once 50 % and
// once 80 % of its allowed working time is used, breached once its due time has passed. Allowed
// time is PRC working time (Asia/Shanghai, 调休 days worked, holidays not) from the opening to the
// due time, less the time the clock was paused with a recorded reason; while paused nothing is
// raised. Deadlines are counted in event time; whether stewards act in time is something only the
// wall clock can say. Pure: no I/O.
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import { instantMs, pausedWorkingMs, usedFraction, type PauseInterval } from '../calendar/working-time.ts';
import { isActive, type IssueChange, type IssueState } from '../contract/issue.ts';

export { SLA_NOTICE_KINDS, type SlaNotice, type SlaNoticeKind } from '../contract/issue.ts';
import { SLA_NOTICE_KINDS, type SlaNotice, type SlaNoticeKind } from '../contract/issue.ts';

/** The share of the allowed time at which each reminder is due. */
export const REMINDER_SHARES = { 'reminder-50': 0.5, 'reminder-80': 0.8 } as const;


/** What the clock needs of an issue: `pausedSince` is '' (or absent) unless paused now. */
export type SlaIssue = Pick<IssueState, 'status' | 'openedAt' | 'dueAt'> & { readonly pausedSince?: string };

/** The issue's SLA facts besides its state: the pauses that ended (their due-time shifts). */
export interface SlaHistory {
  readonly pauses: readonly PauseInterval[];
}

/** Rank of a kind: a later kind makes the earlier ones moot. */
export const slaRank = (kind: SlaNoticeKind): number => SLA_NOTICE_KINDS.indexOf(kind);

/**
 * The furthest notice the issue has reached at `now`, if any: breached once `now` is past the
 * due time (the due time itself is still in time), else the highest reminder whose share of the
 * allowed working time is used. Closed and paused issues reach nothing.
 */
export function slaNoticeKind(issue: SlaIssue, history: SlaHistory, now: string, calendar: WorkingDayCalendar): SlaNoticeKind | undefined {
  // Resolved and withdrawn issues are nobody's work any more.
  if (!isActive(issue.status) || issue.pausedSince) return undefined;
  if (instantMs(issue.dueAt) < instantMs(now)) return 'breached';
  const used = usedFraction({ openedAt: issue.openedAt, dueAt: issue.dueAt, pausedSince: '' }, pausedWorkingMs(history.pauses, calendar), now, calendar);
  if (used >= REMINDER_SHARES['reminder-80']) return 'reminder-80';
  if (used >= REMINDER_SHARES['reminder-50']) return 'reminder-50';
  return undefined;
}

/**
 * The notice to raise now, if any: the furthest one reached, unless the issue had it or a later
 * one already. An issue first seen past its due time (say after a long outage) gets `breached`
 * alone, not two stale reminders as well.
 */
export function slaNoticeToRaise(
  issue: SlaIssue,
  history: SlaHistory & { readonly had: Iterable<SlaNoticeKind> },
  now: string,
  calendar: WorkingDayCalendar,
): SlaNoticeKind | undefined {
  const kind = slaNoticeKind(issue, history, now, calendar);
  if (!kind) return undefined;
  const furthest = Math.max(-1, ...[...history.had].map(slaRank));
  return slaRank(kind) > furthest ? kind : undefined;
}

/**
 * The notice a relayed issue change stands for, if it is one of the clock's: the outbox relay
 * writes it to `issue_sla_events` besides `issues`/`issue_events` and the issue topic.
 */
export function slaNoticeOfChange(change: Pick<IssueChange, 'change' | 'issue' | 'occurredAt'>): SlaNotice | undefined {
  const kind = SLA_NOTICE_KINDS.find((k) => k === change.change);
  return kind ? { kind, issue: change.issue, at: change.occurredAt } : undefined;
}
