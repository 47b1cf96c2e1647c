// The issue topic's contract (dq-issue-event/v1): one message per issue change, key = issueId.
// Consumers (steward tools, ticketing bridges) get tokens and masked metadata only, never raw
// customer data: a customer is identified by its keyed token.
import { z } from 'zod';
import { stableId } from './ids.ts';
import { CustomerTier } from './customer-change.ts';
import { ISSUE_CHANGE_KINDS, IssueStatus, Outcome, Severity, SLA_NOTICE_KINDS, type IssueChange } from './issue.ts';

export const ISSUE_EVENT_SCHEMA = 'dq-issue-event/v1' as const;

// Every issue change, and the clock's notices (`breached` is both: listed once).
const NOTICES_ONLY = SLA_NOTICE_KINDS.filter((k): k is Exclude<typeof k, (typeof ISSUE_CHANGE_KINDS)[number]> => !(ISSUE_CHANGE_KINDS as readonly string[]).includes(k));
export const IssueEventChange = z.enum([...ISSUE_CHANGE_KINDS, ...NOTICES_ONLY]);

const isoDateTime = z.iso.datetime({ offset: true });

export const IssueEvent = z.strictObject({
  schema: z.literal(ISSUE_EVENT_SCHEMA),
  /** Unique per (issue, version, change): consumers de-duplicate re-deliveries on it. */
  eventId: z.string().min(1),
  change: IssueEventChange,
  issueId: z.string().min(1),
  version: z.int().positive(),
  queue: z.string().min(1),
  ruleId: z.string().min(1),
  ruleVersion: z.int().positive(),
  customerToken: z.string().min(1),
  status: IssueStatus,
  /** '' while active. */
  resolution: z.string(),
  /** '' while active; how it was closed (a steward's outcome or the pipeline's). */
  outcome: z.union([z.literal(''), Outcome]),
  /** The steward holding it (a console username), '' when nobody does. */
  assignee: z.string(),
  /** In the supervisors' queue. */
  escalated: z.boolean(),
  tier: CustomerTier,
  priority: z.string().min(1),
  severity: Severity,
  openedAt: isoDateTime,
  dueAt: isoDateTime,
  /** The due day in Asia/Shanghai, YYYY-MM-DD. */
  dueDate: z.iso.date(),
  deadlineBasis: z.string().min(1),
  deadlineProvisional: z.boolean(),
  occurrences: z.int().positive(),
  /**
   * The upstream change event that caused this change (an id, not data). For the clock's
   * `reminder-50`, `reminder-80` and `breached`: the last event that changed the issue.
   */
  triggeringEventId: z.string().min(1),
  /** Event time of the triggering change; for the clock's notices, when the clock noticed. */
  occurredAt: isoDateTime,
});
export type IssueEvent = z.infer<typeof IssueEvent>;

export function issueEventOf(change: IssueChange): IssueEvent {
  const i = change.issue;
  return {
    schema: ISSUE_EVENT_SCHEMA,
    eventId: stableId('issue-event', i.issueId, String(i.version), change.change),
    change: change.change,
    issueId: i.issueId,
    version: i.version,
    queue: i.queue,
    ruleId: i.ruleId,
    ruleVersion: i.ruleVersion,
    customerToken: i.customerToken,
    status: i.status,
    resolution: i.resolution,
    outcome: i.outcome,
    assignee: i.assignee,
    escalated: i.escalated,
    tier: i.tier,
    priority: i.priority,
    severity: i.severity,
    openedAt: i.openedAt,
    dueAt: i.dueAt,
    dueDate: i.dueDate,
    deadlineBasis: i.deadlineBasis,
    deadlineProvisional: i.deadlineProvisional,
    occurrences: i.occurrences,
    triggeringEventId: change.eventId,
    occurredAt: change.occurredAt,
  };
}
