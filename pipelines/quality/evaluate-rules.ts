// Runs the rule pack over one customer change: which rules applied, and what each found.
import type { CustomerChange } from '../contract/customer-change.ts';
import type { CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import type { RoleSelector } from '../../rules/engine/rule-pack.ts';
import { EventMemo } from '../../rules/checks/event-memo.ts';
import type { CheckContext, Severity, Violation } from '../../rules/checks/types.ts';

export interface RuleOutcome {
  readonly rule: CompiledRule;
  readonly violations: readonly (Violation & { readonly severity: Severity })[];
}

function roleOf(event: CustomerChange): RoleSelector {
  return event.policy?.role ?? 'none';
}

export function rulesApplyingTo(rules: readonly CompiledRule[], event: CustomerChange): CompiledRule[] {
  const kind = event.customer?.kind;
  if (!kind) return [];
  const role = roleOf(event);
  return rules.filter((r) => r.definition.appliesTo.kinds.includes(kind) && r.definition.appliesTo.roles.includes(role));
}

/**
 * One outcome per applicable rule, passed ones included (they close issues fixed upstream). `memo`:
 * the event's (see EventMemo); a fresh one when the caller has none.
 */
export function evaluateRules(rules: readonly CompiledRule[], event: CustomerChange, asOf: string, memo: EventMemo = new EventMemo()): RuleOutcome[] {
  const customer = event.customer;
  if (!customer) return [];
  const context: CheckContext = { event, customer, policy: event.policy, asOf, memo };
  return rulesApplyingTo(rules, event).map((rule) => ({
    rule,
    violations: rule.check
      .run(context, rule.params)
      .map((v) => ({ ...v, severity: v.severity ?? rule.definition.severity })),
  }));
}
