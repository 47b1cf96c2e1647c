// An issue as Verity keeps it: at most one ACTIVE per (rule, customer), with its deadline, its
// place in the stewards' lifecycle, and its history of changes. The state is the contract between
// the issue tracker, the stewards' desk, the operational store, the analytics mirror and the issue
// topic; every TypeScript type here is derived from its schema.
import { z } from 'zod';
import { CustomerTier } from './customer-change.ts';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/**
 * `open` (in a queue, nobody holds it) → `claimed` (a steward holds it) → `in-verification` (the
 * steward is calling back) → `resolved`; `withdrawn` when the customer was deleted.
 */
export const ISSUE_STATUSES = ['open', 'claimed', 'in-verification', 'resolved', 'withdrawn'] as const;
export const IssueStatus = z.enum(ISSUE_STATUSES);
export type IssueStatus = z.infer<typeof IssueStatus>;

/** The statuses in which an issue is still being worked: at most one per (rule, customer). */
export const ACTIVE_STATUSES = ['open', 'claimed', 'in-verification'] as const satisfies readonly IssueStatus[];
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];
export const isActive = (status: IssueStatus): status is ActiveStatus => (ACTIVE_STATUSES as readonly IssueStatus[]).includes(status);

/** How a steward closes an issue. */
export const STEWARD_OUTCOMES = ['confirmed-correct', 'corrected', 'legitimate', 'false-positive'] as const;
/** How the pipeline closes one: the condition no longer holds, or the upstream record was fixed; or the customer is gone. */
export const PIPELINE_OUTCOMES = ['condition-cleared', 'corrected-upstream', 'customer-deleted'] as const;
export const OUTCOMES = [...STEWARD_OUTCOMES, ...PIPELINE_OUTCOMES] as const;
export const Outcome = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof Outcome>;
export const StewardOutcome = z.enum(STEWARD_OUTCOMES);
export type StewardOutcome = z.infer<typeof StewardOutcome>;

export { CustomerTier };

const instant = z.iso.datetime({ offset: true });
/** An instant, or '' for none (kept a string so that mirrors and SQL need no nulls). */
const optionalInstant = z.union([z.literal(''), instant]);

export const IssueState = z.strictObject({
  issueId: z.string().min(1),
  queue: z.string().min(1),
  ruleId: z.string().min(1),
  ruleVersion: z.int().positive(),
  customerToken: z.string(),
  status: IssueStatus,
  /** '' while active; the closing reason (the outcome, or `customer-deleted`) once closed. */
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
  /** The steward holding it (a console username), '' when nobody does. */
  assignee: z.string(),
  /** In the supervisors' queue (escalated by a steward or by a breach) until returned. */
  escalated: z.boolean(),
  /** The customer's tier when the issue was last seen: core-tier issues come first. */
  tier: CustomerTier,
  /** When the SLA clock was paused ('' when running), and the recorded reason. */
  pausedSince: optionalInstant,
  pauseReason: z.string(),
  /** Callback attempts recorded so far, and when the next one is due ('' when none is scheduled). */
  callbackAttempts: z.int().nonnegative(),
  nextAttemptAt: optionalInstant,
  /** '' while active; how it was closed. */
  outcome: z.union([z.literal(''), Outcome]),
  /** The customer's source system, channel and agent token: the queues' filters (ids and tokens only). */
  source: z.string(),
  channel: z.string(),
  agentToken: z.string(),
});
export type IssueState = z.infer<typeof IssueState>;

/** The lifecycle fields an issue opens with: nobody holds it, nothing recorded yet. */
export function lifecycleDefaults(context: Partial<Pick<IssueState, 'tier' | 'source' | 'channel' | 'agentToken'>> = {}) {
  return {
    assignee: '',
    escalated: false,
    tier: context.tier ?? 'general',
    pausedSince: '',
    pauseReason: '',
    callbackAttempts: 0,
    nextAttemptAt: '',
    outcome: '',
    source: context.source ?? '',
    channel: context.channel ?? '',
    agentToken: context.agentToken ?? '',
  } satisfies Partial<IssueState>;
}

/**
 * An issue state as stored before the lifecycle fields existed (operational store rows, mirrors),
 * completed with their defaults; its status and resolution give the outcome.
 */
export function withLifecycle(state: Omit<IssueState, keyof ReturnType<typeof lifecycleDefaults>> & Partial<IssueState>): IssueState {
  const outcome = state.outcome ?? (Outcome.safeParse(state.resolution).success ? (state.resolution as Outcome) : '');
  return { ...lifecycleDefaults(), ...state, outcome } as IssueState;
}

/** What the pipeline does to an issue. */
export const PIPELINE_ACTIONS = ['opened', 'updated', 'resolved', 'withdrawn', 'reopened', 'correction-confirmed'] as const;
/** What a steward or a supervisor does (pipelines/stewardship/actions.ts gives their payloads). */
export const STEWARD_ACTIONS = [
  'claim',
  'release',
  'start-verification',
  'record-callback',
  'pause',
  'resume',
  'escalate',
  'return',
  'assign',
  'resolve',
  'approve-reveal',
] as const;
/** What the SLA clock does. */
export const CLOCK_ACTIONS = ['reminder-50', 'reminder-80', 'breached'] as const;
/** What the outbox relay does once a correction left for upstream. */
export const RELAY_ACTIONS = ['correction-sent'] as const;

export const ISSUE_CHANGE_KINDS = [...PIPELINE_ACTIONS, ...STEWARD_ACTIONS, ...CLOCK_ACTIONS, ...RELAY_ACTIONS] as const;
export const IssueChangeKind = z.enum(ISSUE_CHANGE_KINDS);
export type IssueChangeKind = z.infer<typeof IssueChangeKind>;

/** One change of an issue: the audit trail, and the issue topic's payload. */
export const IssueChange = z.strictObject({
  change: IssueChangeKind,
  issue: IssueState,
  /** The upstream event that caused it (for a steward's change: the issue's last event). */
  eventId: z.string().min(1),
  /** That event's time (for a steward's change: when the steward acted). */
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
