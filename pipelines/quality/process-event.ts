// Everything Verity derives from one accepted event: the masked analytics row, one finding per
// violation, and the issue-queue changes. No I/O: sinks write the result.
import { shanghaiDate } from '../calendar/deadlines.ts';
import type { ChangeEvent, CustomerChange } from '../contract/customer-change.ts';
import { maskChangeEvent, maskValueForField } from '../privacy/masked-record.ts';
import type { Tokenizer } from '../privacy/tokens.ts';
import type { CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { EventMemo } from '../../rules/checks/event-memo.ts';
import { parseTargetPath } from '../../connectors/debezium/paths.ts';
import { evaluateRules } from './evaluate-rules.ts';
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

function valueAt(event: CustomerChange, path: string): unknown {
  let value: unknown = event;
  for (const segment of parseTargetPath(path) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

export function processEvent(event: ChangeEvent, sourceRef: string, deps: EventProcessorDeps): ProcessedEvent {
  const asOf = shanghaiDate(event.occurredAt);
  const now = deps.now();
  // Values the masks and the rules both derive (the address, the resident ID), once per event.
  const memo = new EventMemo();
  const masked = maskChangeEvent(event, deps.tokenizer, asOf, memo);
  const failedRules: string[] = [];
  const record: RecordRow = {
    ...masked,
    eventId: event.eventId,
    source: event.source,
    op: event.op,
    occurredAt: event.occurredAt,
    ingestedAt: now,
    sourceRef,
    failedRules,
  };
  if (event.schema !== 'customer-change/v1') return { record, findings: [], issueChanges: [] };

  const outcomes = evaluateRules(deps.rules, event, asOf, memo);
  const { changes, issueIdByRule } = deps.issues.apply(event, masked.customerToken, outcomes);
  const findings: Finding[] = [];
  for (const { rule, violations } of outcomes) {
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
        detectedAt: now,
        issueId: issueIdByRule.get(ruleId) ?? '',
      });
    }
  }
  return { record, findings, issueChanges: changes };
}
