// Turns rule outcomes into issue-queue changes: at most one open issue per (rule, customer); a
// repeat violation updates it; a later event that passes the rule resolves it (corrected upstream);
// deleting the customer withdraws its issues. Pure apart from the state it is handed: a batch's
// workspace over the operational store (patterns/pattern-state.ts), or a map in unit tests.
import { computeDeadline } from '../calendar/deadlines.ts';
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import type { DeadlineInput } from '../calendar/deadlines.ts';
import type { CustomerChange } from '../contract/customer-change.ts';
import { SEVERITIES, type Severity } from '../../rules/checks/types.ts';
import type { RuleOutcome } from './evaluate-rules.ts';
import { inStage } from '../errors.ts';
import { stableId } from '../contract/ids.ts';
import type { IssueChange, IssueState } from './model.ts';
import { lifecycleDefaults } from '../contract/issue.ts';

/** What the queues filter and sort an issue by, from the event that opened or updated it (tokens only). */
export type IssueContext = Partial<Pick<IssueState, 'tier' | 'source' | 'channel' | 'agentToken'>>;

export interface IssueStateStore {
  get(ruleId: string, customerToken: string): IssueState | undefined;
  /** Rule ids with an active issue (open, claimed or in verification) for this customer. */
  openRulesOf(customerToken: string): readonly string[];
  /** Whether this customer has any open issue (most have none: a cheap first question). */
  hasOpen(customerToken: string): boolean;
  put(state: IssueState): void;
  /**
   * The customer's last issue of this rule when a steward closed it as correct or corrected (and
   * any correction was confirmed): new evidence reopens it rather than opening another.
   */
  reopenable?(ruleId: string, customerToken: string): IssueState | undefined;
}

/** Steward outcomes after which a new violation is new evidence about the same question. */
export const REOPENABLE_OUTCOMES: readonly string[] = ['confirmed-correct', 'corrected'];

/**
 * A resolved issue back in the queue: nobody holds it, its outcome is cleared, and it gets the
 * deadline and severity of the evidence that reopened it (else the old, passed deadline).
 */
export function reopenIssue(
  issue: IssueState,
  event: { eventId: string; occurredAt: string },
  fresh: Partial<Pick<IssueState, 'severity' | 'dueAt' | 'dueDate' | 'deadlineBasis' | 'deadlineProvisional' | 'tier' | 'source' | 'channel' | 'agentToken'>> = {},
): IssueChange {
  return {
    change: 'reopened',
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    issue: {
      ...issue,
      ...fresh,
      status: 'open',
      resolution: '',
      outcome: '',
      assignee: '',
      escalated: false,
      nextAttemptAt: '',
      pausedSince: '',
      pauseReason: '',
      occurrences: issue.occurrences + 1,
      lastEventId: event.eventId,
      lastSeenAt: event.occurredAt,
      updatedAt: event.occurredAt,
      version: issue.version + 1,
    },
  };
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/** What the tracker reads of an event: which one, when, what it did, and its deadline inputs. */
export type TrackedEvent = Pick<CustomerChange, 'eventId' | 'op' | 'occurredAt'> & DeadlineInput;

export interface IssueUpdate {
  readonly changes: readonly IssueChange[];
  /** The issue each rule's findings belong to, for the findings' `issue_id`. */
  readonly issueIdByRule: ReadonlyMap<string, string>;
}

export class IssueTracker {
  readonly #store: IssueStateStore;
  readonly #calendar: WorkingDayCalendar;

  constructor(store: IssueStateStore, calendar: WorkingDayCalendar) {
    this.#store = store;
    this.#calendar = calendar;
  }

  /** `plan` and `commit` in one step, for callers with nothing that can fail in between. */
  apply(event: TrackedEvent, customerToken: string, outcomes: readonly RuleOutcome[], context: IssueContext = {}): IssueUpdate {
    const update = this.plan(event, customerToken, outcomes, context);
    this.commit(update);
    return update;
  }

  /**
   * The issue changes an event causes, without changing the state: an exception anywhere while
   * the event is processed (here, in the deadline maths, or in a later stage) then leaves the
   * state as it was, and the event is dead-lettered without a trace. Each rule touches only its
   * own (rule, customer) issue, so no change planned here depends on another one.
   */
  plan(event: TrackedEvent, customerToken: string, outcomes: readonly RuleOutcome[], context: IssueContext = {}): IssueUpdate {
    // Only what the event says: a field it does not carry keeps the issue's.
    const seen = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined && v !== '')) as IssueContext;
    const changes: IssueChange[] = [];
    const issueIdByRule = new Map<string, string>();
    // Whether the customer may have an open issue: most have none, and then a clean pass of a
    // rule changes nothing and needs no lookup.
    const anyOpen = this.#store.hasOpen(customerToken);
    const record = (change: IssueChange) => {
      changes.push(change);
    };
    const at = { eventId: event.eventId, occurredAt: event.occurredAt };

    if (event.op === 'delete') {
      for (const ruleId of this.#store.openRulesOf(customerToken)) {
        const open = this.#store.get(ruleId, customerToken);
        if (open) record({ change: 'withdrawn', ...at, issue: this.#close(open, 'withdrawn', 'customer-deleted', event) });
      }
      return { changes, issueIdByRule };
    }

    for (const { rule, violations } of outcomes) {
      const policy = rule.definition.issue;
      if (!policy) continue;
      if (violations.length === 0 && !anyOpen) continue;
      const qualifying = violations.filter((v) => rank(v.severity) >= rank(policy.minSeverity));
      const open = anyOpen ? this.#store.get(rule.definition.id, customerToken) : undefined;

      if (qualifying.length === 0) {
        // Only a clean pass resolves: a sub-threshold warning still means the value is doubtful.
        if (open && violations.length === 0) {
          record({ change: 'resolved', ...at, issue: this.#close(open, 'resolved', 'corrected-upstream', event) });
        }
        continue;
      }
      const severity = qualifying.reduce<Severity>((max, v) => (rank(v.severity) > rank(max) ? v.severity : max), 'info');
      if (open) {
        const updated: IssueState = {
          ...open,
          ...seen,
          severity: rank(severity) > rank(open.severity) ? severity : open.severity,
          occurrences: open.occurrences + 1,
          lastEventId: event.eventId,
          lastSeenAt: event.occurredAt,
          updatedAt: event.occurredAt,
          version: open.version + 1,
        };
        record({ change: 'updated', ...at, issue: updated });
        issueIdByRule.set(rule.definition.id, updated.issueId);
        continue;
      }
      const deadline = inStage('deadline', () => computeDeadline(policy.deadline, event, this.#calendar));
      if (!deadline) continue; // the pack schema requires an unconditional deadline; kept for types
      const closed = this.#store.reopenable?.(rule.definition.id, customerToken);
      if (closed) {
        const change = reopenIssue(closed, event, {
          ...seen,
          severity,
          dueAt: deadline.dueAt,
          dueDate: deadline.dueDate,
          deadlineBasis: deadline.basis,
          deadlineProvisional: deadline.provisional,
        });
        record(change);
        issueIdByRule.set(rule.definition.id, change.issue.issueId);
        continue;
      }
      const opened: IssueState = {
        issueId: stableId('issue', rule.definition.id, customerToken, event.eventId),
        queue: policy.queue,
        ruleId: rule.definition.id,
        ruleVersion: rule.definition.version,
        customerToken,
        status: 'open',
        resolution: '',
        priority: policy.priority,
        severity,
        openedAt: event.occurredAt,
        openedByEventId: event.eventId,
        dueAt: deadline.dueAt,
        dueDate: deadline.dueDate,
        deadlineBasis: deadline.basis,
        deadlineProvisional: deadline.provisional,
        occurrences: 1,
        lastEventId: event.eventId,
        lastSeenAt: event.occurredAt,
        updatedAt: event.occurredAt,
        version: 1,
        ...lifecycleDefaults(context),
      };
      record({ change: 'opened', ...at, issue: opened });
      issueIdByRule.set(rule.definition.id, opened.issueId);
    }
    return { changes, issueIdByRule };
  }

  /** Makes a planned update the state. */
  commit(update: IssueUpdate): void {
    for (const change of update.changes) this.#store.put(change.issue);
  }

  #close(open: IssueState, status: 'resolved' | 'withdrawn', resolution: 'corrected-upstream' | 'customer-deleted', event: TrackedEvent): IssueState {
    return {
      ...open,
      status,
      resolution,
      outcome: resolution,
      lastEventId: event.eventId,
      lastSeenAt: event.occurredAt,
      updatedAt: event.occurredAt,
      version: open.version + 1,
    };
  }
}
