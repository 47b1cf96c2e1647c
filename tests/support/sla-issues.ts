// Issues for the SLA clock's tests (in memory and on PostgreSQL): opened at a Shanghai instant and
// due a number of PRC working days later, as the tracker computes it. Synthetic ids only.
import { computeDeadline } from '../../pipelines/calendar/deadlines.ts';
import { prcCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { lifecycleDefaults, type IssueState } from '../../pipelines/contract/issue.ts';

export function slaIssue(issueId: string, openedAt: string, workingDays: number, extra: Partial<IssueState> = {}): IssueState {
  const deadline = computeDeadline([{ workingDays }], { occurredAt: openedAt }, prcCalendar)!;
  return {
    issueId,
    queue: 'callback-verification',
    ruleId: 'mobile-format',
    ruleVersion: 1,
    customerToken: `ct_${issueId}`,
    status: 'open',
    resolution: '',
    priority: 'P2',
    severity: 'medium',
    openedAt,
    openedByEventId: `ev-${issueId}`,
    dueAt: deadline.dueAt,
    dueDate: deadline.dueDate,
    deadlineBasis: deadline.basis,
    deadlineProvisional: false,
    occurrences: 1,
    lastEventId: `ev-${issueId}`,
    lastSeenAt: openedAt,
    updatedAt: openedAt,
    version: 1,
    ...lifecycleDefaults(),
    ...extra,
  };
}
