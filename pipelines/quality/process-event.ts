// Everything Verity derives from one accepted event: the masked analytics row, one finding per
// violation, and the issue-queue changes. No I/O: sinks write the result.
//
// Two steps. `deriveEvent` is pure (masks, tokens, rules, evidence): it depends on the event, the
// rules and the token key only, so it may run anywhere, in any order, even in a worker thread
// (derive-pool.ts), and its result is plain JSON-safe data. `trackEvent` is the order-dependent
// rest: the issue tracker's state, and the wall clock. `processEvent` is the two in a row.
import { shanghaiDate } from '../calendar/deadlines.ts';
import type { ChangeEvent, CustomerChange, Policy } from '../contract/customer-change.ts';
import { maskChangeEvent, maskValueForField } from '../privacy/masked-record.ts';
import type { Tokenizer } from '../privacy/tokens.ts';
import type { CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { EventMemo } from '../../rules/checks/event-memo.ts';
import { parseTargetPath } from '../../connectors/debezium/paths.ts';
import { evaluateRules, type RuleOutcome } from './evaluate-rules.ts';
import { stableId } from './hash.ts';
import type { IssueTracker } from './issue-tracker.ts';
import type { Finding, IssueChange, RecordRow } from './model.ts';

export interface ProcessedEvent {
  readonly record: RecordRow;
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
}

export interface EventProcessorDeps {
  readonly rules: readonly CompiledRule[];
  readonly tokenizer: Tokenizer;
  readonly issues: IssueTracker;
  /** Wall clock for ingested/detected timestamps; injectable so tests can pin it. */
  readonly now: () => string;
}

/**
 * What an event derives before any state is consulted. The record's `ingestedAt` and `sourceRef`
 * and the findings' `detectedAt` and `issueId` are '' until `trackEvent` fills them in; keys are
 * already in their final order. Plain data that survives JSON unchanged.
 */
export interface DerivedEvent {
  readonly record: RecordRow;
  /** One per violation, grouped by rule in rule order. */
  readonly findings: readonly Finding[];
  /**
   * Customer changes only: the rules that applied, in order, as pairs of numbers: the rule's index
   * in the rule list, then how many of `findings` (the next ones) are its violations.
   */
  readonly applied?: readonly number[];
  /** Customer changes only: what deadline policies read from the event's policy. */
  readonly policy?: Pick<Policy, 'receivedAt' | 'coolingOffDays'>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function valueAt(event: CustomerChange, path: string): unknown {
  let value: unknown = event;
  for (const segment of parseTargetPath(path) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

const NO_RULES: readonly number[] = Object.freeze([]);

/** The pure part: mask, tokenise, evaluate the rules, mask the evidence. */
export function deriveEvent(event: ChangeEvent, rules: readonly CompiledRule[], tokenizer: Tokenizer): DerivedEvent {
  const asOf = shanghaiDate(event.occurredAt);
  // Values the masks and the rules both derive (the address, the resident ID), once per event.
  const memo = new EventMemo();
  const masked = maskChangeEvent(event, tokenizer, asOf, memo);
  const failedRules: string[] = [];
  const record: RecordRow = {
    ...masked,
    eventId: event.eventId,
    source: event.source,
    op: event.op,
    occurredAt: event.occurredAt,
    ingestedAt: '',
    sourceRef: '',
    failedRules,
  };
  if (event.schema !== 'customer-change/v1') return { record, findings: [] };

  const outcomes = evaluateRules(rules, event, asOf, memo);
  const findings: Finding[] = [];
  const applied: number[] = [];
  for (const { rule, violations } of outcomes) {
    applied.push(rules.indexOf(rule), violations.length);
    if (violations.length === 0) continue;
    const ruleId = rule.definition.id;
    failedRules.push(ruleId);
    for (const v of violations) {
      const shown = maskValueForField(v.field, valueAt(event, v.field), memo);
      findings.push({
        findingId: stableId('finding', event.eventId, ruleId, v.field, v.reason),
        ruleId,
        ruleVersion: rule.definition.version,
        severity: v.severity,
        customerToken: masked.customerToken,
        field: v.field,
        reason: v.reason,
        evidence: shown === '' ? v.reason : `${v.reason}: ${shown}`,
        eventId: event.eventId,
        source: event.source,
        occurredAt: event.occurredAt,
        detectedAt: '',
        issueId: '',
      });
    }
  }
  const policy = event.policy;
  const deadlineFields: Mutable<NonNullable<DerivedEvent['policy']>> = {};
  if (policy?.receivedAt !== undefined) deadlineFields.receivedAt = policy.receivedAt;
  if (policy?.coolingOffDays !== undefined) deadlineFields.coolingOffDays = policy.coolingOffDays;
  return { record, findings, applied: applied.length === 0 ? NO_RULES : applied, ...(policy ? { policy: deadlineFields } : {}) };
}

/**
 * The order-dependent part, in stream order: advances the issue tracker, links each finding to
 * its issue and stamps the wall clock. Fills in (and so takes over) `derived`'s objects.
 */
export function trackEvent(
  derived: DerivedEvent,
  sourceRef: string,
  deps: Pick<EventProcessorDeps, 'rules' | 'issues' | 'now'>,
): ProcessedEvent {
  const now = deps.now();
  const record = derived.record as Mutable<RecordRow>;
  record.ingestedAt = now;
  record.sourceRef = sourceRef;
  if (derived.applied === undefined) return { record, findings: [], issueChanges: [] };

  const findings = derived.findings as Mutable<Finding>[];
  const outcomes: RuleOutcome[] = [];
  const applied = derived.applied;
  let next = 0;
  for (let i = 0; i < applied.length; i += 2) {
    const rule = deps.rules[applied[i]!];
    const count = applied[i + 1]!;
    if (rule === undefined) throw new RangeError(`derived event names rule ${applied[i]}, but there are ${deps.rules.length}`);
    outcomes.push({ rule, violations: count === 0 ? [] : findings.slice(next, next + count) });
    next += count;
  }
  const event = {
    eventId: record.eventId,
    op: record.op,
    occurredAt: record.occurredAt,
    ...(derived.policy ? { policy: derived.policy } : {}),
  };
  const { changes, issueIdByRule } = deps.issues.apply(event, record.customerToken, outcomes);
  for (const finding of findings) {
    finding.detectedAt = now;
    finding.issueId = issueIdByRule.get(finding.ruleId) ?? '';
  }
  return { record, findings, issueChanges: changes };
}

export function processEvent(event: ChangeEvent, sourceRef: string, deps: EventProcessorDeps): ProcessedEvent {
  return trackEvent(deriveEvent(event, deps.rules, deps.tokenizer), sourceRef, deps);
}
