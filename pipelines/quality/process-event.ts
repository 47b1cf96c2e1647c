// Everything Verity derives from one accepted event: the masked analytics row, the findings, and
// the issue-queue changes. No I/O: sinks write the result.
//
// Each stage runs under its name (inStage): an exception from a mask, a check, the calendar or
// issue tracking becomes a ProcessingError naming that stage, which the pipeline dead-letters as
// `processing-error`. Issue state is changed only after every stage has succeeded, so an event
// that fails leaves no trace in it.
import { shanghaiDate } from '../calendar/deadlines.ts';
import type { ChangeEvent, CustomerChange } from '../contract/customer-change.ts';
import { maskChangeEvent, maskValueForField } from '../privacy/masked-record.ts';
import type { Tokenizer } from '../privacy/tokens.ts';
import type { CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { EventMemo } from '../cn/event-memo.ts';
import { parseTargetPath } from '../contract/field-paths.ts';
import { evaluateRules, recordRules, type RuleOutcome } from './evaluate-rules.ts';
import { inStage } from '../errors.ts';
import { stableId } from '../contract/ids.ts';
import type { IssueTracker } from './issue-tracker.ts';
import type { Finding, IssueChange, RecordRow } from './model.ts';
import type { Violation } from '../../rules/checks/types.ts';

export interface ProcessedEvent {
  readonly record: RecordRow;
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
  /** Each applicable record rule's verdict, passes included (the record findings follow them). */
  readonly outcomes: readonly RuleOutcome[];
}

export interface EventProcessorDeps {
  readonly rules: readonly CompiledRule[];
  readonly tokenizer: Tokenizer;
  readonly issues: IssueTracker;
  /** Wall clock for ingested/detected timestamps; injectable so tests can pin it. */
  readonly now: () => string;
}

function valueAt(event: CustomerChange, path: string): unknown {
  let value: unknown = event;
  for (const segment of parseTargetPath(path) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/** `customer.bankAccounts[12].number` → `customer.bankAccounts[].number`: one field, whichever item. */
function fieldShape(field: string): string {
  return field.includes('[') ? field.replace(/\[\d+\]/g, '[]') : field;
}

/**
 * One rule's violations on one event, with repeats collapsed: violations with the same reason on
 * the same field of different items (the 18,000 accounts of one record failing Luhn) are one
 * finding carrying their count. The group is named by its first violation, so an event whose rule
 * fails once keeps the finding id it always had.
 */
function collapse<V extends Violation>(violations: readonly V[]): { readonly first: V; readonly count: number }[] {
  if (violations.length < 2) return violations.map((first) => ({ first, count: 1 }));
  const groups = new Map<string, { first: V; count: number }>();
  for (const v of violations) {
    const key = `${fieldShape(v.field)}\u0000${v.reason}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { first: v, count: 1 });
  }
  return [...groups.values()];
}

/**
 * What an event yields before any state is read: its masks and analytics row, and the verdicts of
 * the record rules. The runtime prepares a batch while the previous one is in its state
 * transaction (on the store's own thread or server), so this work runs beside the store's.
 */
export interface PreparedEvent {
  readonly event: ChangeEvent;
  /** The row without its failed rules, which finishEvent fills in. */
  readonly record: Omit<RecordRow, 'failedRules'>;
  readonly masked: ReturnType<typeof maskChangeEvent>;
  readonly outcomes: readonly RuleOutcome[];
  /** Values the masks and the rules derived, which the findings' evidence reuses. */
  readonly memo: EventMemo;
  readonly now: string;
}

export type EventPreparerDeps = Pick<EventProcessorDeps, 'rules' | 'tokenizer' | 'now'>;

/** The stages that need no state: calendar, masks, record rules. A failure is a ProcessingError naming its stage. */
export function prepareEvent(event: ChangeEvent, sourceRef: string, deps: EventPreparerDeps): PreparedEvent {
  const asOf = inStage('calendar', () => shanghaiDate(event.occurredAt));
  const now = deps.now();
  // Values the masks and the rules both derive (the address, the resident ID), once per event.
  const memo = new EventMemo();
  const masked = inStage('mask', () => maskChangeEvent(event, deps.tokenizer, asOf, memo));
  const record = {
    ...masked,
    eventId: event.eventId,
    source: event.source,
    op: event.op,
    occurredAt: event.occurredAt,
    ingestedAt: now,
    sourceRef,
  };
  const outcomes = event.schema === 'customer-change/v1' ? evaluateRules(recordRules(deps.rules), event, asOf, memo) : [];
  return { event, record, masked, outcomes, memo, now };
}

/**
 * The stages over issue state: the issue tracker's plan, the findings (which name their issues),
 * and last the plan committed. May run more than once on one prepared event (a batch evaluated
 * again without an event that failed): nothing of `prepared` is changed.
 */
export function finishEvent(prepared: PreparedEvent, issues: IssueTracker): ProcessedEvent {
  const { event, masked, outcomes, memo, now } = prepared;
  const failedRules: string[] = [];
  const record: RecordRow = { ...prepared.record, failedRules };
  if (event.schema !== 'customer-change/v1') return { record, findings: [], issueChanges: [], outcomes: [] };

  const update = inStage('issues', () => issues.plan(event, masked.customerToken, outcomes, { tier: masked.tier || undefined, source: event.source, channel: masked.channel, agentToken: masked.agentToken }));
  const findings: Finding[] = [];
  inStage('findings', () => {
    for (const { rule, violations } of outcomes) {
      if (violations.length === 0) continue;
      const ruleId = rule.definition.id;
      failedRules.push(ruleId);
      for (const { first: v, count } of collapse(violations)) {
        const shown = maskValueForField(v.field, valueAt(event, v.field), memo);
        const evidence = shown === '' ? v.reason : `${v.reason}: ${shown}`;
        findings.push({
          findingId: stableId('finding', event.eventId, ruleId, v.field, v.reason),
          ruleId,
          ruleVersion: rule.definition.version,
          severity: v.severity,
          customerToken: masked.customerToken,
          field: v.field,
          reason: v.reason,
          evidence: count === 1 ? evidence : `${evidence} (and ${count - 1} more like it)`,
          violationCount: count,
          eventId: event.eventId,
          source: event.source,
          occurredAt: event.occurredAt,
          detectedAt: now,
          issueId: update.issueIdByRule.get(ruleId) ?? '',
        });
      }
    }
  });
  // Last, once nothing else can fail: the event's issue changes become state.
  issues.commit(update);
  return { record, findings, issueChanges: update.changes, outcomes };
}

export function processEvent(event: ChangeEvent, sourceRef: string, deps: EventProcessorDeps): ProcessedEvent {
  return finishEvent(prepareEvent(event, sourceRef, deps), deps.issues);
}
