// An issue as Verity keeps it: one per (rule, customer) while open, with its deadline and its
// history of changes. The state is the contract between the issue tracker, the operational store,
// the analytics mirror and the issue topic; every TypeScript type here is derived from its schema.
import { z } from 'zod';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export const ISSUE_STATUSES = ['open', 'resolved', 'withdrawn'] as const;
export const IssueStatus = z.enum(ISSUE_STATUSES);
export type IssueStatus = z.infer<typeof IssueStatus>;

const instant = z.iso.datetime({ offset: true });

export const IssueState = z.strictObject({
  issueId: z.string().min(1),
  queue: z.string().min(1),
  ruleId: z.string().min(1),
  ruleVersion: z.int().positive(),
  customerToken: z.string(),
  status: IssueStatus,
  /** '' while open; `corrected-upstream`, `condition-cleared` or `customer-deleted` when the pipeline closed it. */
  resolution: z.string(),
  priority: z.string().min(1),
  severity: Severity,
  openedAt: instant,
  openedByEventId: z.string().min(1),
  dueAt: instant,
  /** The due day in Asia/Shanghai, YYYY-MM-DD. */
  dueDate: z.iso.date(),
  deadlineBasis: z.string().min(1),
  deadlineProvisional: z.boolean(),
  occurrences: z.int().positive(),
  lastEventId: z.string().min(1),
  lastSeenAt: instant,
  updatedAt: instant,
  /** Grows by one per change: the analytics mirror (ReplacingMergeTree(version)) keeps the newest. */
  version: z.int().positive(),
});
export type IssueState = z.infer<typeof IssueState>;

export const ISSUE_CHANGE_KINDS = ['opened', 'updated', 'resolved', 'withdrawn'] as const;
export const IssueChangeKind = z.enum(ISSUE_CHANGE_KINDS);
export type IssueChangeKind = z.infer<typeof IssueChangeKind>;

/** One change of an issue: the audit trail, and the issue topic's payload. */
export const IssueChange = z.strictObject({
  change: IssueChangeKind,
  issue: IssueState,
  /** The upstream event that caused it. */
  eventId: z.string().min(1),
  /** That event's time. */
  occurredAt: instant,
});
export type IssueChange = z.infer<typeof IssueChange>;

/**
 * The SLA clock's notices, in the order an issue reaches them: reminders at 50 % and 80 % of the
 * allowed PRC working time, then the breach (which escalates the issue to the supervisor queue).
 */
export const SLA_NOTICE_KINDS = ['reminder-50', 'reminder-80', 'breached'] as const;
export const SlaNoticeKind = z.enum(SLA_NOTICE_KINDS);
export type SlaNoticeKind = z.infer<typeof SlaNoticeKind>;

/** One notice per issue and kind, sent once: the issue topic's `reminder-50`, `reminder-80` and `breached` changes. */
export interface SlaNotice {
  readonly kind: SlaNoticeKind;
  /** The issue as it stood when the clock reached the notice. */
  readonly issue: IssueState;
  /** Wall-clock time the notice was raised. */
  readonly at: string;
}
